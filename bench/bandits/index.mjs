#!/usr/bin/env node
// Bandit and recommender benchmark: environment steps per second (single instance through the
// ParallelEnv API, and 4,096 vectorised instances) and the regret table (agent × environment, mean
// and standard error over seeds, duplicate play) that the web shows. Progress goes to stderr; the
// last line of stdout is one JSON object. Needs the built packages: npm run build -w envs -w agents.
// Options: --seeds N (default 20), --num-envs N (default 4096), --seconds S per throughput figure (default 1).
import os from "node:os";
import { baselinesFor, playDuplicate } from "@league/agents";
import {
  BANDIT_CONFIGS,
  makeDuplicateEnv,
  makeDuplicateVectorEnv,
  PLAYER,
  RECSIM_CONFIGS,
  Rng,
} from "@league/envs";

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!(value > 0)) {
    console.error(`--${name} must be a positive number, got ${process.argv[i + 1]}`);
    process.exit(2);
  }
  return value;
}

const numSeeds = Math.floor(option("seeds", 20));
const numEnvs = Math.floor(option("num-envs", 4096));
const seconds = option("seconds", 1);
const envIds = [...Object.keys(BANDIT_CONFIGS), ...Object.keys(RECSIM_CONFIGS)];
const seeds = Array.from({ length: numSeeds }, (_, i) => 1000 + i);

/** Random legal actions, precomputed so that the timing is the environment's alone. */
function randomActions(env, count, rng) {
  const space = env.actionSpace ?? { kind: "discrete", n: env.config.numArms };
  const k = space.kind === "discrete" ? 1 : space.nvec.length;
  const n = space.kind === "discrete" ? space.n : space.nvec[0];
  const out = new Float32Array(count * k);
  for (let c = 0; c < count; c++) {
    for (let j = 0; j < k; j++) {
      let item;
      do item = rng.int(n);
      while (out.subarray(c * k, c * k + j).includes(item));
      out[c * k + j] = item;
    }
  }
  return { out, k };
}

const throughput = [];
for (const id of envIds) {
  const rng = new Rng(1);
  const single = makeDuplicateEnv(id);
  const { out: actions, k } = randomActions(single, 1024, rng);
  single.reset(1);
  let steps = 0;
  let start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    for (let i = 0; i < 256; i++) {
      const c = (steps + i) & 1023;
      const r = single.step({ [PLAYER]: actions.subarray(c * k, c * k + k) });
      if (r.terminations[PLAYER]) single.reset(steps + i);
    }
    steps += 256;
  }
  const singleRate = steps / ((performance.now() - start) / 1000);

  const vec = makeDuplicateVectorEnv(id, numEnvs);
  const { out: vecActions } = randomActions(single, numEnvs, rng);
  vec.reset(1);
  vec.step(vecActions); // warm-up
  let vecSteps = 0;
  start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    vec.step(vecActions);
    vecSteps++;
  }
  const vecRate = (vecSteps * numEnvs) / ((performance.now() - start) / 1000);
  throughput.push({
    env: id,
    singleStepsPerSec: Math.round(singleRate),
    vectorStepsPerSec: Math.round(vecRate),
    numEnvs,
  });
  console.error(
    `${id}: ${Math.round(singleRate).toLocaleString()} steps/s single, ${Math.round(vecRate).toLocaleString()} steps/s × ${numEnvs} vectorised`,
  );
}

const round = (x, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
const regret = [];
for (const id of envIds) {
  const start = performance.now();
  const agents = baselinesFor(makeDuplicateEnv(id));
  const result = playDuplicate({ env: id, policies: agents, seeds });
  const oracle = result.entries[0].oracleReturns;
  regret.push({
    env: id,
    horizon: makeDuplicateEnv(id).spec.maxEpisodeSteps,
    rows: result.entries.map((e) => ({
      agent: e.name,
      meanRegret: round(e.meanRegret),
      stdErrRegret: round(e.stdErrRegret),
      meanReturn: round(e.meanReturn),
      stdErrReturn: round(e.stdErrReturn),
      meanOracleReturn: round(e.oracleReturns.reduce((a, b) => a + b, 0) / e.oracleReturns.length),
      rank: e.rank,
    })),
  });
  const best = result.entries.find((e) => e.rank === 1);
  console.error(
    `${id}: ${agents.length} agents × ${numSeeds} seeds in ${Math.round(performance.now() - start)} ms; best ${best.name} (regret ${round(best.meanRegret)}; oracle return ${round(oracle[0])} on seed ${seeds[0]})`,
  );
}

const cpus = os.cpus();
console.log(
  JSON.stringify({
    benchmark: "bandits",
    machine: {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model ?? "unknown",
      node: process.version,
      platform: `${os.platform()}-${os.arch()}`,
    },
    parameters: {
      seeds: numSeeds,
      firstSeed: seeds[0],
      numEnvs,
      secondsPerFigure: seconds,
      rankBy: "return",
    },
    throughput,
    regret,
  }),
);
