// Reward analysis on car soccer: play seeded episodes with any two controllers, record what each
// additive part of a reward spec contributes at every step beside the true objective (goals),
// keep a sample of transitions, and measure how far the shaped reward is from goals: EPIC on the
// sampled transitions, STARC on action values measured by branching rollouts from sampled states.
import {
  CarSoccerEngine,
  CarSoccerEnv,
  CarSoccerState,
  ContinuousAction,
  GoalCondition,
  getEnvSpec,
  goalReward,
  NOT_DONE,
  type RewardFn,
  Rng,
  TimeoutCondition,
} from "@league/envs";
import type { CarPolicy } from "../policy.js";
import {
  type EpisodeTrace,
  levelledStarcDistance,
  type RewardStats,
  rewardStatistics,
  sampledEpicDistance,
  type TerminationIncentive,
  terminationIncentive,
} from "./analysis.js";
import { compileReward, parseRewardSpec, type RewardSpec } from "./car-soccer.js";
import type { RandomNetworkDistillation } from "./novelty.js";

/** The name under which the novelty bonus is reported beside the spec's parts. */
export const NOVELTY_COMPONENT = "novelty (RND)";

export interface CarSoccerAnalysisOptions {
  envId: string;
  spec: RewardSpec | unknown;
  blue: CarPolicy;
  orange: CarPolicy;
  episodes: number;
  seed: number;
  /** An episode ends at the first goal or after this many seconds of play. */
  maxSeconds: number;
  /** Discount used by the distances' canonicalisation. */
  gamma: number;
  /** Transitions kept (uniformly, by reservoir sampling) for the distances. */
  sampleTransitions: number;
  /** Coverage states drawn from the kept transitions for the canonicalisation. */
  coverageStates: number;
  /** Kept states from which STARC's rollouts branch, one per candidate action of blue-0. */
  levelledStates: number;
  /** Steps each STARC rollout follows the drivers for after its first action (or to the episode's end). */
  rolloutSteps: number;
  /**
   * Adds `coef` × the normalised RND bonus of blue-0's next observation to the reward, reported
   * as its own component. Batched per episode as in a rollout: the bonus of an episode comes from
   * the predictor trained on the episodes before it, then the predictor trains on that episode
   * for `epochs` full-batch steps (default 4).
   */
  novelty?: { rnd: RandomNetworkDistillation; coef: number; epochs?: number };
  onEpisode?: (episode: number, steps: number) => void;
}

export const CAR_SOCCER_ANALYSIS_DEFAULTS = {
  episodes: 8,
  seed: 1,
  maxSeconds: 60,
  gamma: 0.99,
  sampleTransitions: 256,
  coverageStates: 48,
  levelledStates: 24,
  rolloutSteps: 300,
};

/**
 * What blue-0 may do first in a STARC rollout besides what its driver does (continuous controls:
 * throttle, steer, pitch, yaw, roll, jump, boost, handbrake): idle, drive, reverse, turn, boost, jump.
 */
export const STARC_CANDIDATE_ACTIONS: readonly (readonly number[])[] = [
  [0, 0, 0, 0, 0, 0, 0, 0],
  [1, 0, 0, 0, 0, 0, 0, 0],
  [-1, 0, 0, 0, 0, 0, 0, 0],
  [1, -1, 0, -1, 0, 0, 0, 0],
  [1, 1, 0, 1, 0, 0, 0, 0],
  [1, 0, 0, 0, 0, 0, 1, 0],
  [0, 0, 0, 0, 0, 1, 0, 0],
];

export interface CarSoccerRewardAnalysis {
  env: string;
  players: { blue: string; orange: string };
  /** The car whose reward is analysed: blue-0. */
  car: number;
  spec: RewardSpec;
  statistics: RewardStats;
  /** Distance of the shaped reward to the goal reward (the true objective). */
  /** Distance of the spec's reward to goals; a novelty bonus is left out (it is not a function of
   * the transition but of the predictor's training history). */
  distanceToGoals: {
    epic: number;
    starc: number;
    transitions: number;
    coverage: number;
    gamma: number;
    /** STARC's sample: states levelled, candidate first actions (the driver's own first), rollout length. */
    levelled: { states: number; actions: number; rolloutSteps: number };
    /** True when no first action changed the goal return anywhere: STARC then measures nothing of goals. */
    goalsIndifferent: boolean;
  };
  goals: { blue: number; orange: number };
  /** Whether ending an episode (scoring, conceding) pays more than the shaping stream it ends. */
  termination: TerminationIncentive;
  /** The novelty bonus's weight and RND settings, when one was added. */
  novelty: { coef: number; embeddingSize: number; hidden: number[]; seed: number } | null;
}

