import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  B_VX,
  B_X,
  BALL_FIELDS,
  DefaultObs,
  describePolicyIO,
  getEnvSpec,
  KickoffSetter,
  type StateSetter,
} from "@league/envs";
import { afterAll, describe, expect, it } from "vitest";
import { selectBackend } from "../../src/ppo/backend.js";
import { loadPolicy } from "../../src/ppo/checkpoint.js";
import { act } from "../../src/ppo/ppo.js";
import { MetricsLog } from "../../src/report/metrics-log.js";
import { compileReward, DEFAULT_CAR_SOCCER_REWARD } from "../../src/rewards/car-soccer.js";
import { makeStateSetter, parseCarSoccerTrainConfig } from "../../src/selfplay/config.js";
import { evaluateVsBot, type VsBotResult } from "../../src/selfplay/evaluate.js";
import { SelfPlayVecEnv } from "../../src/selfplay/selfplay-env.js";
import { trainCarSoccer } from "../../src/selfplay/train.js";

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** Kickoff spawns with the ball rolling fast into one goal: `toward` +1 is orange's goal (blue scores). */
function shotSetter(toward: 1 | -1): StateSetter {
  const kickoff = new KickoffSetter();
  return {
    name: "shot",
    reset(state, a) {
      kickoff.reset(state, a);
      const b = a * BALL_FIELDS;
      state.ball[b + B_X + 1] = toward * 4600;
      state.ball[b + B_VX + 1] = toward * 3000;
    },
  };
}

describe("self-play environment", () => {
  it("gives the learner blue's view and reward, and credits each game's result to the arena's opponent", async () => {
    const runtime = await selectBackend({ prefer: ["wasm", "cpu"] });
    const games: [number, string, number][] = [];
    const reward = compileReward(DEFAULT_CAR_SOCCER_REWARD);
    const env = new SelfPlayVecEnv({
      spec: getEnvSpec("car-soccer-1v1"),
      numEnvs: 2,
      tickSkip: 8,
      obsBuilder: new DefaultObs(),
      stateSetter: shotSetter(1),
      reward: reward.fn,
      episodeSeconds: 5,
      noTouchSeconds: null,
      runtime,
      seed: 3,
      nextOpponent: (arena) => ({ id: `bot-${arena}`, policy: { kind: "scripted", bot: "idle" } }),
      onGameEnd: (arena, opponent, score) => void games.push([arena, opponent, score]),
    });
    env.reset(3);
    expect(env.numAgents).toBe(1);
    expect(env.actionCount).toBe(90);
    const size = env.observationSize;
    // Arena 1's learner row is the inner env's blue car of arena 1.
    expect(Array.from(env.observations.subarray(size, 2 * size))).toEqual(
      Array.from(env.inner.observations.subarray(2 * size, 3 * size)),
    );
    for (let i = 0; i < 20 && games.length < 2; i++) env.step(new Float32Array([0, 0]));
    // The ball was rolling into orange's goal: blue (the learner) won both games.
    expect(games).toEqual([
      [0, "bot-0", 1],
      [1, "bot-1", 1],
    ]);
    expect(() => env.step(new Float32Array(3))).toThrow(
      /expected 2 lookup indices \(2 arenas × 1 blue cars\), got 3/,
    );

    games.length = 0;
    env.stateSetter = shotSetter(-1);
    env.reset(4);
    for (let i = 0; i < 20 && games.length < 2; i++) env.step(new Float32Array([0, 0]));
    expect(games.map((g) => g[2])).toEqual([0, 0]);
    // The concede term made the learner's reward of the scoring step negative.
    expect(Math.min(...env.rewards)).toBeLessThan(0);
  });
});

