#!/usr/bin/env node
// bench/learn-car-soccer: trains a 1v1 car-soccer agent from scratch by curriculum self-play for a
// fixed step budget, then plays it (greedy, as the league does) against the scripted ball-chaser
// over seeded games with league rules (first goal or 300 s; sides alternating). Reports training
// steps/s per tfjs backend present and the win rate. The target: >= 60% within 30 CPU minutes.
// Progress goes to stderr; the last line of stdout is one JSON object. Needs the built packages.
// Options: --steps N (default 2500000), --games N (default 100), --envs N (default 32),
//          --seed S (default 1), --out DIR (default a temporary folder), --backends (also time cpu),
//          --lr (Adam step, default 0.002), --ent (entropy bonus, default 0.001),
//          --checkpoint DIR (skip training: only play that checkpoint's games).
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  DEFAULT_CAR_SOCCER_REWARD,
  evaluateVsBot,
  loadPolicy,
  loadTf,
  parseCarSoccerTrainConfig,
  selectBackend,
  trainCarSoccer,
} from "@league/agents";
import { carSoccerParts } from "@league/envs";

const { values } = parseArgs({
  options: {
    steps: { type: "string", default: "2500000" },
    games: { type: "string", default: "100" },
    envs: { type: "string", default: "32" },
    seed: { type: "string", default: "1" },
    out: { type: "string" },
    backends: { type: "boolean", default: false },
    checkpoint: { type: "string" },
    lr: { type: "string", default: "0.002" },
    ent: { type: "string", default: "0.001" },
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
const games = int("games");
const numEnvs = int("envs");
const seed = Number(values.seed);
const learningRate = Number(values.lr);
const entCoef = Number(values.ent);
if (!(learningRate > 0) || !(entCoef >= 0)) {
  console.error(`--lr must be > 0 and --ent >= 0, got ${values.lr} and ${values.ent}`);
  process.exit(2);
}
const out = values.out ?? (await mkdtemp(path.join(os.tmpdir(), "learn-car-soccer-")));
const log = (m) => process.stderr.write(`${m}\n`);

// Curriculum: mostly kickoffs (league games start there and the ball-chaser decides most of them
// within seconds) with some varied states, then kickoffs only. The ball-chaser stays in the pool
// throughout so PFSP keeps it in sight.
const config = (totalSteps, dir, backendSeed = seed) =>
  parseCarSoccerTrainConfig({
    env: "car-soccer-1v1",
    out: dir,
    name: "learn-car-soccer",
    totalSteps,
    numEnvs,
    seed: backendSeed,
    checkpointEvery: 20,
    episodeSeconds: 30,
    noTouchSeconds: 10,
    reward: DEFAULT_CAR_SOCCER_REWARD,
    ppo: {
      numSteps: 128,
      hidden: [64, 64],
      learningRate,
      entCoef,
      numMinibatches: 4,
      updateEpochs: 4,
    },
    selfplay: {
      latestShare: 0.4,
      weighting: "hard",
      power: 2,
      snapshotEvery: 10,
      maxSnapshots: 6,
      scripted: ["ball-chaser"],
      window: 200,
    },
    curriculum: [
      {
        name: "kickoffs and varied states",
        stateSetter: { kickoff: 3, random: 1 },
        advanceWhen: { winRate: 0.55, games: 200, opponent: "bot:ball-chaser" },
      },
      { name: "kickoff game", stateSetter: { kickoff: 1 } },
    ],
  });

const runtime = await loadTf();
// --checkpoint DIR: no training, only the games of an existing checkpoint against the ball-chaser.
if (values.checkpoint) {
  const { actor, observationStats, manifest } = await loadPolicy(runtime, values.checkpoint);
  const vs = evaluateVsBot(
    runtime,
    { actor, observationStats },
    {
      env: manifest.env,
      obsBuilder: carSoccerParts(manifest.observationBuilder, manifest.actionParser).obsBuilder,
      tickSkip: manifest.tickSkip,
      bot: "ball-chaser",
      games,
      seed: 1_000_000 + seed,
    },
  );
  console.log(
    JSON.stringify({
      benchmark: "learn-car-soccer",
      checkpoint: values.checkpoint,
      globalStep: manifest.training.globalStep,
      vsBallChaser: vs,
      machine: { cpus: os.cpus().length, node: process.version, backend: runtime.backend },
      parameters: { games, seed },
    }),
  );
  process.exit(0);
}
log(`tfjs backend: ${runtime.backend}; training ${steps} steps into ${out}`);
const started = performance.now();
const result = await trainCarSoccer(runtime, config(steps, path.join(out, "run")));
const trainSeconds = (performance.now() - started) / 1000;
const cpuSeconds = process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6;

log(`playing ${games} games against the ball-chaser…`);
const { obsBuilder } = carSoccerParts("default", "lookup");
const evalStarted = performance.now();
const vs = evaluateVsBot(runtime, result.state, {
  env: "car-soccer-1v1",
  obsBuilder,
  tickSkip: 8,
  bot: "ball-chaser",
  games,
  seed: 1_000_000 + seed,
});
const evalSeconds = (performance.now() - evalStarted) / 1000;

// Training steps/s of the other backends present, side by side on a short run.
const backendSps = { [runtime.backend]: Math.round(steps / trainSeconds) };
if (values.backends) {
  for (const name of ["wasm", "cpu"]) {
    if (name === runtime.backend) continue;
    const other = await selectBackend({ prefer: [name] }).catch(() => null);
    if (!other) continue;
    const short = numEnvs * 128 * 2;
    const t = performance.now();
    await trainCarSoccer(other, config(short, path.join(out, `sps-${name}`)), {
      stream: { write: () => true },
    });
    backendSps[name] = Math.round(short / ((performance.now() - t) / 1000));
  }
}

const stages = result.stageChanges.map((c) => ({ to: c.toName, atStep: c.globalStep, winRate: c.winRate }));
console.log(
  JSON.stringify({
    benchmark: "learn-car-soccer",
    vsBallChaser: vs,
    trainingStepsPerSecond: backendSps,
    trainSeconds: Number(trainSeconds.toFixed(1)),
    processCpuSeconds: Number(cpuSeconds.toFixed(1)),
    evalSeconds: Number(evalSeconds.toFixed(1)),
    globalStep: result.state.globalStep,
    stageChanges: stages,
    finalLearnerRating: result.pool.ratings().learner,
    checkpoint: result.checkpoint,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      node: process.version,
      backend: runtime.backend,
    },
    parameters: {
      steps,
      games,
      numEnvs,
      seed,
      learningRate,
      entCoef,
      teamSize: 1,
      tickSkip: 8,
      observationBuilder: "default",
      actionParser: "lookup",
    },
  }),
);
