import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { carSoccerParts, getEnvSpec, Rng } from "@league/envs";
import { afterAll, describe, expect, it } from "vitest";
import { selectBackend } from "../../src/ppo/backend.js";
import { buildMlp } from "../../src/ppo/network.js";
import { trainPpo } from "../../src/ppo/ppo.js";
import { compileReward, DEFAULT_CAR_SOCCER_REWARD } from "../../src/rewards/car-soccer.js";
import { makeStateSetter, parseCarSoccerTrainConfig } from "../../src/selfplay/config.js";
import { type OpponentAssignment, SelfPlayVecEnv } from "../../src/selfplay/selfplay-env.js";
import { trainCarSoccer } from "../../src/selfplay/train.js";

// Rollout workers run the built worker script (dist/selfplay/rollout-worker.js): build first.
const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

const setters = { kickoff: 1, random: 1 };

async function makeEnv(
  rolloutWorkers: number,
  extra: { rolloutFault?: { worker: number; step: number }; numEnvs?: number } = {},
) {
  const runtime = await selectBackend({ prefer: ["wasm", "cpu"] });
  const obsBuilder = carSoccerParts("default", "lookup").obsBuilder;
  // A frozen network plays some arenas, bots the others: both opponent kinds run on the main thread.
  const actor = buildMlp(runtime.tf, {
    inputSize: obsBuilder.size(1),
    hidden: [8],
    outputSize: 90,
    seed: 5,
    name: "actor",
  });
  const network: OpponentAssignment = {
    id: "net",
    policy: { kind: "network", policy: { actor, observationStats: null } },
  };
  const bots = ["ball-chaser", "random", "defender"];
  let games = 0;
  const results: string[] = [];
  const env = new SelfPlayVecEnv({
    spec: getEnvSpec("car-soccer-1v1"),
    numEnvs: extra.numEnvs ?? 7,
    tickSkip: 8,
    obsBuilder,
    stateSetter: makeStateSetter(setters),
    reward: compileReward(DEFAULT_CAR_SOCCER_REWARD).fn,
    episodeSeconds: 2,
    noTouchSeconds: null,
    runtime,
    seed: 11,
    nextOpponent: () => {
      const k = games++ % 4;
      return k === 3 ? network : { id: bots[k]!, policy: { kind: "scripted", bot: bots[k]! } };
    },
    onGameEnd: (arena, opponent, score) => void results.push(`${arena}:${opponent}:${score}`),
    rolloutWorkers,
    task: { observationBuilder: "default", stateSetter: setters, reward: DEFAULT_CAR_SOCCER_REWARD },
    ...extra,
  });
  return { env, results, runtime };
}

function bytes(a: ArrayBufferView): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

