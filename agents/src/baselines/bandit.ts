import { Rng } from "@league/envs";
import type { BaselineParams, BaselinePolicy } from "./types.js";
import { argmaxRandomTie, InverseGram, numberIn, requireInt, sampleBeta } from "./util.js";

// Each policy's own random stream is Rng(seed, POLICY_STREAM): never the environment's stream.
const POLICY_STREAM = 0x9011c7;

/** Shared bookkeeping of the index policies: pulls and reward sums per arm, one action buffer. */
abstract class ArmPolicy implements BaselinePolicy {
  abstract readonly name: string;
  protected rng = new Rng(0, POLICY_STREAM);
  protected readonly pulls: Float64Array;
  protected readonly sums: Float64Array;
  protected readonly scores: Float64Array;
  protected t = 0;
  private readonly action = new Float32Array(1);

  constructor(readonly numArms: number) {
    this.pulls = new Float64Array(numArms);
    this.sums = new Float64Array(numArms);
    this.scores = new Float64Array(numArms);
  }

  reset(seed: number): void {
    this.rng = new Rng(seed, POLICY_STREAM);
    this.pulls.fill(0);
    this.sums.fill(0);
    this.t = 0;
  }

  protected abstract choose(observation: Float32Array): number;

  act(observation: Float32Array): Float32Array {
    this.action[0] = this.choose(observation);
    return this.action;
  }

  update(action: Float32Array, reward: number, _observation: Float32Array): void {
    const arm = action[0]!;
    this.pulls[arm]!++;
    this.sums[arm]! += reward;
    this.t++;
  }

  /** An arm never pulled, chosen at random, or -1. */
  protected unpulled(): number {
    for (let k = 0; k < this.numArms; k++) this.scores[k] = this.pulls[k] === 0 ? 1 : 0;
    const k = argmaxRandomTie(this.scores, this.rng);
    return this.pulls[k] === 0 ? k : -1;
  }
}

/** Uniform random arm: the floor every learner must beat. */
export class RandomArmPolicy extends ArmPolicy {
  readonly name = "random";
  protected choose(): number {
    return this.rng.int(this.numArms);
  }
}

/** ε-greedy (greedy when ε = 0): explore a random arm with probability ε, else the best sample mean. */
export class EpsilonGreedyPolicy extends ArmPolicy {
  readonly name: string;
  constructor(
    numArms: number,
    readonly epsilon: number,
  ) {
    super(numArms);
    this.name = epsilon === 0 ? "greedy" : "epsilon-greedy";
  }
  protected choose(): number {
    const fresh = this.unpulled();
    if (fresh >= 0) return fresh;
    if (this.epsilon > 0 && this.rng.float() < this.epsilon) return this.rng.int(this.numArms);
    for (let k = 0; k < this.numArms; k++) this.scores[k] = this.sums[k]! / this.pulls[k]!;
    return argmaxRandomTie(this.scores, this.rng);
  }
}

/** UCB1 (Auer, Cesa-Bianchi and Fischer 2002): mean + sqrt(2 ln t / n), rewards in [0, 1]. */
export class Ucb1Policy extends ArmPolicy {
  readonly name = "ucb1";
  protected choose(): number {
    const fresh = this.unpulled();
    if (fresh >= 0) return fresh;
    const logT = Math.log(this.t);
    for (let k = 0; k < this.numArms; k++) {
      const n = this.pulls[k]!;
      this.scores[k] = this.sums[k]! / n + Math.sqrt((2 * logT) / n);
    }
    return argmaxRandomTie(this.scores, this.rng);
  }
}

/** Thompson sampling with a Beta(1, 1) prior per arm (Bernoulli rewards; others are clipped to [0, 1]). */
export class BernoulliThompsonPolicy extends ArmPolicy {
  readonly name = "thompson-bernoulli";
  protected choose(): number {
    for (let k = 0; k < this.numArms; k++) {
      const s = this.sums[k]!;
      this.scores[k] = sampleBeta(this.rng, 1 + s, 1 + this.pulls[k]! - s);
    }
    return argmaxRandomTie(this.scores, this.rng);
  }
  override update(action: Float32Array, reward: number, observation: Float32Array): void {
    super.update(action, Math.min(1, Math.max(0, reward)), observation);
  }
}

/**
 * Thompson sampling for Gaussian arms with known noise σ and a N(0, σ²·priorScale) prior: the
 * posterior of an arm after n pulls summing to s is N(s / (n + 1/priorScale), σ² / (n + 1/priorScale)).
 */
