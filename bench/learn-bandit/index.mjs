#!/usr/bin/env node
// bench/learn-bandit: a meta-learned PPO bandit policy (acting on its own history summary: per-arm
// posterior mean and uncertainty, elapsed fraction) trained over random 10-armed Bernoulli
// instances, then played by duplicate play against UCB1 and Thompson sampling on held-out
// instances (seeds never seen in training). Reports mean regret ± standard error per player.
// Progress goes to stderr; the last line of stdout is one JSON object. Needs the built packages.
// Options: --steps N (default 1500000), --envs N (default 64), --seeds N held-out (default 200), --seed S.
import os from "node:os";
import { parseArgs } from "node:util";
import {
  BanditHistoryEnv,
  BanditHistoryPolicy,
  loadTf,
  ProgressLine,
  playDuplicate,
  trainPpo,
} from "@league/agents";
import { makeDuplicateVectorEnv } from "@league/envs";

const { values } = parseArgs({
  options: {
    steps: { type: "string", default: "1500000" },
    envs: { type: "string", default: "64" },
    seeds: { type: "string", default: "200" },
    seed: { type: "string", default: "1" },
  },
});
const int = (name) => {
  const v = Number(values[name]);
  if (!(Number.isInteger(v) && v > 0)) {
    console.error(`--${name} must be a positive integer, got ${values[name]}`);
    process.exit(2);
  }
  return v;
};
const steps = int("steps");
const numEnvs = int("envs");
const numSeeds = int("seeds");
const seed = int("seed");
const ENV = "bandit-bernoulli-10";
const HORIZON = 1000;

const runtime = await loadTf();
process.stderr.write(`tfjs backend: ${runtime.backend}; training ${steps} steps over ${numEnvs} instances\n`);
const env = new BanditHistoryEnv(makeDuplicateVectorEnv(ENV, numEnvs), HORIZON);
const ppo = {
  seed,
  totalSteps: steps,
  numSteps: 256,
  hidden: [64, 64],
  learningRate: 1e-3,
  entCoef: 0.003,
  gamma: 0.995,
  numMinibatches: 8,
  updateEpochs: 4,
};
const progress = new ProgressLine({ label: "train bandit", total: steps, unit: "steps" });
const started = performance.now();
let lastReturn = null;
const state = await trainPpo(runtime, env, ppo, {
  actionCount: env.actionCount,
  onIteration: (m) => {
    if (m["charts/episodic_return"] !== null) lastReturn = m["charts/episodic_return"];
    progress.update(m.global_step, {
      "episode -regret": lastReturn === null ? null : Number(lastReturn.toFixed(1)),
    });
  },
});
const trainSeconds = (performance.now() - started) / 1000;
progress.finish(state.globalStep, { "episode -regret": lastReturn });

// Held-out instances: seeds far from the training run's streams.
const seeds = Array.from({ length: numSeeds }, (_, i) => 1_000_000 + seed * 10_000 + i);
// Sampled: arms drawn from the policy as in training (where its exploration lives); greedy: argmax.
const sampled = new BanditHistoryPolicy(
  runtime,
  state.actor,
  state.observationStats,
  env.actionCount,
  HORIZON,
  "ppo-history (sampled)",
  true,
);
const greedy = new BanditHistoryPolicy(
  runtime,
  state.actor,
  state.observationStats,
  env.actionCount,
  HORIZON,
  "ppo-history (greedy)",
);
const evalStarted = performance.now();
const result = playDuplicate({
  env: ENV,
  policies: [sampled, greedy, "ucb1", "thompson-bernoulli"],
  seeds,
  rankBy: "regret",
});
const evalSeconds = (performance.now() - evalStarted) / 1000;
const regret = Object.fromEntries(
  result.entries.map((e) => [
    e.name,
    { meanRegret: Number(e.meanRegret.toFixed(2)), stdErr: Number(e.stdErrRegret.toFixed(2)), rank: e.rank },
  ]),
);

console.log(
  JSON.stringify({
    benchmark: "learn-bandit",
    env: ENV,
    heldOutRegret: regret,
    trainingStepsPerSecond: Math.round(state.globalStep / trainSeconds),
    trainSeconds: Number(trainSeconds.toFixed(1)),
    evalSeconds: Number(evalSeconds.toFixed(1)),
    finalTrainingEpisodeRegret: lastReturn === null ? null : Number((-lastReturn).toFixed(2)),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      node: process.version,
      backend: runtime.backend,
    },
    parameters: {
      steps,
      numEnvs,
      heldOutSeeds: numSeeds,
      horizon: HORIZON,
      policy: "MLP 64-64 on per-arm posterior mean, 1/sqrt(pulls+1) and t/horizon",
      ppo,
    },
  }),
);
