// bench/rewards: evaluations per second of the default KRC reward over 1024 vectorised arenas,
// and its share of an environment step (measured side by side with a zero reward).
// Progress goes to stderr; the last line of stdout is one JSON object.
import os from "node:os";
import { parseArgs } from "node:util";
import { compileReward, DEFAULT_CAR_SOCCER_REWARD } from "@league/agents";
import { CarSoccerVecEnv, ContinuousAction } from "@league/envs";

const { values } = parseArgs({
  options: { arenas: { type: "string", default: "1024" }, steps: { type: "string", default: "60" } },
});
const numEnvs = Number(values.arenas);
const steps = Number(values.steps);
const log = (m) => process.stderr.write(`${m}\n`);

function timeSteps(reward) {
  const env = new CarSoccerVecEnv(numEnvs, { teamSize: 1, actionParser: new ContinuousAction(), reward });
  env.reset(1);
  const actions = new Float32Array(env.numEnvs * env.numAgents * env.actionSize);
  for (let i = 0; i < actions.length; i++) actions[i] = i % 8 === 0 ? 1 : 0; // throttle
  env.step(actions); // warm up
  const start = performance.now();
  for (let s = 0; s < steps; s++) env.step(actions);
  return { seconds: (performance.now() - start) / 1000, env };
}

const zero = timeSteps(() => 0);
log(`zero reward: ${(steps / zero.seconds).toFixed(1)} vectorised steps/s`);
const compiled = compileReward(DEFAULT_CAR_SOCCER_REWARD);
const krc = timeSteps(compiled.fn);
log(`default KRC reward: ${(steps / krc.seconds).toFixed(1)} vectorised steps/s`);

// The reward alone, on the same state: every car of every arena, many times.
const { env } = krc;
const st = env.engine.state;
const prev = env.engine.prev;
const rounds = 20;
const start = performance.now();
let checksum = 0;
for (let r = 0; r < rounds; r++)
  for (let a = 0; a < numEnvs; a++)
    for (let c = 0; c < st.numCars; c++) checksum += compiled.fn(st, prev, c, a);
const rewardSeconds = (performance.now() - start) / 1000;
const evaluations = rounds * numEnvs * st.numCars;
const perStepRewardSeconds = rewardSeconds / rounds;
const perStepSeconds = krc.seconds / steps;

console.log(
  JSON.stringify({
    benchmark: "rewards",
    rewardEvaluationsPerSecond: Math.round(evaluations / rewardSeconds),
    vectorisedStepsPerSecond: {
      zeroReward: Number((steps / zero.seconds).toFixed(2)),
      defaultKrcReward: Number((steps / krc.seconds).toFixed(2)),
    },
    rewardShareOfStep: Number((perStepRewardSeconds / perStepSeconds).toFixed(3)),
    checksumFinite: Number.isFinite(checksum),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
    parameters: {
      arenas: numEnvs,
      steps,
      teamSize: 1,
      tickSkip: 8,
      reward: "DEFAULT_CAR_SOCCER_REWARD (team spirit 0.3: every car's reward is computed for each car)",
    },
  }),
);
