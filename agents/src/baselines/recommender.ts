import { RECSIM_OBS_HEADER, Rng } from "@league/envs";
import { BaselineConfigError, type BaselineParams, type BaselinePolicy } from "./types.js";
import { InverseGram, numberIn, requireInt, topK } from "./util.js";

// Observation fields of the recommender (see RecsimVectorEnv): who arrives, and what was clicked last step.
const OBS_USER = 0;
const OBS_LAST_CLICK = 4;
const POLICY_STREAM = 0x5e1a7e;

/** Shared shape of the slate policies: k distinct items out of M, one action buffer. */
abstract class SlatePolicy implements BaselinePolicy {
  abstract readonly name: string;
  protected rng = new Rng(0, POLICY_STREAM);
  protected readonly slate: Float32Array;
  protected readonly scores: Float64Array;

  constructor(
    readonly numItems: number,
    readonly slateSize: number,
  ) {
    if (slateSize > numItems)
      throw new BaselineConfigError(`slateSize (k) must be <= numItems = ${numItems}, got ${slateSize}`);
    this.slate = new Float32Array(slateSize);
    this.scores = new Float64Array(numItems);
  }

  reset(seed: number): void {
    this.rng = new Rng(seed, POLICY_STREAM);
  }

  abstract act(observation: Float32Array): Float32Array;

  update(_action: Float32Array, _reward: number, _observation: Float32Array): void {}

  /** Replaces each slate position, with probability ε, by a random item not already shown. */
  protected explore(epsilon: number): void {
    if (epsilon <= 0) return;
    for (let j = 0; j < this.slateSize; j++) {
      if (this.rng.float() >= epsilon) continue;
      for (;;) {
        const item = this.rng.int(this.numItems);
        if (!this.slate.includes(item)) {
          this.slate[j] = item;
          break;
        }
      }
    }
  }
}

/** k distinct items uniformly at random. */
export class RandomSlatePolicy extends SlatePolicy {
  readonly name = "rec-random";
  act(): Float32Array {
    for (let i = 0; i < this.numItems; i++) this.scores[i] = this.rng.float();
    return topK(this.scores, this.slate);
  }
}

/**
 * Popularity: the k items clicked most so far (by anyone), ties broken by a random order fixed at
 * reset. The classic non-personalised baseline; it locks onto whatever got clicked first.
 */
export class PopularityPolicy extends SlatePolicy {
  readonly name = "popularity";
  private readonly clickCounts: Float64Array;
  private readonly tieBreak: Float64Array;
  constructor(numItems: number, slateSize: number) {
    super(numItems, slateSize);
    this.clickCounts = new Float64Array(numItems);
    this.tieBreak = new Float64Array(numItems);
  }
  override reset(seed: number): void {
    super.reset(seed);
    this.clickCounts.fill(0);
    for (let i = 0; i < this.numItems; i++) this.tieBreak[i] = this.rng.float();
  }
  act(): Float32Array {
    for (let i = 0; i < this.numItems; i++) this.scores[i] = this.clickCounts[i]! + 0.5 * this.tieBreak[i]!;
    return topK(this.scores, this.slate);
  }
  override update(_action: Float32Array, _reward: number, observation: Float32Array): void {
    const clicked = observation[OBS_LAST_CLICK]!;
    if (clicked >= 0) this.clickCounts[clicked]!++;
  }
}

/**
 * Online matrix factorisation for implicit feedback: per user and item factors and an item bias,
 * trained by SGD on the logistic loss of every shown item (clicked: 1, ignored: 0); the slate is the
 * top k by predicted score, each position explored with probability ε.
 */
export class MatrixFactorisationPolicy extends SlatePolicy {
  readonly name = "mf";
  private readonly userFactors: Float64Array;
  private readonly itemFactors: Float64Array;
  private readonly itemBias: Float64Array;
  private user = 0;
  constructor(
    numItems: number,
    slateSize: number,
    readonly numUsers: number,
    readonly rank: number,
    readonly learningRate: number,
    readonly epsilon: number,
  ) {
    super(numItems, slateSize);
    this.userFactors = new Float64Array(numUsers * rank);
    this.itemFactors = new Float64Array(numItems * rank);
    this.itemBias = new Float64Array(numItems);
  }
  override reset(seed: number): void {
    super.reset(seed);
    for (let i = 0; i < this.userFactors.length; i++) this.userFactors[i] = this.rng.normal(0, 0.1);
    for (let i = 0; i < this.itemFactors.length; i++) this.itemFactors[i] = this.rng.normal(0, 0.1);
    this.itemBias.fill(0);
  }
  private score(user: number, item: number): number {
    let s = this.itemBias[item]!;
    for (let f = 0; f < this.rank; f++)
      s += this.userFactors[user * this.rank + f]! * this.itemFactors[item * this.rank + f]!;
    return s;
  }
  act(observation: Float32Array): Float32Array {
    this.user = Math.min(this.numUsers - 1, Math.max(0, observation[OBS_USER]!));
    for (let i = 0; i < this.numItems; i++) this.scores[i] = this.score(this.user, i);
    topK(this.scores, this.slate);
    this.explore(this.epsilon);
    return this.slate;
  }
  override update(action: Float32Array, _reward: number, observation: Float32Array): void {
    const clicked = observation[OBS_LAST_CLICK]!;
    const r = this.rank;
    const lr = this.learningRate;
    const reg = 0.01;
    const u = this.user * r;
    for (let j = 0; j < action.length; j++) {
      const item = action[j]!;
      const y = item === clicked ? 1 : 0;
      const err = y - 1 / (1 + Math.exp(-this.score(this.user, item)));
      this.itemBias[item]! += lr * err;
      for (let f = 0; f < r; f++) {
        const pu = this.userFactors[u + f]!;
        const qi = this.itemFactors[item * r + f]!;
        this.userFactors[u + f] = pu + lr * (err * qi - reg * pu);
        this.itemFactors[item * r + f] = qi + lr * (err * pu - reg * qi);
      }
    }
  }
}

