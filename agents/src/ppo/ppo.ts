// Proximal Policy Optimisation (Schulman et al. 2017), clipped objective, read top to bottom as
// CleanRL's ppo.py: config → networks → per iteration: 1. collect a rollout → 2. compute
// advantages (GAE) → 3. update (minibatch epochs) → 4. log. Optional parts ride along: Lucy-SKG's
// auxiliary heads, truncation bootstrapping and random network distillation.
import { Rng, type VectorEnv } from "@league/envs";
import type * as Tf from "@tensorflow/tfjs";
import { RandomNetworkDistillation, type RndSnapshot } from "../rewards/novelty.js";
import type { TfModule, TfRuntime } from "./backend.js";
import { computeGae } from "./gae.js";
import { buildActor, buildCritic, predictRows } from "./network.js";
import { type AdamSnapshot, type AnnealedAdam, annealedAdam } from "./optimizer.js";
import { RunningMeanStd } from "./running-stats.js";

export interface PpoConfig {
  /** Seeds network initialisation, action sampling, minibatch shuffling and the environments. */
  seed: number;
  /** Agent-steps of the whole run (all slots together); a resumed run stops there too. */
  totalSteps: number;
  /** Steps per slot per rollout (CleanRL's num_steps). */
  numSteps: number;
  /** Discount. */
  gamma: number;
  /** GAE's lambda (rlgym-ppo: 0.95). */
  gaeLambda: number;
  /** PPO's ratio clip (rlgym-ppo: 0.2). */
  clipCoef: number;
  /** Entropy bonus weight. */
  entCoef: number;
  /** Value loss weight. */
  vfCoef: number;
  /** Global gradient-norm clip. */
  maxGradNorm: number;
  /** Adam's step size. */
  learningRate: number;
  /** Anneal the step size linearly to 0 over the run's iterations (CleanRL's anneal_lr). */
  annealLr: boolean;
  /** Passes over each rollout. */
  updateEpochs: number;
  /** Minibatches per pass. */
  numMinibatches: number;
  /** Hidden layer sizes of the actor and the critic. */
  hidden: number[];
  /** Standardise observations with running statistics (stored in the checkpoint). */
  normalizeObservations: boolean;
  /** Scale rewards by the running standard deviation of the discounted return. */
  normalizeReturns: boolean;
  /**
   * Weight of the auxiliary losses (0 = off). As in Lucy-SKG, two heads on the actor's last hidden
   * layer predict the step's reward sign (negative, zero, positive) and reconstruct the
   * observation; they shape the actor's features and are not part of the saved policy.
   */
  auxCoef: number;
  /**
   * Bootstrap truncated episodes (partial-episode bootstrapping, Pardo et al. 2018): a time limit
   * is not an ending, so a truncated step's reward gains gamma × V(the observation it was cut off
   * in), where the env gives `finalObservations`. Off: truncation ends the return, as CleanRL's.
   */
  bootstrapTruncated: boolean;
  /**
   * Weight of the intrinsic advantage from random network distillation (Burda et al. 2018);
   * 0 = off. The novelty of each next observation is an intrinsic reward with its own value head
   * and discount, non-episodic and divided by a running deviation of intrinsic returns; the policy
   * follows extrinsic + rndCoef × intrinsic advantages (the paper: 2 : 1).
   */
  rndCoef: number;
  /** Discount of the intrinsic return (Burda et al.: 0.99). */
  rndGamma: number;
}

export const DEFAULT_PPO_CONFIG: PpoConfig = {
  seed: 1,
  totalSteps: 100_000,
  numSteps: 128,
  gamma: 0.99,
  gaeLambda: 0.95,
  clipCoef: 0.2,
  entCoef: 0.01,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  learningRate: 3e-4,
  annealLr: false,
  updateEpochs: 4,
  numMinibatches: 4,
  hidden: [64, 64],
  normalizeObservations: true,
  normalizeReturns: true,
  auxCoef: 0,
  bootstrapTruncated: true,
  rndCoef: 0,
  rndGamma: 0.99,
};

