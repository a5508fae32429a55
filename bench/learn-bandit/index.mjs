#!/usr/bin/env node
// bench/learn-bandit: a meta-learned PPO bandit policy (acting on its own history summary: per-arm
// posterior mean and uncertainty, elapsed fraction) trained over random 10-armed Bernoulli
// instances, then played by duplicate play against UCB1 and Thompson sampling on held-out
// instances (seeds never seen in training). Reports mean regret ± standard error per player.
// Saves the trained policy as a league checkpoint (agent.json with observationBuilder "history",
// model.json, weights.bin; the format of agents/src/ppo/checkpoint.ts) in <out>/checkpoint, with
// evaluation.json beside its files: the held-out figures and, for the first held-out seed, the arms
// both the sampled and the greedy policy pulled (tests replay them through the league's players).
// Progress goes to stderr; the last line of stdout is one JSON object. Needs the built packages.
// Options: --steps N (default 1500000), --envs N (default 64), --seeds N held-out (default 200),
// --seed S, --out DIR (default $TMPDIR/learn-bandit), --selection sample|argmax (how the saved
// checkpoint chooses its arm in the league: drawn from the policy, as in training, or the most
// likely; default sample).
import { writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  BanditHistoryEnv,
  BanditHistoryPolicy,
  loadTf,
  ProgressLine,
  playDuplicate,
  saveCheckpoint,
  trainPpo,
} from "@league/agents";
import { makeDuplicateEnv, makeDuplicateVectorEnv, PLAYER } from "@league/envs";

const { values } = parseArgs({
  options: {
    steps: { type: "string", default: "1500000" },
    envs: { type: "string", default: "64" },
    seeds: { type: "string", default: "200" },
    seed: { type: "string", default: "1" },
    out: { type: "string", default: path.join(os.tmpdir(), "learn-bandit") },
    selection: { type: "string", default: "sample" },
  },
});
if (values.selection !== "sample" && values.selection !== "argmax") {
  console.error(`--selection must be sample or argmax, got ${values.selection}`);
  process.exit(2);
}
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
const env = new BanditHistoryEnv(makeDuplicateVectorEnv(ENV, numEnvs));
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
  "ppo-history (sampled)",
  true,
);
const greedy = new BanditHistoryPolicy(
  runtime,
  state.actor,
  state.observationStats,
  env.actionCount,
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

// The arms each policy pulls on the first held-out seed, played alone (as `league play` does).
function armsOn(policy, episodeSeed) {
  const single = makeDuplicateEnv(ENV);
  let observation = single.reset(episodeSeed).observations[PLAYER];
  policy.reset(episodeSeed);
  const arms = [];
  let regretSum = 0;
  for (;;) {
    const action = policy.act(observation);
    arms.push(action[0]);
    const step = single.step({ [PLAYER]: action });
    observation = step.observations[PLAYER];
    regretSum += step.infos[PLAYER].regret;
    if (step.terminations[PLAYER] || step.truncations[PLAYER]) return { arms, regret: regretSum };
  }
}
const firstSeed = seeds[0];
const firstEpisode = {
  seed: firstSeed,
  sample: armsOn(sampled, firstSeed),
  argmax: armsOn(greedy, firstSeed),
};

const outDir = path.resolve(values.out);
const checkpointDir = path.join(outDir, "checkpoint");
const selection = values.selection;
await saveCheckpoint(runtime, checkpointDir, state, {
  name: "ppo-history",
  env: ENV,
  observationBuilder: "history",
  actionParser: "discrete",
  tickSkip: 1,
  actionSelection: selection,
});
const shippedName = selection === "sample" ? sampled.name : greedy.name;
await writeFile(
  path.join(checkpointDir, "evaluation.json"),
  `${JSON.stringify(
    {
      env: ENV,
      actionSelection: selection,
      heldOutSeeds: { first: seeds[0], count: seeds.length, rule: "1000000 + seed * 10000 + i" },
      heldOutRegret: regret,
      shippedPolicyRegret: regret[shippedName],
      backend: runtime.backend,
      firstEpisode,
    },
    null,
    2,
  )}\n`,
);
process.stderr.write(
  `checkpoint (actionSelection ${selection}) saved to ${checkpointDir} (league files: agent.json, model.json, weights.bin; evaluation.json)\n`,
);

console.log(
  JSON.stringify({
    benchmark: "learn-bandit",
    env: ENV,
    heldOutRegret: regret,
    checkpoint: checkpointDir,
    checkpointActionSelection: selection,
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
