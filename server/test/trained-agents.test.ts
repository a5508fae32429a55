import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createCarSoccerBot, loadPolicy, selectBackend } from "@league/agents";
import { createTestDatabase, type TestDatabase } from "@league/db/testing";
import { actionFromOutputs, type CarSoccerState, carSoccerParts, getEnvSpec } from "@league/envs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { carSoccerController } from "../src/league/players.js";
import { BUILTINS_DIR, registerTrainedAgents, TRAINED_AGENTS } from "../src/league/trained-agents.js";
import { CarSoccerMatch, type LiveController } from "../src/rooms/car-soccer-match.js";
import { seedLeagues } from "../src/seed.js";

const LEAGUE = "car-soccer-1v1";
const shipped = TRAINED_AGENTS.find((t) => t.name === "ppo-selfplay")!;

describe("built-in trained agents", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase("pglite");
    await seedLeagues(db.prisma);
  }, 180_000);
  afterAll(async () => {
    await db?.destroy();
  });

  const versions = () =>
    db.prisma.agentVersion.findMany({
      where: { agent: { name: shipped.name, owner: { name: "league" } } },
      include: { agent: true, ratings: true },
    });

  it("registers the shipped checkpoint once, active and rated in its league", async () => {
    expect(await registerTrainedAgents(db.prisma)).toEqual({ created: 1, missing: [] });
    expect(await registerTrainedAgents(db.prisma)).toEqual({ created: 0, missing: [] });
    const [version, ...rest] = await versions();
    expect(rest).toHaveLength(0);
    expect(version!.agent.kind).toBe("model");
    expect(version!.envId).toBe(LEAGUE);
    expect(version!.status).toBe("active");
    expect(version!.artifact?.byteLength).toBeGreaterThan(0);
    expect(version!.ratings.map((r) => r.leagueId)).toEqual([LEAGUE]);
    expect(version!.manifest).toMatchObject({
      kind: "model",
      observationBuilder: "default",
      actionParser: "lookup",
    });
  });

  it("plays a headless match against the ball-chaser with the checkpoint's own greedy actions", async () => {
    const [version] = await versions();
    const trained = await carSoccerController(version!, 1);
    // The reference: the checkpoint read from disk by the agents package, argmax of its logits.
    const runtime = await selectBackend({ prefer: ["wasm", "cpu"] });
    const { actor, observationStats, manifest } = await loadPolicy(
      runtime,
      path.join(BUILTINS_DIR, shipped.dir),
    );
    const { obsBuilder, actionParser } = carSoccerParts("default", "lookup");
    const obs = new Float32Array(obsBuilder.size(1));
    const normalized = new Float32Array(obs.length);
    const action = new Float32Array(actionParser.actionSize);
    const expected = new Float32Array(8);
    let decisions = 0;
    let mismatches = 0;
    const checked: LiveController = {
      name: trained.name,
      act(state: CarSoccerState, arena: number, car: number, controls: Float32Array) {
        trained.act(state, arena, car, controls);
        obsBuilder.build(state, arena, car, obs, 0);
        const input = observationStats
          ? observationStats.normalize(obs, 1, normalized, manifest.observationNormalization!.clip)
          : obs;
        const logits = runtime.tf.tidy(() =>
          (
            actor.predict(runtime.tf.tensor2d(input, [1, obs.length])) as { dataSync(): Float32Array }
          ).dataSync(),
        );
        actionFromOutputs(actionParser.actionSpace, logits, action);
        actionParser.parse(action, 0, expected, 0);
        decisions++;
        if (controls.some((c, i) => c !== expected[i])) mismatches++;
      },
    };
    const match = new CarSoccerMatch({
      spec: getEnvSpec(LEAGUE),
      seed: 7,
      controllers: [checked, createCarSoccerBot("ball-chaser")],
      durationSeconds: 20,
      goalPauseSeconds: 0,
      kickoffPauseSeconds: 0,
      failOnControllerError: true,
    });
    while (!match.done) match.tick();
    expect(decisions).toBeGreaterThan(100);
    expect(mismatches).toBe(0);
  }, 120_000);

  it("refuses a broken shipped checkpoint, naming the agent and its folder", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "league-builtins-"));
    try {
      await cp(path.join(BUILTINS_DIR, shipped.dir), path.join(root, "broken"), { recursive: true });
      const weights = await readFile(path.join(root, "broken", "weights.bin"));
      await writeFile(path.join(root, "broken", "weights.bin"), weights.subarray(0, weights.byteLength - 4));
      await expect(
        registerTrainedAgents(db.prisma, {
          dir: root,
          agents: [{ name: "broken", dir: "broken", description: "" }],
        }),
      ).rejects.toThrow(/built-in trained agent broken \(.*broken\): the weight files hold \d+ bytes/);
      expect(await db.prisma.agent.findFirst({ where: { name: "broken" } })).toBeNull();
      // An absent folder is skipped and reported, not fatal.
      expect(
        await registerTrainedAgents(db.prisma, {
          dir: root,
          agents: [{ name: "absent", dir: "absent", description: "" }],
        }),
      ).toEqual({ created: 0, missing: ["absent"] });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