/** CleanRL's metric names, so runs compare at a glance. */
export interface PpoMetrics {
  iteration: number;
  global_step: number;
  "charts/episodic_return": number | null;
  "charts/episodic_length": number | null;
  "charts/episodes": number;
  "charts/SPS": number;
  /** Adam's step size this iteration. */
  "charts/learning_rate"?: number;
  "losses/policy_loss": number;
  "losses/value_loss": number;
  "losses/entropy": number;
  "losses/approx_kl": number;
  "losses/clipfrac": number;
  "losses/explained_variance": number;
  /** Cross-entropy of the reward-sign head and mean squared error of the reconstruction head (auxCoef > 0). */
  "losses/aux_reward_sign"?: number;
  "losses/aux_reconstruction"?: number;
  /** With RND: mean intrinsic reward (normalised) and return per step, and the two RND losses. */
  "charts/intrinsic_reward"?: number;
  "charts/intrinsic_return"?: number;
  "losses/intrinsic_value_loss"?: number;
  "losses/rnd_predictor_loss"?: number;
}

export interface PpoState {
  actor: Tf.LayersModel;
  critic: Tf.LayersModel;
  observationStats: RunningMeanStd | null;
  globalStep: number;
  /** Adam's step count and moments after the last update; a resumed run goes on with them. */
  optimizer?: AdamSnapshot;
  /** With RND: the intrinsic value head and the RND networks' state. */
  intrinsic?: { critic: Tf.LayersModel; rnd: RndSnapshot };
}

function discreteActions(env: VectorEnv, given?: number): number {
  const n = given ?? (env as { actionCount?: number }).actionCount;
  if (env.actionSize !== 1 || !n) {
    throw new Error(
      `PPO here drives discrete actions: env ${env.spec.id} must have actionSize 1 and an actionCount`,
    );
  }
  return n;
}

/** Samples a categorical action from logits with a seeded stream; returns the index and its log-probability. */
export function sampleCategorical(
  logits: Float32Array,
  offset: number,
  n: number,
  rng: Rng,
): [number, number] {
  let max = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < n; k++) max = Math.max(max, logits[offset + k]!);
  let sum = 0;
  for (let k = 0; k < n; k++) sum += Math.exp(logits[offset + k]! - max);
  let u = rng.float() * sum;
  let action = n - 1;
  for (let k = 0; k < n; k++) {
    u -= Math.exp(logits[offset + k]! - max);
    if (u < 0) {
      action = k;
      break;
    }
  }
  return [action, logits[offset + action]! - max - Math.log(sum)];
}

/** Everything trainPpo may be handed besides the config. */
export interface PpoHooks {
  /** After every iteration; returning (or resolving to) "stop" ends training there (a time budget, say). */
  onIteration?: (metrics: PpoMetrics, state: PpoState) => unknown;
  /** A checkpoint's state to continue from: its networks, statistics, step count and Adam's moments. */
  initial?: PpoState;
  /** Number of discrete actions, when the environment does not say (`actionCount`). */
  actionCount?: number;
  /**
   * Share in [0, 1] of another budget (a time limit) spent so far: the step size anneals over
   * whichever budget runs out first, so a run stopped by the clock still ends near zero.
   */
  budgetSpent?: () => number;
}

/** The networks, statistics and optimiser one run trains, and the sizes they share. */
interface Learner {
  config: PpoConfig;
  tf: TfModule;
  env: VectorEnv;
  numActions: number;
  numSlots: number;
  obsSize: number;
  batchSize: number;
  minibatchSize: number;
  actor: Tf.LayersModel;
  critic: Tf.LayersModel;
  /** Lucy-SKG's auxiliary heads on the actor's last hidden layer (auxCoef > 0). */
  aux: Tf.LayersModel | null;
  /** RND's intrinsic value head and networks (rndCoef > 0). */
  intrinsic: { critic: Tf.LayersModel; rnd: RandomNetworkDistillation } | null;
  observationStats: RunningMeanStd | null;
  /** Running statistics of each slot's discounted return, for reward scaling. */
  returnStats: RunningMeanStd;
  optimizer: AnnealedAdam;
  /** Everything the PPO loss trains, in a fixed order (Adam's moments follow it). */
  variables: Tf.Variable[];
  /** Action sampling, then minibatch shuffling, from one seeded stream. */
  rng: Rng;
}

/** CleanRL's rollout storage (obs, actions, logprobs, rewards, dones, values), allocated once. */
class Rollout {
  readonly obs: Float32Array;
  readonly actions: Int32Array;
  readonly logprobs: Float32Array;
  readonly rewards: Float32Array;
  readonly episodeEnds: Uint8Array;
  readonly values: Float32Array;
  /** With RND: the raw observation after each step (novelty is of where the step led) and V_int. */
  readonly nextRawObs: Float32Array | null;
  readonly intrinsicValues: Float32Array | null;
  /** Per slot, across rollouts: the discounted return for reward scaling, the episode so far. */
  readonly discountedReturn: Float64Array;
  readonly episodeReturn: Float64Array;
  readonly episodeLength: Int32Array;

