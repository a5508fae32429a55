/**
 * A baseline policy, driven the same way by the trainer's evaluation, the league's match runner and
 * the CLI: `reset(seed)` before an episode, then per step `act(observation)` → action and
 * `update(action, reward, nextObservation)`. Actions are Float32Arrays in the environment's own
 * form: `[arm]` for a bandit, `[item_0, …, item_{k-1}]` (a slate, best first) for the recommender.
 * Randomness comes only from the seed (an `Rng` from @league/envs).
 */
export interface BaselinePolicy {
  readonly name: string;
  /** Forget everything learned and re-seed the policy's randomness. */
  reset(seed: number): void;
  act(observation: Float32Array): Float32Array;
  update(action: Float32Array, reward: number, observation: Float32Array): void;
}

export type BaselineFamily = "bandit" | "recommender";

/**
 * Everything a baseline may need to know about its environment (filled in from the environment
 * by `baselineParamsFor`) and its own knobs. Unused fields are ignored.
 */
export interface BaselineParams {
  /** K, arms of a bandit. */
  numArms?: number;
  /** d, context dimension of a contextual bandit. */
  contextDim?: number;
  /** Known reward noise of a Gaussian bandit (Gaussian Thompson sampling). */
  sigma?: number;
  /** τ_max of an LSD bandit (the switching-aware baseline buckets states by it). */
  tauMax?: number;
  /** Epsilon of epsilon-greedy (bandit) and of the exploring recommenders. */
  epsilon?: number;
  /** Exploration scale of UCB-style policies (LinUCB's α; SW-UCB's ξ). */
  alpha?: number;
  /** Window of sliding-window UCB, in steps. */
  window?: number;
  /** Discount γ of discounted Thompson sampling. */
  discount?: number;
  /** Recommender: catalogue size, slate size k, users in an episode, latent dimension, item features. */
  numItems?: number;
  slateSize?: number;
  numUsers?: number;
  latentDim?: number;
  itemFeatures?: Float32Array;
  /** Factors of matrix factorisation. */
  rank?: number;
  /** Learning rate of matrix factorisation. */
  learningRate?: number;
}

/** Thrown for an unknown baseline or a parameter a baseline needs and did not get. */
export class BaselineConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BaselineConfigError";
  }
}