export class GaussianThompsonPolicy extends ArmPolicy {
  readonly name = "thompson-gaussian";
  constructor(
    numArms: number,
    readonly sigma: number,
  ) {
    super(numArms);
  }
  protected choose(): number {
    for (let k = 0; k < this.numArms; k++) {
      const precision = this.pulls[k]! + 1;
      this.scores[k] = this.sums[k]! / precision + (this.sigma / Math.sqrt(precision)) * this.rng.normal();
    }
    return argmaxRandomTie(this.scores, this.rng);
  }
}

/**
 * Sliding-window UCB (Garivier and Moulines 2011) for abrupt changes: statistics over the last
 * `window` pulls only, index mean + sqrt(ξ ln min(t, window) / n), ξ = `alpha` (default 0.6).
 */
export class SlidingWindowUcbPolicy extends ArmPolicy {
  readonly name = "sw-ucb";
  private readonly arms: Int32Array;
  private readonly rewardsSeen: Float64Array;
  constructor(
    numArms: number,
    readonly window: number,
    readonly xi: number,
  ) {
    super(numArms);
    this.arms = new Int32Array(window);
    this.rewardsSeen = new Float64Array(window);
  }
  protected choose(): number {
    const fresh = this.unpulled();
    if (fresh >= 0) return fresh;
    const logT = Math.log(Math.min(this.t, this.window));
    for (let k = 0; k < this.numArms; k++) {
      const n = this.pulls[k]!;
      this.scores[k] =
        n === 0 ? Number.POSITIVE_INFINITY : this.sums[k]! / n + Math.sqrt((this.xi * logT) / n);
    }
    return argmaxRandomTie(this.scores, this.rng);
  }
  override update(action: Float32Array, reward: number, observation: Float32Array): void {
    const slot = this.t % this.window;
    if (this.t >= this.window) {
      // The pull leaving the window is forgotten.
      const old = this.arms[slot]!;
      this.pulls[old]!--;
      this.sums[old]! -= this.rewardsSeen[slot]!;
    }
    this.arms[slot] = action[0]!;
    this.rewardsSeen[slot] = reward;
    super.update(action, reward, observation);
  }
  protected override unpulled(): number {
    // Only at the very start: later, an arm that left the window gets an infinite index instead.
    return this.t < this.numArms ? this.t : -1;
  }
}

/**
 * Discounted Thompson sampling (Raj and Kalyani 2017): Beta(1 + S_k, 1 + F_k) where every
 * success and failure count decays by γ = `discount` each step, so old evidence fades.
 */
export class DiscountedThompsonPolicy extends ArmPolicy {
  readonly name = "discounted-thompson";
  private readonly failures: Float64Array;
  constructor(
    numArms: number,
    readonly discount: number,
  ) {
    super(numArms);
    this.failures = new Float64Array(numArms);
  }
  override reset(seed: number): void {
    super.reset(seed);
    this.failures.fill(0);
  }
  protected choose(): number {
    for (let k = 0; k < this.numArms; k++)
      this.scores[k] = sampleBeta(this.rng, 1 + this.sums[k]!, 1 + this.failures[k]!);
    return argmaxRandomTie(this.scores, this.rng);
  }
  override update(action: Float32Array, reward: number, _observation: Float32Array): void {
    const r = Math.min(1, Math.max(0, reward));
    for (let k = 0; k < this.numArms; k++) {
      this.sums[k]! *= this.discount;
      this.failures[k]! *= this.discount;
    }
    this.sums[action[0]!]! += r;
    this.failures[action[0]!]! += 1 - r;
    this.t++;
  }
}

/**
 * Switching-aware Thompson sampling for last-switch-dependent bandits: a Beta(1, 1) posterior per
 * (arm, last-switch state) pair, reading each arm's signed state τ_k / τ_max from the observation
 * (see `BanditVectorEnv`), states coarsened to "staying n = 1, 2, ≥ 3 pulls" and "idle m = 1, 2, ≥ 3
 * rounds" (`stateCap`) so that 6 pairs per arm are learnt, not 2·τ_max. It learns what an arm pays
 * *in its current state* (satiated, recharging, fresh) and picks the best sample now — myopic, but
 * it knows that staying costs.
 */