  constructor(numSteps: number, numSlots: number, obsSize: number, intrinsic: boolean) {
    const n = numSteps * numSlots;
    this.obs = new Float32Array(n * obsSize);
    this.actions = new Int32Array(n);
    this.logprobs = new Float32Array(n);
    this.rewards = new Float32Array(n);
    this.episodeEnds = new Uint8Array(n);
    this.values = new Float32Array(n);
    this.nextRawObs = intrinsic ? new Float32Array(n * obsSize) : null;
    this.intrinsicValues = intrinsic ? new Float32Array(n) : null;
    this.discountedReturn = new Float64Array(numSlots);
    this.episodeReturn = new Float64Array(numSlots);
    this.episodeLength = new Int32Array(numSlots);
  }
}

interface Advantages {
  /** What the policy gradient weighs: extrinsic, plus rndCoef × intrinsic with RND. */
  advantages: Float32Array;
  returns: Float32Array;
  intrinsic: { rewards: Float32Array; returns: Float32Array } | null;
}

interface Losses {
  policy: number;
  value: number;
  entropy: number;
  approxKl: number;
  clipfrac: number;
  auxRewardSign: number;
  auxReconstruction: number;
  intrinsicValue: number;
  rndPredictor: number;
}

export async function trainPpo(
  runtime: TfRuntime,
  env: VectorEnv,
  partial: Partial<PpoConfig> = {},
  hooks: PpoHooks = {},
): Promise<PpoState> {
  const config = { ...DEFAULT_PPO_CONFIG, ...partial };
  const batchSize = config.numSteps * env.numEnvs * env.numAgents;
  // totalSteps is the run's: a resumed run does the iterations its checkpoint had left.
  const numIterations = Math.max(1, Math.floor(config.totalSteps / batchSize));
  const firstIteration = Math.floor((hooks.initial?.globalStep ?? 0) / batchSize) + 1;
  if (hooks.initial && firstIteration > numIterations) return hooks.initial;
  const learner = await buildLearner(runtime, env, config, hooks);
  const rollout = new Rollout(config.numSteps, learner.numSlots, learner.obsSize, learner.intrinsic !== null);

  env.reset(config.seed);
  let globalStep = hooks.initial?.globalStep ?? 0;
  let state: PpoState = hooks.initial ?? { ...networksOf(learner), globalStep };
  try {
    for (let iteration = firstIteration; iteration <= numIterations; iteration++) {
      const started = performance.now();
      // Adam reads its step size on every update, so annealing just rewrites it.
      if (config.annealLr) {
        const spent = Math.max((iteration - 1) / numIterations, hooks.budgetSpent?.() ?? 0);
        learner.optimizer.stepSize = config.learningRate * Math.max(1 - spent, 0);
      }
      const episodes = collectRollout(learner, rollout);
      globalStep += batchSize;
      const advantages = computeAdvantages(learner, rollout);
      const losses = await update(learner, rollout, advantages);
      state = { ...networksOf(learner), globalStep, ...(await trainerSnapshot(learner)) };
      const metrics = iterationMetrics(learner, rollout, advantages, losses, episodes, {
        iteration,
        globalStep,
        seconds: (performance.now() - started) / 1000,
      });
      if ((await hooks.onIteration?.(metrics, state)) === "stop") break;
    }
  } finally {
    learner.optimizer.dispose();
    learner.intrinsic?.rnd.dispose();
  }
  return state;
}

function networksOf(learner: Learner): Omit<PpoState, "globalStep"> {
  return { actor: learner.actor, critic: learner.critic, observationStats: learner.observationStats };
}

/** Adam's moments and RND's state now, as plain data that outlives the optimiser. */
async function trainerSnapshot(learner: Learner): Promise<Pick<PpoState, "optimizer" | "intrinsic">> {
  const intrinsic = learner.intrinsic
    ? { critic: learner.intrinsic.critic, rnd: await learner.intrinsic.rnd.snapshot() }
    : undefined;
  return { optimizer: await learner.optimizer.snapshot(), ...(intrinsic ? { intrinsic } : {}) };
}

