// learn-car-soccer --rnd COEF: does random network distillation (Burda et al. 2018; PPO's
// rndCoef) change what the learner explores? Two trainings of the same config and seed, one
// without the intrinsic reward and one with it, each for the same time budget (--minutes,
// default 10), side by side in one process; then each trained policy plays --rnd-episodes
// episodes as it does in training (sampled actions, the training state setters and episode
// length) against the ball-chaser, and we count the learner's ball touches per episode and the
// share of the field its car covered (cells of a 16 × 20 grid over the floor plan, all episodes
// together and per episode on average).
import path from "node:path";
import { act, createCarSoccerBot, MetricsLog, makeStateSetter, trainCarSoccer } from "@league/agents";
import {
  C_BALL_TOUCHES,
  C_X,
  CAR_FIELDS,
  CarSoccerEngine,
  CONTROL_SIZE,
  ContinuousAction,
  carSoccerConstants,
  carSoccerParts,
  GoalCondition,
  getEnvSpec,
  Rng,
  TimeoutCondition,
} from "@league/envs";

const GRID_X = 16;
const GRID_Y = 20;
const { SIDE_WALL_X, BACK_WALL_Y } = carSoccerConstants;

/** Touches and field coverage of `policy` (blue, sampled actions) against the ball-chaser. */
export function exploration(runtime, policy, { config, episodes, seed }) {
  const spec = getEnvSpec(config.env);
  const { obsBuilder, actionParser } = carSoccerParts(config.observationBuilder, config.actionParser);
  const engine = new CarSoccerEngine(1, {
    spec,
    tickSkip: config.tickSkip,
    actionParser: new ContinuousAction(),
    stateSetter: makeStateSetter(config.curriculum[0].stateSetter),
    doneConditions: [new GoalCondition(), new TimeoutCondition(config.episodeSeconds)],
  });
  const st = engine.state;
  const bot = createCarSoccerBot("ball-chaser", seed);
  const rng = new Rng(seed, 0xe3);
  const observation = new Float32Array(obsBuilder.size(spec.numAgents / 2));
  const index = new Float32Array(1);
  const raw = new Float32Array(engine.numCars * CONTROL_SIZE);
  const visited = new Uint8Array(GRID_X * GRID_Y);
  const cell = (car) => {
    const o = car * CAR_FIELDS;
    const gx = Math.floor(((st.cars[o + C_X] + SIDE_WALL_X) / (2 * SIDE_WALL_X)) * GRID_X);
    const gy = Math.floor(((st.cars[o + C_X + 1] + BACK_WALL_Y) / (2 * BACK_WALL_Y)) * GRID_Y);
    return Math.min(GRID_Y - 1, Math.max(0, gy)) * GRID_X + Math.min(GRID_X - 1, Math.max(0, gx));
  };
  let touches = 0;
  let episodeCoverage = 0;
  for (let episode = 0; episode < episodes; episode++) {
    engine.resetArena(0, seed, episode);
    const mine = new Uint8Array(GRID_X * GRID_Y);
    for (;;) {
      obsBuilder.build(st, 0, 0, observation, 0);
      index[0] = act(runtime, policy, observation, 1, rng)[0];
      actionParser.parse(index, 0, raw, 0);
      bot.act(st, 0, 1, raw.subarray(CONTROL_SIZE, 2 * CONTROL_SIZE));
      for (let car = 0; car < engine.numCars; car++)
        engine.actionParser.parse(raw, car * CONTROL_SIZE, st.controls, car * CONTROL_SIZE);
      const before = st.cars[C_BALL_TOUCHES];
      const done = engine.stepArena(0);
      touches += Math.max(0, st.cars[C_BALL_TOUCHES] - before);
      const c = cell(0);
      visited[c] = 1;
      mine[c] = 1;
      if (done) break;
    }
    episodeCoverage += mine.reduce((a, b) => a + b, 0) / mine.length;
  }
  return {
    episodes,
    touchesPerEpisode: Number((touches / episodes).toFixed(2)),
    fieldCoverage: Number((visited.reduce((a, b) => a + b, 0) / visited.length).toFixed(3)),
    meanEpisodeCoverage: Number((episodeCoverage / episodes).toFixed(3)),
  };
}

/** Trains without and with RND under the same budget; measures both. */
export async function compareExploration({ runtime, config, rndCoef, episodes, out, log }) {
  const runs = [];
  for (const [name, coef] of [
    ["without", 0],
    ["with", rndCoef],
  ]) {
    const dir = path.join(out, `rnd-${name}`);
    log(`training ${name} RND (rndCoef ${coef}) for ${config.maxSeconds} s into ${dir}`);
    const started = performance.now();
    const result = await trainCarSoccer(runtime, {
      ...config,
      out: dir,
      ppo: { ...config.ppo, rndCoef: coef },
    });
    const trainSeconds = (performance.now() - started) / 1000;
    const metrics = (await MetricsLog.read(result.metricsFile)).filter(
      (m) => typeof m.iteration === "number",
    );
    const series = (key) => metrics.map((m) => m[key]).filter((v) => typeof v === "number");
    const round = (v) => (v === undefined ? null : Number(v.toFixed(4)));
    runs.push({
      rndCoef: coef,
      globalStep: result.state.globalStep,
      trainSeconds: Number(trainSeconds.toFixed(1)),
      ...exploration(runtime, result.state, { config, episodes, seed: 3_000_000 + config.seed }),
      trainingTouchRate: round(series("eval/touch_rate").at(-1)),
      lastEpisodicReturn: round(series("charts/episodic_return").at(-1)),
      intrinsicReturn: coef > 0 ? round(series("charts/intrinsic_return").at(-1)) : null,
      rndPredictorLoss:
        coef > 0
          ? {
              first: round(series("losses/rnd_predictor_loss")[0]),
              last: round(series("losses/rnd_predictor_loss").at(-1)),
            }
          : null,
    });
  }
  return { without: runs[0], with: runs[1] };
}
