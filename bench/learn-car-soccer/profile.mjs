// learn-car-soccer --profile: where a self-play training iteration spends its time, and the
// trainer's steps/s. Two measurements, one JSON object:
// 1. a vectorised env step (the self-play arenas, scripted actions for both teams, a compiled
//    reward spec): arena-steps per CPU-second with that reward and with a zero reward (CPU time,
//    not wall time: the machine may be shared), alternated in rounds, medians; the reward's share
//    is 1 − t(zero) / t(reward);
// 2. a short training run under `node --cpu-prof`: every sample is put in one bucket by its
//    stack — learner inference, opponent inference, scripted bots, physics, reward, observation
//    building, the PPO update (gradients and Adam) — and the run's own steps/s is reported.
// Options (beside learn-car-soccer's): --profile-steps N (training steps under the profiler,
// default 98304), --profile-env-steps N (arena-steps per round of the env measurement, default
// 200000), --profile-rounds N (default 3).
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { Session } from "node:inspector";
import os from "node:os";
import path from "node:path";
import { compileReward, createCarSoccerBot, DEFAULT_CAR_SOCCER_REWARD } from "@league/agents";
import { CarSoccerVecEnv, carSoccerParts, getEnvSpec, zeroReward } from "@league/envs";

/** CPU seconds this process has used: on a machine shared with other work, wall time measures the others too. */
export const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

/**
 * Arena-steps per CPU-second of `numEnvs` arenas of `env` with `reward`, both teams driven by
 * ball-chasers (everything here runs on this thread, so its CPU time is the work's).
 */
function envStepsPerSecond({ env, numEnvs, reward, steps }) {
  const spec = getEnvSpec(env);
  const { obsBuilder, actionParser } = carSoccerParts("default", "continuous");
  const vec = new CarSoccerVecEnv(numEnvs, { spec, obsBuilder, actionParser, reward });
  const cars = spec.numAgents;
  const bots = Array.from({ length: numEnvs * cars }, (_, i) => createCarSoccerBot("ball-chaser", i));
  const actions = new Float32Array(numEnvs * cars * 8);
  const scratch = new Float32Array(8);
  vec.reset(1);
  const iterations = Math.max(1, Math.round(steps / numEnvs));
  const started = cpuSeconds();
  for (let i = 0; i < iterations; i++) {
    for (let e = 0; e < numEnvs; e++)
      for (let c = 0; c < cars; c++) {
        bots[e * cars + c].act(vec.state, e, c, scratch);
        actions.set(scratch, (e * cars + c) * 8);
      }
    vec.step(actions);
  }
  return (iterations * numEnvs) / (cpuSeconds() - started);
}

/**
 * Runs `work` under V8's sampling profiler (in this process) and returns the share of its samples
 * whose stack passes through a file whose URL contains `marker`: time inside that code, callees
 * included. Unlike a with/without ratio it needs no second run, so machine load cannot skew it.
 */
export async function sampledShare(work, marker) {
  const session = new Session();
  session.connect();
  const post = (method, params = {}) =>
    new Promise((resolve, reject) =>
      session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
    );
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", { interval: 100 });
  await post("Profiler.start");
  work();
  const { profile } = await post("Profiler.stop");
  session.disconnect();
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const inside = new Map();
  const isInside = (id) => {
    if (inside.has(id)) return inside.get(id);
    let found = false;
    for (let at = id; at !== undefined && !found; at = parent.get(at))
      found = byId.get(at).callFrame.url.includes(marker);
    inside.set(id, found);
    return found;
  };
  let hit = 0;
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const name = byId.get(profile.samples[i]).callFrame.functionName;
    if (name === "(idle)" || name === "(program)") continue;
    busy++;
    if (isInside(profile.samples[i])) hit++;
  }
  return busy > 0 ? hit / busy : 0;
}