/** Networks (fresh, or the checkpoint's), statistics, optimiser (with the checkpoint's moments). */
async function buildLearner(
  runtime: TfRuntime,
  env: VectorEnv,
  config: PpoConfig,
  hooks: PpoHooks,
): Promise<Learner> {
  const { tf } = runtime;
  const numActions = discreteActions(env, hooks.actionCount);
  const numSlots = env.numEnvs * env.numAgents;
  const obsSize = env.observationSize;
  const batchSize = config.numSteps * numSlots;
  const minibatchSize = Math.floor(batchSize / config.numMinibatches);
  if (minibatchSize < 1)
    throw new Error(`numMinibatches ${config.numMinibatches} exceeds the batch of ${batchSize}`);
  const initial = hooks.initial;
  const shape = {
    observationSize: obsSize,
    actionCount: numActions,
    hidden: config.hidden,
    seed: config.seed,
  };
  const actor = initial?.actor ?? buildActor(tf, shape);
  const critic = initial?.critic ?? buildCritic(tf, shape);
  const aux = config.auxCoef > 0 ? auxiliaryHeads(tf, actor, obsSize, config) : null;
  const intrinsic =
    config.rndCoef > 0
      ? {
          critic: initial?.intrinsic?.critic ?? buildCritic(tf, shape, "intrinsic_critic", 29),
          rnd: new RandomNetworkDistillation(tf, { inputSize: obsSize, seed: config.seed }),
        }
      : null;
  if (intrinsic && initial?.intrinsic) await intrinsic.rnd.restore(initial.intrinsic.rnd);
  const optimizer = annealedAdam(tf, config.learningRate, 0.9, 0.999, 1e-5);
  if (initial?.optimizer) await optimizer.restore(initial.optimizer);
  const variables = [
    ...new Set([
      ...actor.trainableWeights,
      ...critic.trainableWeights,
      ...(aux?.trainableWeights ?? []),
      ...(intrinsic?.critic.trainableWeights ?? []),
    ]),
  ].map((w) => w.read() as Tf.Variable);
  return {
    config,
    tf,
    env,
    numActions,
    numSlots,
    obsSize,
    batchSize,
    minibatchSize,
    actor,
    critic,
    aux,
    intrinsic,
    observationStats: config.normalizeObservations
      ? (initial?.observationStats ?? new RunningMeanStd(obsSize))
      : null,
    returnStats: new RunningMeanStd(1),
    optimizer,
    variables,
    rng: new Rng(config.seed, 0x9e37),
  };
}

/** Two heads on the actor's last hidden layer, so their gradients shape its features. */
function auxiliaryHeads(tf: TfModule, actor: Tf.LayersModel, obsSize: number, config: PpoConfig) {
  if (config.hidden.length === 0)
    throw new Error("auxCoef > 0 needs at least one hidden layer for the auxiliary heads");
  const trunk = actor.layers[actor.layers.length - 2]!.output as Tf.SymbolicTensor;
  const head = (units: number, name: string, seed: number) =>
    tf.layers
      .dense({ units, name, kernelInitializer: tf.initializers.glorotUniform({ seed }) })
      .apply(trunk) as Tf.SymbolicTensor;
  const sign = head(3, "aux_reward_sign", config.seed + 11);
  const recon = head(obsSize, "aux_reconstruction", config.seed + 13);
  return tf.model({ inputs: actor.inputs, outputs: [sign, recon] });
}

/** The learner's observations of the env now, standardised with the running statistics. */
function observe(learner: Learner, out: Float32Array): Float32Array {
  const { env, observationStats, numSlots } = learner;
  if (observationStats) observationStats.normalize(env.observations, numSlots, out);
  else out.set(env.observations);
  return out;
}

/**
 * 1. Collect a rollout: numSteps steps of every slot with actions sampled from the actor, values
 * from the critic(s), rewards scaled by the running return deviation, truncated episodes
 * bootstrapped. Returns the episodes that finished in it.
 */