export class StateThompsonPolicy extends ArmPolicy {
  readonly name = "state-thompson";
  private readonly buckets: number;
  private readonly statePulls: Float64Array;
  private readonly stateSums: Float64Array;
  private lastBucket = 0;
  constructor(
    numArms: number,
    readonly tauMax: number,
    readonly stateCap = 3,
  ) {
    super(numArms);
    this.buckets = 2 * stateCap;
    this.statePulls = new Float64Array(numArms * this.buckets);
    this.stateSums = new Float64Array(numArms * this.buckets);
  }
  override reset(seed: number): void {
    super.reset(seed);
    this.statePulls.fill(0);
    this.stateSums.fill(0);
  }
  private bucket(observation: Float32Array, k: number): number {
    const tau = Math.round((observation[this.numArms + 2 + k] ?? -1) * this.tauMax);
    const level = Math.min(Math.abs(tau), this.stateCap) - 1; // 0 … stateCap-1
    return k * this.buckets + (tau > 0 ? level : this.stateCap + level);
  }
  protected choose(observation: Float32Array): number {
    for (let k = 0; k < this.numArms; k++) {
      const b = this.bucket(observation, k);
      const s = this.stateSums[b]!;
      this.scores[k] = sampleBeta(this.rng, 1 + s, 1 + this.statePulls[b]! - s);
    }
    const arm = argmaxRandomTie(this.scores, this.rng);
    this.lastBucket = this.bucket(observation, arm);
    return arm;
  }
  override update(action: Float32Array, reward: number, observation: Float32Array): void {
    this.statePulls[this.lastBucket]!++;
    this.stateSums[this.lastBucket]! += Math.min(1, Math.max(0, reward));
    super.update(action, reward, observation);
  }
}

/**
 * LinUCB, disjoint model (Li, Chu, Langford and Schapire 2010): per arm a ridge regression of the
 * reward on the context (the observation), index θ_k·x + α sqrt(xᵀ A_k⁻¹ x).
 */
export class LinUcbPolicy implements BaselinePolicy {
  readonly name = "linucb";
  private rng = new Rng(0, POLICY_STREAM);
  private grams: InverseGram[] = [];
  private readonly b: Float64Array;
  private readonly theta: Float64Array;
  private readonly scores: Float64Array;
  private readonly context: Float64Array;
  private readonly action = new Float32Array(1);
  constructor(
    readonly numArms: number,
    readonly contextDim: number,
    readonly alpha: number,
  ) {
    this.b = new Float64Array(numArms * contextDim);
    this.theta = new Float64Array(contextDim);
    this.scores = new Float64Array(numArms);
    this.context = new Float64Array(contextDim);
    this.reset(0);
  }
  reset(seed: number): void {
    this.rng = new Rng(seed, POLICY_STREAM);
    this.grams = Array.from({ length: this.numArms }, () => new InverseGram(this.contextDim));
    this.b.fill(0);
  }
  act(observation: Float32Array): Float32Array {
    const d = this.contextDim;
    for (let i = 0; i < d; i++) this.context[i] = observation[i]!;
    for (let k = 0; k < this.numArms; k++) {
      const g = this.grams[k]!;
      g.mul(this.b.subarray(k * d, (k + 1) * d), this.theta);
      let mean = 0;
      for (let i = 0; i < d; i++) mean += this.theta[i]! * this.context[i]!;
      this.scores[k] = mean + this.alpha * Math.sqrt(Math.max(0, g.quad(this.context)));
    }
    this.action[0] = argmaxRandomTie(this.scores, this.rng);
    return this.action;
  }
  update(action: Float32Array, reward: number, _observation: Float32Array): void {
    const k = action[0]!;
    const d = this.contextDim;
    this.grams[k]!.add(this.context);
    for (let i = 0; i < d; i++) this.b[k * d + i]! += reward * this.context[i]!;
  }
}

export function createBanditBaseline(name: string, params: BaselineParams): BaselinePolicy | null {
  const K = () => requireInt(params, "numArms", name, 2);
  switch (name) {
    case "random":
      return new RandomArmPolicy(K());
    case "greedy":
      return new EpsilonGreedyPolicy(K(), 0);
    case "epsilon-greedy":
      return new EpsilonGreedyPolicy(K(), numberIn(params, "epsilon", name, 0.1, 0, 1));
    case "ucb1":
      return new Ucb1Policy(K());
    case "thompson-bernoulli":
      return new BernoulliThompsonPolicy(K());
    case "thompson-gaussian":
      return new GaussianThompsonPolicy(K(), numberIn(params, "sigma", name, 1, 1e-9, Number.MAX_VALUE));
    case "sw-ucb":
      return new SlidingWindowUcbPolicy(
        K(),
        requireInt({ window: params.window ?? 200 }, "window", name, 1),
        numberIn(params, "alpha", name, 0.6, 0, 100),
      );
    case "discounted-thompson":
      return new DiscountedThompsonPolicy(K(), numberIn(params, "discount", name, 0.95, 0, 1));
    case "state-thompson":
      return new StateThompsonPolicy(K(), requireInt({ tauMax: params.tauMax ?? 8 }, "tauMax", name, 1));
    case "linucb":
      return new LinUcbPolicy(
        K(),
        requireInt(params, "contextDim", name, 1),
        numberIn(params, "alpha", name, 1, 0, 100),
      );
    default:
      return null;
  }
}
