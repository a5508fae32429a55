import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  type CarPolicy,
  createCarSoccerBot,
  loadPolicy,
  ModelPolicy,
  playDuplicate,
  selectBackend,
} from "@league/agents";
import { createTestDatabase, type TestDatabase } from "@league/db/testing";
import {
  actionFromOutputs,
  type CarSoccerState,
  carSoccerParts,
  getEnvSpec,
  makeDuplicateEnv,
  PLAYER,
} from "@league/envs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerBuiltinAgents } from "../src/league/builtins.js";
import { runDuplicateMatch } from "../src/league/duplicate-runner.js";
import { BUILTINS_DIR, registerTrainedAgents, TRAINED_AGENTS } from "../src/league/trained-agents.js";
import { CarSoccerMatch } from "../src/match/car-soccer-match.js";
import { carSoccerController, duplicatePlayer } from "../src/match/players.js";
import { seedLeagues } from "../src/seed.js";

const LEAGUE = "car-soccer-1v1";
const shipped = TRAINED_AGENTS.find((t) => t.name === "ppo-selfplay")!;
const BANDIT_LEAGUE = "bandit-bernoulli-10";
const bandit = TRAINED_AGENTS.find((t) => t.name === "ppo-history")!;

describe("built-in trained agents", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase("pglite");
    await seedLeagues(db.prisma);
  }, 180_000);
  afterAll(async () => {
    await db?.destroy();
  });

  const versions = (name = shipped.name) =>
    db.prisma.agentVersion.findMany({
      where: { agent: { name, owner: { name: "league" } } },
      include: { agent: true, ratings: true },
    });

  it("registers the shipped checkpoint once, active and rated in its league", async () => {
    expect(await registerTrainedAgents(db.prisma)).toEqual({ created: TRAINED_AGENTS.length, missing: [] });
    expect(await registerTrainedAgents(db.prisma)).toEqual({ created: 0, missing: [] });
    const [version, ...rest] = await versions();
    expect(rest).toHaveLength(0);
    expect(version!.agent.kind).toBe("model");
    expect(version!.envId).toBe(LEAGUE);
    expect(version!.status).toBe("active");
    expect(version!.artifact?.byteLength).toBeGreaterThan(0);
    expect(version!.ratings.map((r) => r.leagueId)).toEqual([LEAGUE]);
    // Registered with the interface its agent.json names (the builder it was trained on).
    const onDisk = JSON.parse(await readFile(path.join(BUILTINS_DIR, shipped.dir, "agent.json"), "utf8")) as {
      observationBuilder: string;
      actionParser: string;
    };
    expect(version!.manifest).toMatchObject({
      kind: "model",
      observationBuilder: onDisk.observationBuilder,
      actionParser: onDisk.actionParser,
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
    // The reference builds the checkpoint's own observation, so a builder mix-up shows as mismatches.
    const { obsBuilder, actionParser } = carSoccerParts(manifest.observationBuilder, manifest.actionParser);
    const obs = new Float32Array(obsBuilder.size(1));
    const normalized = new Float32Array(obs.length);
    const action = new Float32Array(actionParser.actionSize);
    const expected = new Float32Array(8);
    let decisions = 0;
    let mismatches = 0;
    const checked: CarPolicy = {
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

  it("enters the shipped bandit checkpoint once, active and rated in bandit-bernoulli-10, with the history builder", async () => {
    await registerTrainedAgents(db.prisma);
    expect(await registerTrainedAgents(db.prisma)).toEqual({ created: 0, missing: [] });
    const [version, ...rest] = await versions(bandit.name);
    expect(rest).toHaveLength(0);
    expect(version!.agent.kind).toBe("model");
    expect(version!.envId).toBe(BANDIT_LEAGUE);
    expect(version!.status).toBe("active");
    expect(version!.ratings.map((r) => r.leagueId)).toEqual([BANDIT_LEAGUE]);
    expect(version!.manifest).toMatchObject({
      kind: "model",
      env: BANDIT_LEAGUE,
      observationBuilder: "history",
      actionParser: "discrete",
      observationSize: 21,
      actionCount: 10,
    });
    // A few MB at most: it ships in the repository.
    expect(version!.artifactSize).toBeLessThan(1024 * 1024);
  });

  it("plays the bandit checkpoint's first held-out episode arm for arm as the bench's evaluation did", async () => {
    const [version] = await versions(bandit.name);
    const evaluation = JSON.parse(
      await readFile(path.join(BUILTINS_DIR, bandit.dir, "evaluation.json"), "utf8"),
    ) as {
      actionSelection: "sample" | "argmax";
      firstEpisode: { seed: number } & Record<"sample" | "argmax", { arms: number[]; regret: number }>;
    };
    expect((version!.manifest as { actionSelection?: string }).actionSelection ?? "argmax").toBe(
      evaluation.actionSelection,
    );
    const player = await duplicatePlayer(version!);
    expect(player).toBeInstanceOf(ModelPolicy);
    const policy = player as ModelPolicy;
    const { seed } = evaluation.firstEpisode;
    const recorded = evaluation.firstEpisode[evaluation.actionSelection];
    // Twice: the second episode starts from a reset player and gives the same arms again.
    for (let round = 0; round < 2; round++) {
      const env = makeDuplicateEnv(BANDIT_LEAGUE);
      let observation = env.reset(seed).observations[PLAYER]!;
      policy.reset(seed);
      const arms: number[] = [];
      let regret = 0;
      for (;;) {
        const action = policy.act(observation);
        arms.push(action[0]!);
        const step = env.step({ [PLAYER]: action });
        observation = step.observations[PLAYER]!;
        regret += step.infos[PLAYER]!.regret as number;
        if (step.terminations[PLAYER]) break;
      }
      expect(arms).toEqual(recorded.arms);
      expect(regret).toBeCloseTo(recorded.regret, 9);
    }
    // The same player in a duplicate match keeps its arms across the episodes of other seeds.
    const result = playDuplicate({ env: BANDIT_LEAGUE, policies: [player, "ucb1"], seeds: [seed, seed + 1] });
    expect(result.entries[0]!.regrets[0]).toBeCloseTo(recorded.regret, 9);
  }, 120_000);

  it("plays a ladder duplicate match in its league against UCB1 and Thompson, with finite returns", async () => {
    await registerBuiltinAgents(db.prisma);
    const [trained] = await versions(bandit.name);
    const opponents = await db.prisma.agentVersion.findMany({
      where: { envId: BANDIT_LEAGUE, agent: { name: { in: ["ucb1", "thompson-bernoulli"] } } },
      orderBy: { agent: { name: "asc" } },
    });
    expect(opponents).toHaveLength(2);
    const versionIds = [trained!.id, ...opponents.map((v) => v.id)];
    const finished = await runDuplicateMatch(db.prisma, null, {
      leagueId: BANDIT_LEAGUE,
      versionIds,
      seed: 11n,
    });
    expect(finished.applied).toBe(true);
    const match = await db.prisma.match.findUniqueOrThrow({ where: { id: finished.matchId } });
    expect(match.status).toBe("finished");
    const result = match.result as {
      entries: { versionId: string; meanReturn: number; meanRegret: number }[];
    };
    expect(result.entries.map((e) => e.versionId)).toEqual(versionIds);
    for (const entry of result.entries) {
      expect(Number.isFinite(entry.meanReturn)).toBe(true);
      expect(entry.meanReturn).toBeGreaterThan(0);
      expect(Number.isFinite(entry.meanRegret)).toBe(true);
    }
    expect(finished.ratingChanges.map((c) => c.versionId)).toContain(trained!.id);
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
