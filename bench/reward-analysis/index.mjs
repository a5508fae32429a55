// bench/reward-analysis: the cost of the reward library's analysis tools, measured in one run.
// - Random network distillation on real car-soccer observations: bonuses and predictor updates
//   per second at a training-sized batch, and how far the bonus of the trained-on batch falls
//   against observations from other games (seen/unseen ratio; lower = novelty is working).
// - analyseCarSoccerReward: environment steps per second while every component of the default
//   reward is recorded, plus its EPIC/STARC distance to goals on those episodes.
// Progress goes to stderr; the last line of stdout is one JSON object.
import os from "node:os";
import { parseArgs } from "node:util";
import {
  analyseCarSoccerReward,
  createCarSoccerBot,
  DEFAULT_CAR_SOCCER_REWARD,
  loadTf,
  NOVELTY_COMPONENT,
  RandomNetworkDistillation,
} from "@league/agents";
import { CarSoccerVecEnv, ContinuousAction } from "@league/envs";

const { values } = parseArgs({
  options: {
    batch: { type: "string", default: "1024" },
    updates: { type: "string", default: "100" },
    episodes: { type: "string", default: "8" },
    seconds: { type: "string", default: "30" },
  },
});
const batch = Number(values.batch);
const updates = Number(values.updates);
const episodes = Number(values.episodes);
const seconds = Number(values.seconds);
for (const [name, n] of Object.entries({ batch, updates, episodes, seconds }))
  if (!(Number.isInteger(n) && n > 0)) {
    console.error(`bench/reward-analysis: --${name} must be a positive integer, got "${values[name]}"`);
    process.exit(2);
  }
const NOVELTY_COEF = 0.05;
const log = (m) => process.stderr.write(`${m}\n`);

/** `batch` observations of car 0 after some steps of seeded, randomly steered play. */
function observations(seed, warmSteps) {
  const env = new CarSoccerVecEnv(batch, { teamSize: 1, actionParser: new ContinuousAction() });
  env.reset(seed);
  const actions = new Float32Array(env.numEnvs * env.numAgents * env.actionSize);
  let s = seed >>> 0;
  for (let t = 0; t < warmSteps; t++) {
    for (let i = 0; i < actions.length; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0; // LCG: reproducible steering per seed
      actions[i] = (s / 2 ** 32) * 2 - 1;
    }
    env.step(actions);
  }
  const size = env.observationSize;
  const out = new Float32Array(batch * size);
  for (let e = 0; e < batch; e++)
    out.set(env.observations.subarray(e * env.numAgents * size, (e * env.numAgents + 1) * size), e * size);
  return { out, size };
}

const runtime = await loadTf();
const seen = observations(1, 20);
const unseen = observations(2, 60);
const rnd = new RandomNetworkDistillation(runtime.tf, { inputSize: seen.size, seed: 1 });
rnd.update(seen.out, batch); // warm up (kernels, statistics)
const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
const before = {
  seen: mean(rnd.rawNovelty(seen.out, batch)),
  unseen: mean(rnd.rawNovelty(unseen.out, batch)),
};

let start = performance.now();
for (let u = 0; u < updates; u++) rnd.update(seen.out, batch);
const updateSeconds = (performance.now() - start) / 1000;
log(`rnd: ${updates} updates of ${batch} in ${updateSeconds.toFixed(2)} s`);

const bonusRounds = Math.max(1, Math.round(updates / 2));
start = performance.now();
for (let r = 0; r < bonusRounds; r++) rnd.novelty(seen.out, batch);
const bonusSeconds = (performance.now() - start) / 1000;
const after = {
  seen: mean(rnd.rawNovelty(seen.out, batch)),
  unseen: mean(rnd.rawNovelty(unseen.out, batch)),
};
rnd.dispose();
log(
  `rnd raw bonus seen ${before.seen.toExponential(2)} → ${after.seen.toExponential(2)}, unseen ${after.unseen.toExponential(2)}`,
);

const driver = (name, seed) => createCarSoccerBot(name, seed);
let steps = 0;
start = performance.now();
const analysis = analyseCarSoccerReward({
  envId: "car-soccer-1v1",
  spec: DEFAULT_CAR_SOCCER_REWARD,
  blue: driver("ball-chaser", 1),
  orange: driver("defender", 2),
  episodes,
  maxSeconds: seconds,
  seed: 1,
  onEpisode: (_episode, n) => {
    steps += n;
  },
});
const analysisSeconds = (performance.now() - start) / 1000;
log(`analysis: ${steps} steps in ${analysisSeconds.toFixed(2)} s`);

// The same episodes again with the RND bonus as a component (league reward analyse --novelty):
// its cost beside the plain analysis, and its share of the reward.
const noveltyRnd = new RandomNetworkDistillation(runtime.tf, { inputSize: seen.size, seed: 1 });
start = performance.now();
const withNovelty = analyseCarSoccerReward({
  envId: "car-soccer-1v1",
  spec: DEFAULT_CAR_SOCCER_REWARD,
  blue: driver("ball-chaser", 1),
  orange: driver("defender", 2),
  episodes,
  maxSeconds: seconds,
  seed: 1,
  novelty: { rnd: noveltyRnd, coef: NOVELTY_COEF },
});
const noveltySeconds = (performance.now() - start) / 1000;
noveltyRnd.dispose();
const noveltyPart = withNovelty.statistics.components.find((c) => c.name === NOVELTY_COMPONENT);
log(`analysis with novelty: ${withNovelty.statistics.steps} steps in ${noveltySeconds.toFixed(2)} s`);

const round = (x, d = 3) => Number(x.toFixed(d));
console.log(
  JSON.stringify({
    benchmark: "reward-analysis",
    novelty: {
      updateObservationsPerSecond: Math.round((updates * batch) / updateSeconds),
      bonusObservationsPerSecond: Math.round((bonusRounds * batch) / bonusSeconds),
      rawBonusSeenBefore: Number(before.seen.toPrecision(4)),
      rawBonusSeenAfter: Number(after.seen.toPrecision(4)),
      rawBonusUnseenAfter: Number(after.unseen.toPrecision(4)),
      seenOverUnseenAfter: round(after.seen / after.unseen),
    },
    analysis: {
      stepsPerSecond: Math.round(steps / analysisSeconds),
      steps,
      components: analysis.statistics.components.length,
      epicToGoals: round(analysis.distanceToGoals.epic),
      starcToGoals: round(analysis.distanceToGoals.starc),
      goals: analysis.goals,
      withNovelty: {
        stepsPerSecond: Math.round(withNovelty.statistics.steps / noveltySeconds),
        coef: NOVELTY_COEF,
        shareOfMagnitude: round(noveltyPart.shareOfMagnitude),
        correlationWithGoalsPerStep:
          noveltyPart.correlationWithOutcome.perStep === null
            ? null
            : round(noveltyPart.correlationWithOutcome.perStep),
      },
    },
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      node: process.version,
      tfjsBackend: runtime.backend,
    },
    parameters: {
      rnd: { batch, updates, inputSize: seen.size, seenAfterSteps: 20, unseenAfterSteps: 60 },
      analysis: {
        env: "car-soccer-1v1",
        reward: "DEFAULT_CAR_SOCCER_REWARD",
        blue: "ball-chaser",
        orange: "defender",
        episodes,
        maxSeconds: seconds,
      },
    },
  }),
);