describe("rollout workers", () => {
  it("give the same rollout bit for bit as the main thread alone (seeded per arena, any slicing)", async () => {
    const single = await makeEnv(0);
    const sliced = await makeEnv(2);
    try {
      const rng = new Rng(4, 1);
      const actions = new Float32Array(single.env.numEnvs);
      single.env.reset(9);
      sliced.env.reset(9);
      let resets = 0;
      // 2 s episodes are 30 decisions at most: 120 steps see every arena reset (new seeds, new opponents) 4 times.
      for (let step = 0; step < 120; step++) {
        for (let i = 0; i < actions.length; i++) actions[i] = rng.int(90);
        single.env.step(actions);
        sliced.env.step(actions);
        for (let e = 0; e < actions.length; e++)
          resets += single.env.truncated[e]! | single.env.terminated[e]!;
        expect(bytes(sliced.env.observations).equals(bytes(single.env.observations))).toBe(true);
        expect(bytes(sliced.env.rewards).equals(bytes(single.env.rewards))).toBe(true);
        expect(bytes(sliced.env.terminated).equals(bytes(single.env.terminated))).toBe(true);
        expect(bytes(sliced.env.truncated).equals(bytes(single.env.truncated))).toBe(true);
        expect(bytes(sliced.env.finalObservations).equals(bytes(single.env.finalObservations))).toBe(true);
      }
      for (let e = 0; e < actions.length; e++)
        expect(sliced.env.inner.state.hashArena(e)).toBe(single.env.inner.state.hashArena(e));
      expect(resets).toBeGreaterThanOrEqual(4 * 7);
      expect(sliced.results).toEqual(single.results);
      // A curriculum stage change reaches the workers too.
      const task = {
        observationBuilder: "default",
        stateSetter: { "ball-in-air": 1 },
        reward: DEFAULT_CAR_SOCCER_REWARD,
      };
      single.env.setTask(task);
      sliced.env.setTask(task);
      for (let step = 0; step < 40; step++) {
        for (let i = 0; i < actions.length; i++) actions[i] = rng.int(90);
        single.env.step(actions);
        sliced.env.step(actions);
      }
      expect(bytes(sliced.env.observations).equals(bytes(single.env.observations))).toBe(true);
      expect(sliced.results).toEqual(single.results);
    } finally {
      await sliced.env.close();
    }
  });

  it("train the same car-soccer policy with 0 and 1 workers", async () => {
    const runtime = await selectBackend({ prefer: ["wasm", "cpu"] });
    const dir = await mkdtemp(path.join(tmpdir(), "rollout-workers-"));
    dirs.push(dir);
    const weights = async (rolloutWorkers: number) => {
      const config = parseCarSoccerTrainConfig({
        env: "car-soccer-1v1",
        out: path.join(dir, `w${rolloutWorkers}`),
        totalSteps: 256,
        numEnvs: 4,
        episodeSeconds: 3,
        rolloutWorkers,
        ppo: { numSteps: 32, hidden: [8], numMinibatches: 2, updateEpochs: 1 },
        selfplay: { snapshotEvery: 2, latestShare: 0.5, scripted: ["ball-chaser"] },
      });
      const result = await trainCarSoccer(runtime, config, { stream: { write: () => true } });
      return result.state.actor.getWeights().map((w) => Array.from(w.dataSync()));
    };
    expect(await weights(1)).toEqual(await weights(0));
  });

  it("surface a worker's error in the trainer as an error naming the worker, not a hang", async () => {
    const { env, runtime } = await makeEnv(1, { rolloutFault: { worker: 0, step: 5 } });
    await expect(
      trainPpo(runtime, env, { totalSteps: 7 * 32, numSteps: 32, hidden: [8], numMinibatches: 2 }),
    ).rejects.toThrow(/rollout worker 0 failed: .*injected failure at step 5/);
    // The failing pool closed itself; closing again is harmless and further use says why it fails.
    await env.close();
    expect(() => env.step(new Float32Array(7))).toThrow(/used after close/);
  });

  it("end with training: the process exits by itself after a run, failed or not", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "rollout-exit-"));
    dirs.push(dir);
    const script = path.join(dir, "run.mjs");
    const dist = path.resolve(import.meta.dirname, "../../dist/index.js");
    await writeFile(
      script,
      `import { parseCarSoccerTrainConfig, selectBackend, trainCarSoccer } from ${JSON.stringify(dist)};
const runtime = await selectBackend({ prefer: ["wasm", "cpu"] });
const base = { env: "car-soccer-1v1", totalSteps: 128, numEnvs: 4, episodeSeconds: 3, rolloutWorkers: 2,
  ppo: { numSteps: 32, hidden: [8], numMinibatches: 2, updateEpochs: 1 } };
await trainCarSoccer(runtime, parseCarSoccerTrainConfig({ ...base, out: ${JSON.stringify(path.join(dir, "ok"))} }), { stream: { write: () => true } });
console.log("trained");
// A bad reward in a worker's task only: the worker fails to start, the trainer rejects.
const { SelfPlayVecEnv, compileReward, DEFAULT_CAR_SOCCER_REWARD, makeStateSetter } = await import(${JSON.stringify(dist)});
const { carSoccerParts, getEnvSpec } = await import(${JSON.stringify(path.resolve(import.meta.dirname, "../../../envs/dist/index.js"))});
const env = new SelfPlayVecEnv({ spec: getEnvSpec("car-soccer-1v1"), numEnvs: 2, tickSkip: 8,
  obsBuilder: carSoccerParts("default", "lookup").obsBuilder, stateSetter: makeStateSetter({ kickoff: 1 }),
  reward: compileReward(DEFAULT_CAR_SOCCER_REWARD).fn, episodeSeconds: 3, noTouchSeconds: null, runtime, seed: 1,
  nextOpponent: () => ({ id: "idle", policy: { kind: "scripted", bot: "idle" } }), onGameEnd: () => {},
  rolloutWorkers: 1, task: { observationBuilder: "default", stateSetter: { kickoff: 1 }, reward: { nope: 1 } } });
try { env.reset(1); } catch (error) { console.log("caught:", error.message.split("\\n")[0]); }
`,
    );
    const child = spawn(process.execPath, [script], {
      cwd: path.resolve(import.meta.dirname, "../.."),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    const code = await new Promise<number | string>((resolve) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        resolve("hung");
      }, 90_000);
      child.on("exit", (c) => {
        clearTimeout(timer);
        resolve(c ?? -1);
      });
    });
    expect({ code, stderr: code === 0 ? "" : stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toContain("trained");
    expect(stdout).toMatch(/caught: rollout worker 0 failed: .*reward/i);
  });
});