function collectRollout(learner: Learner, rollout: Rollout): { returns: number[]; lengths: number[] } {
  const { config, tf, env, numSlots, obsSize, numActions, observationStats, rng } = learner;
  const finished = { returns: [] as number[], lengths: [] as number[] };
  const nextObs = new Float32Array(numSlots * obsSize);
  const actionBuffer = new Float32Array(numSlots);
  for (let step = 0; step < config.numSteps; step++) {
    if (observationStats) observationStats.update(env.observations, numSlots);
    observe(learner, nextObs);
    const base = step * numSlots;
    rollout.obs.set(nextObs, base * obsSize);
    const logits = predictRows(tf, learner.actor, nextObs, numSlots);
    const value = predictRows(tf, learner.critic, nextObs, numSlots);
    if (learner.intrinsic)
      rollout.intrinsicValues!.set(predictRows(tf, learner.intrinsic.critic, nextObs, numSlots), base);
    for (let s = 0; s < numSlots; s++) {
      const [a, lp] = sampleCategorical(logits, s * numActions, numActions, rng);
      rollout.actions[base + s] = a;
      rollout.logprobs[base + s] = lp;
      rollout.values[base + s] = value[s]!;
      actionBuffer[s] = a;
    }
    env.step(actionBuffer);
    rollout.nextRawObs?.set(env.observations, base * obsSize);
    const truncated = config.bootstrapTruncated ? valueTruncated(learner) : null;
    recordRewards(learner, rollout, base, finished);
    // In the scaled units the critic learns; the episode still ends here for GAE.
    if (truncated)
      for (let i = 0; i < truncated.slots.length; i++)
        rollout.rewards[base + truncated.slots[i]!]! += config.gamma * truncated.values[i]!;
    for (let s = 0; s < numSlots; s++) if (rollout.episodeEnds[base + s]) rollout.discountedReturn[s] = 0;
  }
  return finished;
}

/** One step's rewards and episode ends into the rollout, scaled by the return's running deviation. */
function recordRewards(
  learner: Learner,
  rollout: Rollout,
  base: number,
  finished: { returns: number[]; lengths: number[] },
): void {
  const { config, env, numSlots, returnStats } = learner;
  const { rewards, episodeEnds, episodeReturn, episodeLength, discountedReturn } = rollout;
  for (let s = 0; s < numSlots; s++) {
    const e = Math.floor(s / env.numAgents);
    const ended = env.terminated[e]! | env.truncated[e]!;
    const r = env.rewards[s]!;
    episodeEnds[base + s] = ended;
    episodeReturn[s] = episodeReturn[s]! + r;
    episodeLength[s] = episodeLength[s]! + 1;
    discountedReturn[s] = discountedReturn[s]! * config.gamma + r;
    rewards[base + s] = r;
    if (ended) {
      finished.returns.push(episodeReturn[s]!);
      finished.lengths.push(episodeLength[s]!);
      episodeReturn[s] = 0;
      episodeLength[s] = 0;
    }
  }
  if (config.normalizeReturns) {
    returnStats.update(discountedReturn, numSlots);
    const scale = 1 / Math.sqrt(returnStats.var[0]! + 1e-8);
    for (let s = 0; s < numSlots; s++) rewards[base + s] = rewards[base + s]! * scale;
  }
}

/** The critic's value of each truncated slot's final observation (Pardo et al. 2018), or null. */
function valueTruncated(learner: Learner): { slots: number[]; values: Float32Array } | null {
  const { env, numSlots, obsSize, observationStats } = learner;
  const final = env.finalObservations;
  if (!final) return null;
  const slots: number[] = [];
  for (let s = 0; s < numSlots; s++) if (env.truncated[Math.floor(s / env.numAgents)]) slots.push(s);
  if (slots.length === 0) return null;
  const rows = new Float32Array(slots.length * obsSize);
  slots.forEach((s, k) => {
    rows.set(final.subarray(s * obsSize, (s + 1) * obsSize), k * obsSize);
  });
  if (observationStats) observationStats.normalize(rows, slots.length, rows);
  return { slots, values: predictRows(learner.tf, learner.critic, rows, slots.length) };
}

/**
 * 2. Compute advantages: GAE over the extrinsic rewards with episode ends; with RND, GAE again
 * over the novelty of each next observation with its own discount and no ends (exploring is not
 * episodic, Burda et al.), the two advantages summed with the intrinsic one weighted.
 */
