#!/usr/bin/env node
// Car-soccer throughput: physics ticks per second on one thread (1v1, 2v2, 3v3), and agent-steps
// per second for 1024 vectorised arenas with observation building (tickSkip 8).
// Usage: npm run bench -- car-soccer [--seconds 2] [--envs 1024]   (build first: npm run build -w envs)
// Progress goes to stderr; the last line of stdout is one JSON object.
import os from "node:os";
import { performance } from "node:perf_hooks";
import { A_GOAL, CarSoccerEngine, CarSoccerVecEnv, RandomStateSetter, Rng, tickArena } from "@league/envs";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : fallback;
};
const seconds = option("seconds", 2);
const numEnvs = option("envs", 1024);
const tickSkip = 8;
const log = (msg) => process.stderr.write(`${msg}\n`);

/** Random controls, changed every decision step: throttle/steer/pitch/yaw/roll in [-1,1], buttons 0/1. */
function controlTable(rng, rows, numCars) {
  const t = new Float32Array(rows * numCars * 8);
  for (let i = 0; i < t.length; i++) t[i] = i % 8 < 5 ? rng.uniform(-1, 1) : rng.float() < 0.3 ? 1 : 0;
  return t;
}

function physicsTicksPerSecond(teamSize) {
  // Random states keep cars moving, boosting, jumping and hitting the ball rather than idling.
  const engine = new CarSoccerEngine(1, { teamSize, tickSkip, stateSetter: new RandomStateSetter() });
  const st = engine.state;
  const n = engine.numCars * 8;
  const table = controlTable(new Rng(teamSize), 512, engine.numCars);
  let episode = 0;
  engine.resetArena(0, 1, 0);
  const run = (budgetMs) => {
    let ticks = 0;
    let row = 0;
    const start = performance.now();
    let now = start;
    while (now - start < budgetMs) {
      for (let batch = 0; batch < 64; batch++) {
        const src = (row++ & 511) * n;
        for (let i = 0; i < n; i++) st.controls[i] = table[src + i];
        for (let t = 0; t < tickSkip; t++) tickArena(st, 0);
        ticks += tickSkip;
        if (st.arena[A_GOAL] !== 0 || st.arena[0] >= 120 * 20) engine.resetArena(0, 1, ++episode);
      }
      now = performance.now();
    }
    return { ticks, ms: now - start };
  };
  run(300); // warm-up
  const { ticks, ms } = run(seconds * 1000);
  return Math.round(ticks / (ms / 1000));
}

function vectorAgentStepsPerSecond(teamSize) {
  const vec = new CarSoccerVecEnv(numEnvs, { teamSize, tickSkip });
  vec.reset(1);
  const variants = 8;
  const per = numEnvs * vec.numAgents * vec.actionSize;
  const table = controlTable(new Rng(100 + teamSize), variants * numEnvs, vec.numAgents);
  const views = Array.from({ length: variants }, (_, k) => table.subarray(k * per, (k + 1) * per));
  const run = (budgetMs) => {
    let steps = 0;
    const start = performance.now();
    let now = start;
    while (now - start < budgetMs) {
      vec.step(views[steps % variants]);
      steps++;
      now = performance.now();
    }
    return { steps, ms: now - start };
  };
  run(500);
  const { steps, ms } = run(seconds * 1000);
  return {
    agentStepsPerSecond: Math.round((steps * numEnvs * vec.numAgents) / (ms / 1000)),
    envStepsPerSecond: Math.round((steps * numEnvs) / (ms / 1000)),
    physicsTicksPerSecond: Math.round((steps * numEnvs * tickSkip) / (ms / 1000)),
    observationSize: vec.observationSize,
  };
}

const result = {
  benchmark: "car-soccer",
  physicsTicksPerSecondSingleThread: {},
  vectorised: {},
  reference: { rocketSimV2_1_2v2TicksPerSecond: 114481, cpu: "i5-11400" },
  parameters: {
    seconds,
    numEnvs,
    tickSkip,
    tickRate: 120,
    controls: "random, redrawn every decision step",
    physicsStateSetter: "random",
    vectorStateSetter: "kickoff",
  },
  machine: {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
  },
};

for (const teamSize of [1, 2, 3]) {
  const mode = `${teamSize}v${teamSize}`;
  log(`physics ${mode}: running ${seconds} s on one thread…`);
  result.physicsTicksPerSecondSingleThread[mode] = physicsTicksPerSecond(teamSize);
  log(`  ${result.physicsTicksPerSecondSingleThread[mode].toLocaleString()} ticks/s`);
}
for (const teamSize of [1, 2, 3]) {
  const mode = `${teamSize}v${teamSize}`;
  log(`vectorised ${mode}: ${numEnvs} arenas, default observations, ${seconds} s…`);
  result.vectorised[mode] = vectorAgentStepsPerSecond(teamSize);
  log(`  ${result.vectorised[mode].agentStepsPerSecond.toLocaleString()} agent-steps/s`);
}
console.log(JSON.stringify(result));