export function analyseCarSoccerReward(
  options: Partial<CarSoccerAnalysisOptions> & {
    envId: string;
    spec: RewardSpec | unknown;
    blue: CarPolicy;
    orange: CarPolicy;
  },
): CarSoccerRewardAnalysis {
  const o = { ...CAR_SOCCER_ANALYSIS_DEFAULTS, ...options };
  if (!(Number.isInteger(o.episodes) && o.episodes >= 1))
    throw new RangeError(`reward analysis: episodes must be a positive integer, got ${o.episodes}`);
  const novelty = o.novelty;
  if (novelty && !Number.isFinite(novelty.coef))
    throw new RangeError(`reward analysis: novelty coef must be a finite number, got ${novelty.coef}`);
  const spec = parseRewardSpec(o.spec);
  // The compiled reward reports each additive part's contribution (team spirit applied) per step.
  const shaped = compileReward(spec);
  const env = new CarSoccerEnv({
    spec: getEnvSpec(o.envId),
    actionParser: new ContinuousAction(),
    doneConditions: [new GoalCondition(), new TimeoutCondition(o.maxSeconds)],
  });
  if (env.spec.family !== "car-soccer")
    throw new RangeError(`reward analysis: ${o.envId} is not a car-soccer environment`);
  const teamSize = env.engine.teamSize;
  const obsSize = env.engine.observationSize;
  if (novelty && novelty.rnd.config.inputSize !== obsSize)
    throw new RangeError(
      `reward analysis: the novelty network takes ${novelty.rnd.config.inputSize} numbers, ${o.envId}'s observations have ${obsSize}`,
    );
  // Goal transitions are the objective's only signal, and rare: keep every one (up to a cap) on
  // top of the uniform sample, so that the distances see what the goal reward rewards.
  const maxGoalTransitions = 32;
  const bank = new CarSoccerState((o.sampleTransitions + maxGoalTransitions) * 2, teamSize);
  let goalTransitions = 0;
  const rng = new Rng(o.seed ^ 0x5eed);
  let seenTransitions = 0;
  const controls = new Float32Array(8);
  const traces: EpisodeTrace[] = [];
  const goals = { blue: 0, orange: 0 };
  for (let e = 0; e < o.episodes; e++) {
    env.reset(o.seed + e);
    const trace: EpisodeTrace = {
      components: Object.fromEntries(shaped.components.map((name) => [name, [] as number[]])),
      total: [],
      outcome: [],
    };
    const observations: Float32Array[] = [];
    for (;;) {
      const actions: Record<string, Float32Array> = {};
      env.agents.forEach((id, car) => {
        (id.startsWith("blue") ? o.blue : o.orange).act(env.state, 0, car, controls);
        actions[id] = Float32Array.from(controls);
      });
      const result = env.step(actions);
      if (novelty) observations.push(result.observations["blue-0"]!);
      const state = env.state;
      const prev = env.engine.prev;
      trace.total.push(shaped.fn(state, prev, 0, 0, result.terminations["blue-0"]));
      for (const [j, name] of shaped.components.entries())
        trace.components[name]!.push(shaped.lastComponents[j]!);
      const outcome = goalReward(state, prev, 0, 0);
      trace.outcome.push(outcome);
      if (outcome > 0) goals.blue++;
      else if (outcome < 0) goals.orange++;
      // Reservoir sampling keeps every transition with the same chance, whatever the run's length.
      const slot = seenTransitions < o.sampleTransitions ? seenTransitions : rng.int(seenTransitions + 1);
      seenTransitions++;
      if (slot < o.sampleTransitions) {
        bank.copyArena(prev, 0, slot * 2);
        bank.copyArena(state, 0, slot * 2 + 1);
      }
      if (outcome !== 0 && goalTransitions < maxGoalTransitions) {
        const at = o.sampleTransitions + goalTransitions++;
        bank.copyArena(prev, 0, at * 2);
        bank.copyArena(state, 0, at * 2 + 1);
      }
      if (env.agents.some((id) => result.terminations[id] || result.truncations[id])) break;
    }
    if (novelty) {
      const rows = observations.length;
      const batch = new Float32Array(rows * obsSize);
      for (const [i, obs] of observations.entries()) batch.set(obs, i * obsSize);
      const bonus = novelty.rnd.novelty(batch, rows);
      const weighted = Array.from(bonus, (b) => novelty.coef * b);
      trace.components[NOVELTY_COMPONENT] = weighted;
      trace.total = trace.total.map((r, i) => r + weighted[i]!);
      for (let k = 0; k < (novelty.epochs ?? 4); k++) novelty.rnd.update(batch, rows);
    }
    traces.push(trace);
    o.onEpisode?.(e + 1, trace.total.length);
  }
  const kept = Math.min(seenTransitions, o.sampleTransitions);
  const slots = [
    ...Array.from({ length: kept }, (_, k) => k),
    ...Array.from({ length: goalTransitions }, (_, g) => o.sampleTransitions + g),
  ];
  const transitions = slots.map((k) => [2 * k, 2 * k + 1] as const);
  // Coverage: a seeded subset of the kept states, both ends of transitions alike.
  const pool = slots.flatMap((k) => [2 * k, 2 * k + 1]);
  for (let i = pool.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  const coverage = pool.slice(0, Math.min(o.coverageStates, pool.length));
  const from = new CarSoccerState(1, teamSize);
  const to = new CarSoccerState(1, teamSize);
  const onBank =
    (fn: RewardFn) =>
    (i: number, j: number): number => {
      from.copyArena(bank, i, 0);
      to.copyArena(bank, j, 0);
      return fn(to, from, 0, 0);
    };
  // A fresh compile: a gated node's accumulators must not carry the episodes into the sample.
  const epic = sampledEpicDistance(
    onBank(compileReward(spec).fn),
    onBank(goalReward),
    transitions,
    coverage,
    o.gamma,
  );
  // STARC levels from the kept transitions' first states, a seeded subset.
  const starts = slots.map((k) => 2 * k);
  for (let i = starts.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [starts[i], starts[j]] = [starts[j]!, starts[i]!];
  }
  const levelled = starts.slice(0, Math.min(o.levelledStates, starts.length));
  const values = branchValues(o, spec, bank, levelled);
  const starc = levelledStarcDistance(values.shaped, values.goals, values.onPolicy);
  return {
    env: o.envId,
    players: { blue: o.blue.name, orange: o.orange.name },
    car: 0,
    spec,
    statistics: rewardStatistics(traces),
    distanceToGoals: {
      epic: epic.epic,
      starc: starc.starc,
      transitions: epic.transitions,
      coverage: epic.coverage,
      gamma: o.gamma,
      levelled: { states: starc.states, actions: starc.actions, rolloutSteps: o.rolloutSteps },
      goalsIndifferent: starc.zeroAdvantage.b,
    },
    goals,
    termination: terminationIncentive(traces, o.gamma),
    novelty: novelty
      ? {
          coef: novelty.coef,
          embeddingSize: novelty.rnd.config.embeddingSize,
          hidden: novelty.rnd.config.hidden,
          seed: novelty.rnd.config.seed,
        }
      : null,
  };
}

/**
 * Action values for STARC's value-adjusted levelling, under π = the two drivers: from each state,
 * blue-0 takes its driver's action (index 0) or a candidate, then every car follows its driver for
 * `rolloutSteps` steps or to the episode's end. Q is the discounted return of the shaped reward
 * (compiled afresh per rollout: gated accumulators start empty) and of goals. The rollout's last
 * step counts as the end of the episode, so potential shaping telescopes to −Φ(s) exactly and the
 * levelled rewards (Q − V) of a reward and its potential-shaped version are the same.
 */
function branchValues(
  o: CarSoccerAnalysisOptions,
  spec: RewardSpec,
  bank: CarSoccerState,
  levelled: readonly number[],
): { shaped: number[][]; goals: number[][]; onPolicy: number[] } {
  const engine = new CarSoccerEngine(1, {
    spec: getEnvSpec(o.envId),
    actionParser: new ContinuousAction(),
    doneConditions: [new GoalCondition(), new TimeoutCondition(o.maxSeconds)],
  });
  const st = engine.state;
  const cars = engine.numCars;
  const controls = new Float32Array(8);
  const raw = new Float64Array(8);
  const act = (car: number, first: readonly number[] | null) => {
    if (first) raw.set(first);
    else {
      (car < engine.teamSize ? o.blue : o.orange).act(st, 0, car, controls);
      raw.set(controls);
    }
    engine.actionParser.parse(raw, 0, st.controls, car * 8);
  };
  const shaped: number[][] = [];
  const goals: number[][] = [];
  for (const start of levelled) {
    const rowShaped: number[] = [];
    const rowGoals: number[] = [];
    for (const candidate of [null, ...STARC_CANDIDATE_ACTIONS]) {
      st.copyArena(bank, start, 0);
      engine.prev.copyArena(bank, start, 0);
      const reward = compileReward(spec).fn;
      let qShaped = 0;
      let qGoals = 0;
      let discount = 1;
      for (let step = 0; step <= o.rolloutSteps; step++) {
        for (let car = 0; car < cars; car++) act(car, car === 0 && step === 0 ? candidate : null);
        const code = engine.stepArena(0);
        const end = code !== NOT_DONE || step === o.rolloutSteps;
        qShaped += discount * reward(st, engine.prev, 0, 0, end);
        qGoals += discount * goalReward(st, engine.prev, 0, 0);
        discount *= o.gamma;
        if (end) break;
      }
      rowShaped.push(qShaped);
      rowGoals.push(qGoals);
    }
    shaped.push(rowShaped);
    goals.push(rowGoals);
  }
  return { shaped, goals, onPolicy: levelled.map(() => 0) };
}