function computeAdvantages(learner: Learner, rollout: Rollout): Advantages {
  const { config, tf, numSlots, obsSize } = learner;
  const nextObs = observe(learner, new Float32Array(numSlots * obsSize));
  const lastValues = predictRows(tf, learner.critic, nextObs, numSlots);
  const { advantages, returns } = computeGae(
    rollout.rewards,
    rollout.values,
    rollout.episodeEnds,
    lastValues,
    config.numSteps,
    numSlots,
    config.gamma,
    config.gaeLambda,
  );
  if (!learner.intrinsic) return { advantages, returns, intrinsic: null };
  const rewards = learner.intrinsic.rnd.rolloutNovelty(
    rollout.nextRawObs!,
    config.numSteps,
    numSlots,
    config.rndGamma,
  );
  const intrinsic = computeGae(
    rewards,
    rollout.intrinsicValues!,
    new Uint8Array(rewards.length),
    predictRows(tf, learner.intrinsic.critic, nextObs, numSlots),
    config.numSteps,
    numSlots,
    config.rndGamma,
    config.gaeLambda,
  );
  for (let i = 0; i < advantages.length; i++)
    advantages[i] = advantages[i]! + config.rndCoef * intrinsic.advantages[i]!;
  return { advantages, returns, intrinsic: { rewards, returns: intrinsic.returns } };
}