/**
 * LinUCB over slates: one shared ridge regression of "this item is clicked" on the features
 * φ(user, item) = [v_i ⊙ p_u, v_i, 1], where v_i are the public item features and p_u the user's
 * click profile from the observation; the slate is the k items of highest UCB index, and every
 * shown item is a training example (clicked: 1, else 0).
 */
export class LinUcbSlatePolicy extends SlatePolicy {
  readonly name = "linucb-slate";
  private readonly dim: number;
  private gram: InverseGram;
  private readonly b: Float64Array;
  private readonly theta: Float64Array;
  private readonly phis: Float64Array;
  private readonly phi: Float64Array;
  constructor(
    numItems: number,
    slateSize: number,
    readonly latentDim: number,
    readonly itemFeatures: Float32Array,
    readonly alpha: number,
  ) {
    super(numItems, slateSize);
    if (itemFeatures.length !== numItems * latentDim)
      throw new BaselineConfigError(
        `linucb-slate: itemFeatures must hold numItems × latentDim = ${numItems * latentDim} numbers, got ${itemFeatures.length}`,
      );
    this.dim = 2 * latentDim + 1;
    this.gram = new InverseGram(this.dim);
    this.b = new Float64Array(this.dim);
    this.theta = new Float64Array(this.dim);
    this.phis = new Float64Array(numItems * this.dim);
    this.phi = new Float64Array(this.dim);
  }
  override reset(seed: number): void {
    super.reset(seed);
    this.gram = new InverseGram(this.dim);
    this.b.fill(0);
  }
  act(observation: Float32Array): Float32Array {
    const d = this.latentDim;
    const D = this.dim;
    this.gram.mul(this.b, this.theta);
    for (let i = 0; i < this.numItems; i++) {
      const phi = this.phi;
      for (let f = 0; f < d; f++) {
        const v = this.itemFeatures[i * d + f]!;
        phi[f] = v * observation[RECSIM_OBS_HEADER + f]!;
        phi[d + f] = v;
      }
      phi[2 * d] = 1;
      this.phis.set(phi, i * D);
      let mean = 0;
      for (let f = 0; f < D; f++) mean += this.theta[f]! * phi[f]!;
      this.scores[i] = mean + this.alpha * Math.sqrt(Math.max(0, this.gram.quad(phi)));
    }
    return topK(this.scores, this.slate);
  }
  override update(action: Float32Array, _reward: number, observation: Float32Array): void {
    const clicked = observation[OBS_LAST_CLICK]!;
    const D = this.dim;
    for (let j = 0; j < action.length; j++) {
      const item = action[j]!;
      const phi = this.phis.subarray(item * D, (item + 1) * D);
      this.gram.add(phi);
      if (item === clicked) for (let f = 0; f < D; f++) this.b[f]! += phi[f]!;
    }
  }
}

export function createRecommenderBaseline(name: string, params: BaselineParams): BaselinePolicy | null {
  const M = () => requireInt(params, "numItems", name, 1);
  const k = () => requireInt(params, "slateSize", name, 1);
  switch (name) {
    case "rec-random":
      return new RandomSlatePolicy(M(), k());
    case "popularity":
      return new PopularityPolicy(M(), k());
    case "mf":
      return new MatrixFactorisationPolicy(
        M(),
        k(),
        requireInt(params, "numUsers", name, 1),
        requireInt({ rank: params.rank ?? 8 }, "rank", name, 1),
        numberIn(params, "learningRate", name, 0.1, 0, 10),
        numberIn(params, "epsilon", name, 0.1, 0, 1),
      );
    case "linucb-slate": {
      const features = params.itemFeatures;
      if (!(features instanceof Float32Array))
        throw new BaselineConfigError("linucb-slate: itemFeatures must be a Float32Array, got none");
      return new LinUcbSlatePolicy(
        M(),
        k(),
        requireInt(params, "latentDim", name, 1),
        features,
        numberIn(params, "alpha", name, 0.5, 0, 100),
      );
    }
    default:
      return null;
  }
}