describe("car-soccer self-play training", () => {
  it("writes a league checkpoint that reloads to the same actions, logs stage changes and ratings, and resumes the step count", async () => {
    const runtime = await selectBackend({ prefer: ["wasm", "cpu"] });
    const out = await mkdtemp(path.join(tmpdir(), "league-selfplay-"));
    dirs.push(out);
    // Tiny: 4 arenas × 16 steps × 3 iterations; 2-second games so every arena finishes some.
    const config = parseCarSoccerTrainConfig({
      env: "car-soccer-1v1",
      out,
      name: "tiny-selfplay",
      totalSteps: 4 * 16 * 3,
      numEnvs: 4,
      seed: 7,
      checkpointEvery: 2,
      episodeSeconds: 2,
      ppo: { numSteps: 16, hidden: [16], numMinibatches: 2, updateEpochs: 1 },
      selfplay: {
        latestShare: 0,
        snapshotEvery: 1,
        maxSnapshots: 2,
        scripted: ["ball-chaser", "idle"],
        window: 50,
      },
      curriculum: [
        { name: "kickoff", stateSetter: { kickoff: 1 }, advanceWhen: { winRate: 0, games: 2 } },
        { name: "mixed", stateSetter: { kickoff: 1, "ball-in-air": 1 } },
      ],
    });
    const lines: string[] = [];
    const stream = { write: (t: string) => lines.push(t) };
    const result = await trainCarSoccer(runtime, config, { stream });
    expect(result.state.globalStep).toBe(192);

    // Stage change: printed, logged, and the checkpoint's reward spec is the run's.
    expect(result.stageChanges).toHaveLength(1);
    expect(lines.join("")).toMatch(/curriculum: stage 0 "kickoff" → 1 "mixed" at step \d+/);
    const metrics = await MetricsLog.read(result.metricsFile);
    expect(
      metrics.some((m) => (m["curriculum/stage_change"] as { toName?: string })?.toName === "mixed"),
    ).toBe(true);
    const iterations = metrics.filter((m) => typeof m.iteration === "number");
    expect(iterations).toHaveLength(3);
    const lastMetrics = iterations.at(-1)!;
    expect(lastMetrics["curriculum/stage"]).toBe(1);
    expect(lastMetrics["charts/pool_games"]).toBeGreaterThan(0);
    expect(typeof lastMetrics["charts/win_rate_vs_pool"]).toBe("number");
    expect(lastMetrics["selfplay/pool_size"]).toBe(4); // two bots, two snapshots (the oldest evicted)
    expect(Object.keys(lastMetrics["selfplay/ratings"] as object)).toContain("bot:ball-chaser");
    expect(lastMetrics["losses/value_loss"]).toEqual(expect.any(Number));
    for (const chart of result.charts) expect(await readFile(chart, "utf8")).toMatch(/^<svg/);
    expect(existsSync(path.join(out, "pool", "snapshot-64"))).toBe(false);
    expect(existsSync(path.join(out, "pool", "snapshot-192", "agent.json"))).toBe(true);

    // The checkpoint is in the league's format and plays the same after reload.
    const loaded = await loadPolicy(runtime, result.checkpoint);
    expect(loaded.manifest).toMatchObject({
      kind: "model",
      env: "car-soccer-1v1",
      observationBuilder: "default",
      actionParser: "lookup",
      tickSkip: 8,
      training: { globalStep: 192, backend: runtime.backend, rewardSpec: DEFAULT_CAR_SOCCER_REWARD },
    });
    // The training trend rides in the checkpoint (the league's reward-hacking check reads it): one
    // point per iteration that finished episodes, at that iteration's step.
    const trend = loaded.manifest.training.trend ?? [];
    expect(trend.length).toBeGreaterThan(0);
    const iterationSteps = iterations.map((m) => m.global_step);
    for (const p of trend) {
      expect(iterationSteps).toContain(p.step);
      expect(Number.isFinite(p.shaped)).toBe(true);
      expect(p.outcome).toBeGreaterThanOrEqual(0);
      expect(p.outcome).toBeLessThanOrEqual(1);
    }
    const io = describePolicyIO("car-soccer-1v1", "default", "lookup");
    expect(loaded.manifest.observationSize).toBe(io.observationSize);
    expect(loaded.manifest.actionCount).toBe(io.actionCount);
    const rows = 40;
    const observations = Float32Array.from({ length: rows * io.observationSize }, (_, i) =>
      Math.sin(i * 0.37),
    );
    expect(Array.from(act(runtime, loaded, observations, rows))).toEqual(
      Array.from(act(runtime, result.state, observations, rows)),
    );

    // Resume: the step count, the pool and the stage carry on, to the run's new total.
    const more = await trainCarSoccer(runtime, { ...config, totalSteps: 256 }, { resume: true, stream });
    expect(more.state.globalStep).toBe(256);
    expect(more.pool.get("snapshot-192")).toBeDefined();
    // The game count is restored, not restarted (a 16-step resume may finish no new game).
    expect(result.pool.pastGames).toBeGreaterThan(0);
    expect(more.pool.pastGames).toBeGreaterThanOrEqual(result.pool.pastGames);
    const resumed = (await MetricsLog.read(result.metricsFile)).filter(
      (m) => typeof m.iteration === "number",
    );
    expect(resumed.at(-1)).toMatchObject({ global_step: 256, "curriculum/stage": 1 });
    // The trend carries on from the saved one rather than restarting.
    const resumedTrend = (await loadPolicy(runtime, more.checkpoint)).manifest.training.trend ?? [];
    expect(resumedTrend.slice(0, trend.length)).toEqual(trend);
  });

  it("evaluates against a bot every N iterations and keeps the best weights, which replay their games", async () => {
    const runtime = await selectBackend({ prefer: ["wasm", "cpu"] });
    const out = await mkdtemp(path.join(tmpdir(), "league-selfplay-eval-"));
    dirs.push(out);
    const config = parseCarSoccerTrainConfig({
      env: "car-soccer-1v1",
      out,
      name: "tiny-eval",
      totalSteps: 4 * 16 * 4,
      numEnvs: 4,
      seed: 11,
      episodeSeconds: 2,
      ppo: { numSteps: 16, hidden: [16], numMinibatches: 2, updateEpochs: 1, learningRate: 0.01 },
      selfplay: { latestShare: 0.5, scripted: ["ball-chaser"] },
      // League rules (the default), in 30-second games to keep the test short.
      evaluation: { every: 2, games: 6, bot: "ball-chaser", seed: 500, seconds: 30 },
    });
    const lines: string[] = [];
    const result = await trainCarSoccer(runtime, config, { stream: { write: (t: string) => lines.push(t) } });
    const evals = (await MetricsLog.read(result.metricsFile)).filter(
      (m) => typeof m["eval/win_rate_vs_ball-chaser"] === "number",
    );
    // Iterations 2 and 4 (the last, so no extra final evaluation).
    expect(evals.map((m) => m.global_step)).toEqual([128, 256]);
    const rates = evals.map((m) => m["eval/win_rate_vs_ball-chaser"] as number);
    expect(result.best).not.toBeNull();
    const best = result.best!;
    expect(best.result.winRate).toBe(Math.max(...rates));
    expect(evals.at(-1)!["eval/best_win_rate"]).toBe(best.result.winRate);
    expect(evals.at(-1)!["eval/best_global_step"]).toBe(best.globalStep);
    expect(lines.join("")).toMatch(/eval vs ball-chaser/);

    // The best checkpoint is a league checkpoint of that step, with its evaluation beside it,
    // and plays exactly the recorded games again on the same seeds.
    const saved = JSON.parse(await readFile(path.join(best.checkpoint, "evaluation.json"), "utf8")) as {
      globalStep: number;
      result: VsBotResult;
    };
    expect(saved.globalStep).toBe(best.globalStep);
    const loaded = await loadPolicy(runtime, best.checkpoint);
    expect(loaded.manifest.training.globalStep).toBe(best.globalStep);
    const replay = evaluateVsBot(runtime, loaded, {
      env: "car-soccer-1v1",
      obsBuilder: new DefaultObs(),
      tickSkip: 8,
      bot: "ball-chaser",
      games: 6,
      seed: 500,
      seconds: 30,
      stateSetter: makeStateSetter({ "kickoff-jitter": 1 }),
    });
    expect(replay).toEqual(saved.result);

    // Resuming keeps the best so far: a later evaluation must beat it to replace it.
    const more = await trainCarSoccer(
      runtime,
      { ...config, totalSteps: 384 },
      { resume: true, stream: { write: () => true } },
    );
    expect(more.best!.result.winRate).toBeGreaterThanOrEqual(best.result.winRate);
    const after = (await MetricsLog.read(result.metricsFile)).filter(
      (m) => typeof m["eval/win_rate_vs_ball-chaser"] === "number",
    );
    // Iterations count over the run: the sixth (step 384) evaluates, and is also the last.
    expect(after.map((m) => m.global_step)).toEqual([128, 256, 384]);
    const top = Math.max(...after.map((m) => m["eval/win_rate_vs_ball-chaser"] as number));
    expect(more.best!.result.winRate).toBe(top);
  });

  it("stops at the end of the iteration that exhausts its time budget, with a checkpoint", async () => {
    const runtime = await selectBackend({ prefer: ["wasm", "cpu"] });
    const out = await mkdtemp(path.join(tmpdir(), "league-selfplay-budget-"));
    dirs.push(out);
    const config = parseCarSoccerTrainConfig({
      env: "car-soccer-1v1",
      out,
      totalSteps: 4 * 16 * 50,
      numEnvs: 4,
      // Any iteration takes longer than a microsecond: the first one ends the run.
      maxSeconds: 1e-6,
      ppo: { numSteps: 16, hidden: [16], numMinibatches: 2, updateEpochs: 1 },
    });
    const lines: string[] = [];
    const result = await trainCarSoccer(runtime, config, { stream: { write: (t: string) => lines.push(t) } });
    expect(result.state.globalStep).toBe(64);
    expect(lines.join("")).toMatch(/time budget of 0\.000001 s reached at step 64/);
    expect((await loadPolicy(runtime, result.checkpoint)).manifest.training.globalStep).toBe(64);
    expect(() => parseCarSoccerTrainConfig({ ...config, maxSeconds: -1 })).toThrow(/maxSeconds/);
  });
});