/** 3. Update: updateEpochs passes of shuffled minibatches, each one clipped-PPO Adam step. */
async function update(learner: Learner, rollout: Rollout, adv: Advantages): Promise<Losses> {
  const { config, batchSize, minibatchSize, obsSize, rng } = learner;
  const order = Int32Array.from({ length: batchSize }, (_, i) => i);
  const mb = {
    obs: new Float32Array(minibatchSize * obsSize),
    actions: new Int32Array(minibatchSize),
    logprobs: new Float32Array(minibatchSize),
    advantages: new Float32Array(minibatchSize),
    returns: new Float32Array(minibatchSize),
    rewardSign: new Int32Array(minibatchSize),
    intrinsicReturns: adv.intrinsic ? new Float32Array(minibatchSize) : null,
    // RND's predictor trains on a quarter of each minibatch (CleanRL's update_proportion).
    nextRawObs: adv.intrinsic ? new Float32Array(Math.max(1, minibatchSize >> 2) * obsSize) : null,
  };
  const sums: Losses = {
    policy: 0,
    value: 0,
    entropy: 0,
    approxKl: 0,
    clipfrac: 0,
    auxRewardSign: 0,
    auxReconstruction: 0,
    intrinsicValue: 0,
    rndPredictor: 0,
  };
  let updates = 0;
  for (let epoch = 0; epoch < config.updateEpochs; epoch++) {
    for (let i = batchSize - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    for (let start = 0; start + minibatchSize <= batchSize; start += minibatchSize) {
      gatherMinibatch(learner, rollout, adv, order, start, mb);
      const stats = minibatchStep(learner, mb);
      sums.policy += stats[0]!;
      sums.value += stats[1]!;
      sums.entropy += stats[2]!;
      sums.approxKl += stats[3]!;
      sums.clipfrac += stats[4]!;
      sums.intrinsicValue += stats[5] ?? 0;
      sums.auxRewardSign += stats[6] ?? 0;
      sums.auxReconstruction += stats[7] ?? 0;
      if (learner.intrinsic && mb.nextRawObs)
        sums.rndPredictor += learner.intrinsic.rnd.update(mb.nextRawObs, mb.nextRawObs.length / obsSize);
      updates++;
    }
  }
  for (const key of Object.keys(sums) as (keyof Losses)[]) sums[key] /= updates;
  return sums;
}

type Minibatch = {
  obs: Float32Array;
  actions: Int32Array;
  logprobs: Float32Array;
  advantages: Float32Array;
  returns: Float32Array;
  rewardSign: Int32Array;
  intrinsicReturns: Float32Array | null;
  nextRawObs: Float32Array | null;
};

/** Copies rows order[start..start+minibatchSize) into the minibatch; standardises its advantages. */
function gatherMinibatch(
  learner: Learner,
  rollout: Rollout,
  adv: Advantages,
  order: Int32Array,
  start: number,
  mb: Minibatch,
): void {
  const { minibatchSize, obsSize } = learner;
  const { advantages, returns } = adv;
  const { rewards } = rollout;
  let advMean = 0;
  for (let k = 0; k < minibatchSize; k++) {
    const idx = order[start + k]!;
    mb.obs.set(rollout.obs.subarray(idx * obsSize, (idx + 1) * obsSize), k * obsSize);
    mb.actions[k] = rollout.actions[idx]!;
    mb.logprobs[k] = rollout.logprobs[idx]!;
    mb.advantages[k] = advantages[idx]!;
    mb.returns[k] = returns[idx]!;
    // Sign class of the step's reward: 0 negative, 1 zero, 2 positive (scaling keeps the sign).
    mb.rewardSign[k] = rewards[idx]! > 1e-8 ? 2 : rewards[idx]! < -1e-8 ? 0 : 1;
    if (mb.intrinsicReturns) mb.intrinsicReturns[k] = adv.intrinsic!.returns[idx]!;
    if (mb.nextRawObs && k < mb.nextRawObs.length / obsSize)
      mb.nextRawObs.set(rollout.nextRawObs!.subarray(idx * obsSize, (idx + 1) * obsSize), k * obsSize);
    advMean += advantages[idx]!;
  }
  advMean /= minibatchSize;
  let advVar = 0;
  for (let k = 0; k < minibatchSize; k++) advVar += (mb.advantages[k]! - advMean) ** 2;
  const advStd = Math.sqrt(advVar / Math.max(1, minibatchSize - 1)) + 1e-8;
  for (let k = 0; k < minibatchSize; k++) mb.advantages[k] = (mb.advantages[k]! - advMean) / advStd;
}

/**
 * One Adam step on the clipped PPO loss (policy, value, entropy; the intrinsic value and the
 * auxiliary heads when on), gradients clipped to a global norm. Returns policy loss, value loss,
 * entropy, approximate KL, clip fraction, then the intrinsic value loss and the auxiliary losses.
 */
function minibatchStep(learner: Learner, mb: Minibatch): number[] {
  const { tf, config, actor, critic, aux, intrinsic, minibatchSize, obsSize, numActions } = learner;
  return tf.tidy(() => {
    const x = tf.tensor2d(mb.obs, [minibatchSize, obsSize]);
    const a = tf.oneHot(tf.tensor1d(mb.actions, "int32"), numActions);
    const oldLogp = tf.tensor1d(mb.logprobs);
    const adv = tf.tensor1d(mb.advantages);
    const ret = tf.tensor1d(mb.returns);
    let parts: Tf.Scalar[] = [];
    const { grads } = tf.variableGrads(() => {
      const logits = actor.apply(x) as Tf.Tensor2D;
      const logpAll = tf.logSoftmax(logits);
      const newLogp = tf.sum(tf.mul(logpAll, a), 1);
      const logRatio = tf.sub(newLogp, oldLogp);
      const ratio = tf.exp(logRatio);
      const pgLoss = tf.mean(
        tf.maximum(
          tf.mul(tf.neg(adv), ratio),
          tf.mul(tf.neg(adv), tf.clipByValue(ratio, 1 - config.clipCoef, 1 + config.clipCoef)),
        ),
      ) as Tf.Scalar;
      const ent = tf.mean(tf.neg(tf.sum(tf.mul(tf.exp(logpAll), logpAll), 1))) as Tf.Scalar;
      const v = tf.reshape(critic.apply(x) as Tf.Tensor, [-1]);
      const vLoss = tf.mul(0.5, tf.mean(tf.square(tf.sub(v, ret)))) as Tf.Scalar;
      const kl = tf.mean(tf.sub(tf.sub(ratio, 1), logRatio)) as Tf.Scalar;
      const clipped = tf.mean(
        tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), config.clipCoef), "float32"),
      ) as Tf.Scalar;
      let loss = tf.add(
        tf.sub(pgLoss, tf.mul(config.entCoef, ent)),
        tf.mul(config.vfCoef, vLoss),
      ) as Tf.Scalar;
      parts = [pgLoss, vLoss, ent, kl, clipped];
      if (intrinsic) {
        // Burda et al.: the two value heads' losses add.
        const vi = tf.reshape(intrinsic.critic.apply(x) as Tf.Tensor, [-1]);
        const viLoss = tf.mul(
          0.5,
          tf.mean(tf.square(tf.sub(vi, tf.tensor1d(mb.intrinsicReturns!)))),
        ) as Tf.Scalar;
        loss = tf.add(loss, tf.mul(config.vfCoef, viLoss)) as Tf.Scalar;
        parts.push(viLoss);
      } else if (aux) parts.push(tf.scalar(0));
      if (aux) {
        const [signLogits, recon] = aux.apply(x) as Tf.Tensor[];
        const signTarget = tf.oneHot(tf.tensor1d(mb.rewardSign, "int32"), 3);
        const signLoss = tf.neg(
          tf.mean(tf.sum(tf.mul(signTarget, tf.logSoftmax(signLogits!)), 1)),
        ) as Tf.Scalar;
        const reconLoss = tf.mean(tf.square(tf.sub(recon!, x))) as Tf.Scalar;
        parts.push(signLoss, reconLoss);
        loss = tf.add(loss, tf.mul(config.auxCoef, tf.add(signLoss, reconLoss))) as Tf.Scalar;
      }
      parts = parts.map((p) => tf.keep(p));
      return loss;
    }, learner.variables);
    // Global gradient-norm clipping (tfjs has no clip_grad_norm_).
    const names = Object.keys(grads);
    const norm = Math.sqrt(
      names.reduce((sum, n) => sum + (tf.sum(tf.square(grads[n]!)).dataSync()[0] ?? 0), 0),
    );
    const scale = Math.min(1, config.maxGradNorm / (norm + 1e-6));
    learner.optimizer.applyGradients(names.map((name) => ({ name, tensor: tf.mul(grads[name]!, scale) })));
    const values = parts.map((p) => p.dataSync()[0]!);
    for (const p of parts) p.dispose();
    return values;
  });
}