/** The reward's share of a vectorised step, measured in alternating rounds. */
export async function rewardShare({ env, numEnvs, spec, steps, rounds }) {
  const withReward = [];
  const without = [];
  // A discarded round first, so the JIT has compiled both paths before anything counts.
  envStepsPerSecond({ env, numEnvs, reward: compileReward(spec).fn, steps: steps / 4 });
  envStepsPerSecond({ env, numEnvs, reward: zeroReward, steps: steps / 4 });
  for (let r = 0; r < rounds; r++) {
    withReward.push(envStepsPerSecond({ env, numEnvs, reward: compileReward(spec).fn, steps }));
    without.push(envStepsPerSecond({ env, numEnvs, reward: zeroReward, steps }));
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const a = median(withReward);
  const b = median(without);
  return {
    env,
    numEnvs,
    arenaStepsPerCpuSecond: Math.round(a),
    arenaStepsPerCpuSecondZeroReward: Math.round(b),
    rewardShare: Number((1 - a / b).toFixed(3)),
    rewardShareSampled: Number(
      (
        await sampledShare(
          () => envStepsPerSecond({ env, numEnvs, reward: compileReward(spec).fn, steps }),
          "/rewards/",
        )
      ).toFixed(3),
    ),
    rounds: withReward.map((x, i) => ({ reward: Math.round(x), zero: Math.round(without[i]) })),
  };
}

// Buckets by the innermost frame that names one: the first match walking up from the sample.
const BUCKETS = [
  ["opponent inference", (f) => f.functionName === "actOpponents", "inferenceAncestor"],
  ["scripted bots", (f) => f.url.includes("/scripted/")],
  ["reward", (f) => f.url.includes("/rewards/")],
  ["observation building", (f) => f.url.includes("/car-soccer/obs.")],
  ["physics", (f) => f.url.includes("/car-soccer/physics.") || f.url.includes("/car-soccer/engine.")],
  ["learner inference", (f) => f.functionName === "predictRows"],
  ["ppo update", (f) => ["variableGrads", "applyGradients", "computeGae"].includes(f.functionName)],
  ["evaluation", (f) => f.functionName === "evaluateVsBot"],
  ["checkpoints and logs", (f) => ["saveCheckpoint", "writeCharts", "append"].includes(f.functionName)],
  ["garbage collection", (f) => f.functionName === "(garbage collector)"],
  ["idle", (f) => f.functionName === "(idle)" || f.functionName === "(program)"],
];

/** Seconds of samples per bucket of a .cpuprofile (see BUCKETS); the rest is "other". */
export function bucketProfile(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const bucketOf = new Map();
  const classify = (id) => {
    if (bucketOf.has(id)) return bucketOf.get(id);
    const chain = [];
    let inference = false;
    for (let at = id; at !== undefined; at = parent.get(at)) chain.push(byId.get(at).callFrame);
    // Opponent inference: predictRows under actOpponents; otherwise the innermost bucket.
    for (const f of chain) if (f.functionName === "predictRows") inference = true;
    let found = "other";
    for (const f of chain) {
      const hit = BUCKETS.find(([, match]) => match(f));
      if (!hit) continue;
      if (hit[0] === "opponent inference" && !inference) continue;
      if (hit[0] === "learner inference" && chain.some((g) => g.functionName === "actOpponents")) {
        found = "opponent inference";
        break;
      }
      found = hit[0];
      break;
    }
    bucketOf.set(id, found);
    return found;
  };
  const seconds = {};
  for (let i = 0; i < profile.samples.length; i++) {
    const b = classify(profile.samples[i]);
    seconds[b] = (seconds[b] ?? 0) + (profile.timeDeltas[i] ?? 0) / 1e6;
  }
  return seconds;
}

/** Runs learn-car-soccer's training under the CPU profiler and buckets where the time went. */
export async function profileTraining({ script, passOn, steps, log }) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "learn-car-soccer-profile-"));
  const args = [
    "--cpu-prof",
    `--cpu-prof-dir=${dir}`,
    "--cpu-prof-interval=2000",
    script,
    ...passOn,
    "--steps",
    String(steps),
    "--eval-every",
    "0",
    "--games",
    "2",
    "--out",
    path.join(dir, "run"),
  ];
  const stdout = await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    child.stdout.on("data", (d) => {
      text += d;
    });
    child.stderr.on("data", (d) => log(`[profiled] ${String(d).trimEnd()}`));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(text) : reject(new Error(`profiled run exited with ${code}`)),
    );
  });
  const run = JSON.parse(stdout.trim().split("\n").at(-1));
  const file = (await readdir(dir)).find((f) => f.endsWith(".cpuprofile"));
  const seconds = bucketProfile(JSON.parse(await readFile(path.join(dir, file), "utf8")));
  const busy = Object.entries(seconds)
    .filter(([k]) => k !== "idle")
    .reduce((a, [, v]) => a + v, 0);
  const shares = Object.fromEntries(
    Object.entries(seconds)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => [k, Number((v / busy).toFixed(3))]),
  );
  return {
    trainingStepsPerSecond: run.trainingStepsPerSecond,
    // The profiled process's CPU time covers loading and the few test games too: an upper bound per step.
    trainingStepsPerCpuSecond: Math.round(run.globalStep / run.processCpuSeconds),
    globalStep: run.globalStep,
    trainSeconds: run.trainSeconds,
    profiledSeconds: Number(busy.toFixed(1)),
    shareOfBusyTime: shares,
    profile: path.join(dir, file),
  };
}

export const DEFAULT_PROFILE_REWARD = DEFAULT_CAR_SOCCER_REWARD;
