// Headless matches in worker threads: the same job gives the same result and replay bytes on the
// main thread and in a pool thread; errors come back with their message; a dead thread fails only
// its job and the pool carries on.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describePolicyIO } from "@league/envs";
import { afterAll, describe, expect, it } from "vitest";
import type { VersionData } from "../src/match/headless-jobs.js";
import {
  type CarSoccerJob,
  createHeadlessPool,
  type DuplicateJob,
  type PlayedCarSoccer,
  playHeadlessJob,
} from "../src/match/headless-jobs.js";
import { validateSubmission } from "../src/submissions/validate.js";

const shipped = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../builtins/ppo-selfplay-1v1");

async function shippedModel(): Promise<VersionData> {
  const files = new Map<string, Uint8Array>();
  for (const name of ["agent.json", "model.json", "weights.bin"])
    files.set(name, await readFile(path.join(shipped, name)));
  const v = validateSubmission(files, (m) => describePolicyIO(m.env, m.observationBuilder, m.actionParser));
  return {
    id: "00000000-0000-7000-8000-000000000001",
    version: 1,
    envId: v.manifest.env,
    manifest: v.manifest as never,
    artifact: new Uint8Array(v.artifact),
    agent: { name: "ppo-selfplay" },
  };
}

function bot(name: string, envId = "car-soccer-1v1"): VersionData {
  return {
    id: `bot-${name}`,
    version: 1,
    envId,
    manifest: { kind: "scripted", bot: name, env: envId, description: name },
    artifact: null,
    agent: { name },
  };
}

const pool = createHeadlessPool({ size: 2 });
afterAll(() => pool.close());

describe("headless matches in worker threads", () => {
  it("a model against a bot: the same result and replay bytes as on the main thread", async () => {
    const job: CarSoccerJob = {
      kind: "car-soccer",
      specId: "car-soccer-1v1",
      seed: 424242,
      durationSeconds: 20,
      seats: [await shippedModel(), bot("ball-chaser")],
    };
    const [here, there] = (await Promise.all([playHeadlessJob(job), pool.run(job)])) as [
      PlayedCarSoccer,
      PlayedCarSoccer,
    ];
    expect(there.controllers).toEqual(["ppo-selfplay v1", "ball-chaser"]);
    expect(there.score).toEqual(here.score);
    expect(there.goals).toEqual(here.goals);
    expect(there.controllerErrors).toEqual([0, 0]);
    expect(there.episodes).toBe(here.episodes);
    expect(there.replay.byteLength).toBeGreaterThan(1000);
    expect(Buffer.from(there.replay).equals(Buffer.from(here.replay))).toBe(true);
    expect(pool.counts.done).toBe(1);
  });

  it("a duplicate match: the same outcome in a thread", async () => {
    const job: DuplicateJob = {
      kind: "duplicate",
      envId: "bandit-lsd-10",
      seeds: [11, 12],
      seats: ["ucb1", "greedy"].map((baseline) => ({
        id: `b-${baseline}`,
        version: 1,
        envId: "bandit-lsd-10",
        manifest: { kind: "scripted", baseline },
        artifact: null,
        agent: { name: baseline },
      })),
    };
    const [here, there] = await Promise.all([playHeadlessJob(job), pool.run(job)]);
    expect(there).toEqual(here);
  });

  it("an unplayable seat fails with its reason; the pool keeps playing", async () => {
    const job: CarSoccerJob = {
      kind: "car-soccer",
      specId: "car-soccer-1v1",
      seed: 1,
      durationSeconds: 2,
      seats: [bot("no-such-bot"), bot("ball-chaser")],
    };
    await expect(pool.run(job)).rejects.toThrow(/no-such-bot/);
    const ok = (await pool.run({ ...job, seats: [bot("defender"), bot("ball-chaser")] })) as PlayedCarSoccer;
    expect(ok.controllers).toEqual(["defender", "ball-chaser"]);
  });
});