/** 4. Log: CleanRL's metric names for this iteration. */
function iterationMetrics(
  learner: Learner,
  rollout: Rollout,
  adv: Advantages,
  losses: Losses,
  episodes: { returns: number[]; lengths: number[] },
  at: { iteration: number; globalStep: number; seconds: number },
): PpoMetrics {
  const { batchSize, aux, intrinsic } = learner;
  const { returns } = adv;
  let varReturns = 0;
  let varResidual = 0;
  let meanReturns = 0;
  for (let i = 0; i < batchSize; i++) meanReturns += returns[i]!;
  meanReturns /= batchSize;
  for (let i = 0; i < batchSize; i++) {
    varReturns += (returns[i]! - meanReturns) ** 2;
    varResidual += (returns[i]! - rollout.values[i]!) ** 2;
  }
  const mean = (xs: ArrayLike<number>) => {
    if (xs.length === 0) return null;
    let sum = 0;
    for (let i = 0; i < xs.length; i++) sum += xs[i]!;
    return sum / xs.length;
  };
  return {
    iteration: at.iteration,
    global_step: at.globalStep,
    "charts/episodic_return": mean(episodes.returns),
    "charts/episodic_length": mean(episodes.lengths),
    "charts/episodes": episodes.returns.length,
    "charts/SPS": Math.round(batchSize / at.seconds),
    "charts/learning_rate": learner.optimizer.stepSize,
    "losses/policy_loss": losses.policy,
    "losses/value_loss": losses.value,
    "losses/entropy": losses.entropy,
    "losses/approx_kl": losses.approxKl,
    "losses/clipfrac": losses.clipfrac,
    "losses/explained_variance": varReturns > 0 ? 1 - varResidual / varReturns : 0,
    ...(aux
      ? {
          "losses/aux_reward_sign": losses.auxRewardSign,
          "losses/aux_reconstruction": losses.auxReconstruction,
        }
      : {}),
    ...(intrinsic && adv.intrinsic
      ? {
          "charts/intrinsic_reward": mean(adv.intrinsic.rewards) ?? 0,
          "charts/intrinsic_return": mean(adv.intrinsic.returns) ?? 0,
          "losses/intrinsic_value_loss": losses.intrinsicValue,
          "losses/rnd_predictor_loss": losses.rndPredictor,
        }
      : {}),
  };
}

/** The policy's action for each observation row: greedy (argmax) or sampled with `rng`. */
export function act(
  runtime: TfRuntime,
  state: Pick<PpoState, "actor" | "observationStats">,
  observations: Float32Array,
  rows: number,
  rng?: Rng,
): Int32Array {
  const { tf } = runtime;
  const input = state.observationStats
    ? state.observationStats.normalize(observations, rows, new Float32Array(observations.length))
    : observations;
  const logits = predictRows(tf, state.actor, input, rows);
  const n = logits.length / rows;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    if (rng) {
      out[r] = sampleCategorical(logits, r * n, n, rng)[0];
      continue;
    }
    let best = 0;
    for (let k = 1; k < n; k++) if (logits[r * n + k]! > logits[r * n + best]!) best = k;
    out[r] = best;
  }
  return out;
}
