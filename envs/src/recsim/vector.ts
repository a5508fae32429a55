import { BanditActionError, BanditConfigError, check, isInt } from "../bandits/errors.js";
import { normalAt } from "../bandits/random.js";
import { LedgerVectorEnv } from "../episode-ledger.js";
import { nextFloat, seedRngState } from "../rng.js";
import type { EnvSpec, Space, VectorEnv } from "../spec.js";
import { type RecsimModel, syntheticRecsimModel, validateRecsimModel } from "./model.js";

export interface RecsimConfig {
  /** Items in the catalogue (synthetic model only). Defaults to 100. */
  numItems?: number;
  /** Latent dimension (synthetic model only). Defaults to 8. */
  latentDim?: number;
  /** Seed of the synthetic catalogue, fixed for the environment. Defaults to 0. */
  catalogueSeed?: number;
  /** A ready model (e.g. `movieLensModel(...)`) instead of the synthetic one. */
  model?: RecsimModel;
  /** Users in one episode's population; one of them arrives each step. Defaults to 20. */
  numUsers?: number;
  /** k, items recommended per step. Defaults to 5. */
  slateSize?: number;
  /** Steps per episode. Defaults to 200. */
  horizon?: number;
  /** Multiplies u·v in the utility. Defaults to 3. */
  affinityScale?: number;
  /** Utility of ignoring the slate (the "no click" choice). Defaults to 3. */
  noClickUtility?: number;
  /** Interests move this fraction of the way towards a clicked item's features. Defaults to 0.05. */
  driftRate?: number;
  /** Fatigue added per exposure, spread over the slate's features. Defaults to 0.1. */
  fatigueRate?: number;
  /** Fatigue kept from one visit of the user to the next. Defaults to 0.8. */
  fatigueDecay?: number;
}

export interface ResolvedRecsimConfig {
  model: RecsimModel;
  numItems: number;
  latentDim: number;
  numUsers: number;
  slateSize: number;
  horizon: number;
  affinityScale: number;
  noClickUtility: number;
  driftRate: number;
  fatigueRate: number;
  fatigueDecay: number;
}

export function resolveRecsimConfig(config: RecsimConfig = {}): ResolvedRecsimConfig {
  if (config.numItems !== undefined)
    check(
      isInt(config.numItems, 1, 1_000_000),
      "numItems (catalogue size)",
      "an integer >= 1",
      config.numItems,
    );
  const model =
    config.model ??
    syntheticRecsimModel(config.numItems ?? 100, config.latentDim ?? 8, config.catalogueSeed ?? 0);
  validateRecsimModel(model);
  const r: ResolvedRecsimConfig = {
    model,
    numItems: model.numItems,
    latentDim: model.latentDim,
    numUsers: config.numUsers ?? 20,
    slateSize: config.slateSize ?? 5,
    horizon: config.horizon ?? 200,
    affinityScale: config.affinityScale ?? 3,
    noClickUtility: config.noClickUtility ?? 3,
    driftRate: config.driftRate ?? 0.05,
    fatigueRate: config.fatigueRate ?? 0.1,
    fatigueDecay: config.fatigueDecay ?? 0.8,
  };
  check(isInt(r.numUsers, 1, 100_000), "numUsers", "an integer >= 1", r.numUsers);
  check(isInt(r.slateSize, 1), "slateSize (k)", "an integer >= 1", r.slateSize);
  if (r.slateSize > r.numItems)
    throw new BanditConfigError(`slateSize (k) must be <= numItems = ${r.numItems}, got ${r.slateSize}`);
  check(isInt(r.horizon, 1, 1e9), "horizon", "an integer >= 1", r.horizon);
  check(Number.isFinite(r.affinityScale), "affinityScale", "a finite number", r.affinityScale);
  check(Number.isFinite(r.noClickUtility), "noClickUtility", "a finite number", r.noClickUtility);
  check(r.driftRate >= 0 && r.driftRate <= 1, "driftRate", "a number in [0, 1]", r.driftRate);
  check(r.fatigueRate >= 0 && Number.isFinite(r.fatigueRate), "fatigueRate", "a number >= 0", r.fatigueRate);
  check(r.fatigueDecay >= 0 && r.fatigueDecay <= 1, "fatigueDecay", "a number in [0, 1]", r.fatigueDecay);
  return r;
}

export function recsimSpec(config: ResolvedRecsimConfig, base?: EnvSpec): EnvSpec {
  if (base)
    return base.maxEpisodeSteps === config.horizon ? base : { ...base, maxEpisodeSteps: config.horizon };
  return {
    id: `recsim-slate-${config.slateSize}`,
    version: 1,
    family: "recommender",
    title: `Recommender, slates of ${config.slateSize}`,
    description: `Simulated users, ${config.numItems} items, slates of ${config.slateSize}, ${config.horizon} steps.`,
    numAgents: 1,
    numTeams: 1,
    tickRate: 0,
    tickSkip: 1,
    maxEpisodeSteps: config.horizon,
    matchFormat: "duplicate",
  };
}

/** Fixed part of the observation before the click-profile vector. */
export const RECSIM_OBS_HEADER = 5;

/**
 * N recommender instances stepped together (RecSim/RecoGym in spirit, struct-of-arrays state, one
 * xoshiro stream per instance, nothing allocated per step).
 *
 * An episode: a population of `numUsers` users, interests drawn from the model's pool; each step one
 * of them arrives (uniformly at random), the agent shows a slate of k distinct items, and the user
 * clicks one or none by a multinomial logit over the slate plus a no-click option (RecSim's
 * conditional choice model): utility s_i = affinityScale · (u - f)·v_i + bias_i, where f is the
 * user's fatigue. Showing a slate adds fatigueRate × the slate's mean feature vector to f (after f
 * decays by fatigueDecay), so repeated exposure to similar items saturates; a click drags u
 * driftRate of the way towards the clicked item. Reward: 1 for a click, else 0.
 *
 * Regret is against the myopic oracle, exact per step: the slate of the k items of highest true
 * current utility, which maximises this step's click probability (the logit is increasing in every
 * shown utility). It ignores the long-run effect of fatigue and drift, so it is not the optimal
 * sequential policy, and per-step regret can be negative.
 *
 * Observation (5 + d numbers): [arriving user's index, t / horizon, slates this user has seen /
 * horizon, this user's click rate so far, item clicked at the previous step (any user; -1: none),
 * mean feature vector of the items this user has clicked (d; zeros before the first click)].
 * Item features are public: `config.model.itemFeatures`.
 */
export class RecsimVectorEnv extends LedgerVectorEnv implements VectorEnv {
  readonly spec: EnvSpec;
  readonly config: ResolvedRecsimConfig;
  readonly numEnvs: number;
  readonly numAgents = 1;
  readonly observationSize: number;
  readonly actionSize: number;
  readonly observations: Float32Array;
  /** Item clicked at the last step per instance, -1 for none. */
  readonly clicks: Int32Array;
  /** Index of the user arriving for the next step, per instance. */
  readonly currentUsers: Int32Array;

  private readonly rngState: Uint32Array;
  private readonly interests: Float64Array;
  private readonly fatigue: Float64Array;
  private readonly profiles: Float64Array;
  private readonly userClicks: Int32Array;
  private readonly userSlates: Int32Array;
  // Scratch buffers, reused every step.
  private readonly utilities: Float64Array;
  private readonly topK: Float64Array;

  constructor(config: RecsimConfig = {}, numEnvs = 1, options: { spec?: EnvSpec; autoReset?: boolean } = {}) {
    check(isInt(numEnvs, 1, 1 << 24), "numEnvs", "an integer >= 1", numEnvs);
    const c = resolveRecsimConfig(config);
    super(numEnvs, c.horizon, options.autoReset ?? true);
    this.config = c;
    this.spec = recsimSpec(c, options.spec);
    this.numEnvs = numEnvs;
    const d = c.latentDim;
    const U = c.numUsers;
    this.observationSize = RECSIM_OBS_HEADER + d;
    this.actionSize = c.slateSize;
    this.observations = new Float32Array(numEnvs * this.observationSize);
    this.clicks = new Int32Array(numEnvs);
    this.currentUsers = new Int32Array(numEnvs);
    this.rngState = new Uint32Array(numEnvs * 4);
    this.interests = new Float64Array(numEnvs * U * d);
    this.fatigue = new Float64Array(numEnvs * U * d);
    this.profiles = new Float64Array(numEnvs * U * d);
    this.userClicks = new Int32Array(numEnvs * U);
    this.userSlates = new Int32Array(numEnvs * U);
    this.utilities = new Float64Array(c.numItems);
    this.topK = new Float64Array(c.slateSize);
  }

  get observationSpace(): Space {
    return {
      kind: "box",
      shape: [this.observationSize],
      low: -1,
      high: Math.max(this.config.numUsers, this.config.numItems),
    };
  }

  get actionSpace(): Space {
    return {
      kind: "multi-discrete",
      nvec: Array.from({ length: this.config.slateSize }, () => this.config.numItems),
    };
  }

  step(actions: Float32Array): void {
    this.checkStarted();
    const k = this.config.slateSize;
    const M = this.config.numItems;
    if (actions.length < this.numEnvs * k)
      throw new BanditActionError(
        `actions must hold numEnvs × k = ${this.numEnvs * k} item indices, got ${actions.length}`,
      );
    for (let e = 0; e < this.numEnvs; e++) {
      this.checkRunning(e);
      for (let j = 0; j < k; j++) {
        const item = actions[e * k + j]!;
        if (!(item >= 0 && item < M && Number.isInteger(item)))
          throw new BanditActionError(
            `slate of instance ${e}, position ${j}: item must be in [0, ${M}), got ${item}`,
          );
        for (let i = 0; i < j; i++)
          if (actions[e * k + i] === item)
            throw new BanditActionError(
              `slate of instance ${e} shows item ${item} twice (positions ${i} and ${j})`,
            );
      }
      this.stepInstance(e, actions, e * k);
    }
  }

  protected override resetInstance(e: number, seed: number, stream: number): void {
    const c = this.config;
    const d = c.latentDim;
    const U = c.numUsers;
    const rng = this.rngState;
    const o = e * 4;
    seedRngState(rng, o, seed, stream);
    const pool = c.model.userPool;
    const poolSize = pool.length / d;
    for (let u = 0; u < U; u++) {
      const src = Math.floor(nextFloat(rng, o) * poolSize) * d;
      const dst = (e * U + u) * d;
      for (let i = 0; i < d; i++) {
        const noise = c.model.userNoise > 0 ? c.model.userNoise * normalAt(rng, o) : 0;
        this.interests[dst + i] = pool[src + i]! + noise;
      }
    }
    this.fatigue.fill(0, e * U * d, (e + 1) * U * d);
    this.profiles.fill(0, e * U * d, (e + 1) * U * d);
    this.userClicks.fill(0, e * U, (e + 1) * U);
    this.userSlates.fill(0, e * U, (e + 1) * U);
    this.startEpisode(e);
    this.clicks[e] = -1;
    this.currentUsers[e] = Math.floor(nextFloat(rng, o) * U);
    this.writeObservation(e);
  }

  /** Utility of `item` for user slot `us` (offset of the user's vectors). */
  private utility(us: number, item: number): number {
    const c = this.config;
    const d = c.latentDim;
    const v = c.model.itemFeatures;
    let dot = 0;
    for (let i = 0; i < d; i++) dot += (this.interests[us + i]! - this.fatigue[us + i]!) * v[item * d + i]!;
    return c.affinityScale * dot + c.model.itemBias[item]!;
  }

  private stepInstance(e: number, actions: Float32Array, a0: number): void {
    const c = this.config;
    const d = c.latentDim;
    const k = c.slateSize;
    const M = c.numItems;
    const U = c.numUsers;
    const rng = this.rngState;
    const o = e * 4;
    const user = this.currentUsers[e]!;
    const us = (e * U + user) * d;
    // Utilities of every item, for the oracle's top k and the chosen slate.
    const util = this.utilities;
    let maxU = c.noClickUtility;
    for (let i = 0; i < M; i++) {
      const s = this.utility(us, i);
      util[i] = s;
      if (s > maxU) maxU = s;
    }
    // Oracle: the k largest utilities (insertion into a sorted scratch array; k is small).
    const top = this.topK;
    top.fill(Number.NEGATIVE_INFINITY);
    for (let i = 0; i < M; i++) {
      const s = util[i]!;
      if (s <= top[k - 1]!) continue;
      let j = k - 1;
      while (j > 0 && top[j - 1]! < s) {
        top[j] = top[j - 1]!;
        j--;
      }
      top[j] = s;
    }
    // Shift by the largest utility so exp never overflows.
    const noClick = Math.exp(c.noClickUtility - maxU);
    let oracleSum = 0;
    for (let j = 0; j < k; j++) oracleSum += Math.exp(top[j]! - maxU);
    let slateSum = 0;
    for (let j = 0; j < k; j++) slateSum += Math.exp(util[actions[a0 + j]!]! - maxU);
    const oracle = oracleSum / (noClick + oracleSum);
    const expected = slateSum / (noClick + slateSum);
    // The user's choice: one uniform, walked along [no click, slate items].
    let x = nextFloat(rng, o) * (noClick + slateSum) - noClick;
    let clicked = -1;
    if (x >= 0) {
      for (let j = 0; j < k; j++) {
        const item = actions[a0 + j]!;
        x -= Math.exp(util[item]! - maxU);
        if (x < 0 || j === k - 1) {
          clicked = item;
          break;
        }
      }
    }
    // Fatigue: decay, then add the slate's mean features.
    const v = c.model.itemFeatures;
    const perItem = c.fatigueRate / k;
    for (let i = 0; i < d; i++) {
      let f = c.fatigueDecay * this.fatigue[us + i]!;
      for (let j = 0; j < k; j++) f += perItem * v[actions[a0 + j]! * d + i]!;
      this.fatigue[us + i] = f;
    }
    this.userSlates[e * U + user]!++;
    if (clicked >= 0) {
      this.userClicks[e * U + user]!++;
      for (let i = 0; i < d; i++) {
        const vi = v[clicked * d + i]!;
        this.interests[us + i]! += c.driftRate * (vi - this.interests[us + i]!);
        this.profiles[us + i]! += vi;
      }
    }
    this.clicks[e] = clicked;
    // The next user, drawn every step (so arrivals do not depend on the agent).
    this.currentUsers[e] = Math.floor(nextFloat(rng, o) * U);
    // An ended episode with automatic reset has its next observation written already.
    if (this.record(e, clicked >= 0 ? 1 : 0, oracle, expected)) return;
    this.writeObservation(e);
  }

  private writeObservation(e: number): void {
    const c = this.config;
    const d = c.latentDim;
    const U = c.numUsers;
    const base = e * this.observationSize;
    const obs = this.observations;
    const user = this.currentUsers[e]!;
    const slot = e * U + user;
    const seen = this.userSlates[slot]!;
    const clicked = this.userClicks[slot]!;
    obs[base] = user;
    obs[base + 1] = this.steps[e]! / c.horizon;
    obs[base + 2] = seen / c.horizon;
    obs[base + 3] = seen === 0 ? 0 : clicked / seen;
    obs[base + 4] = this.clicks[e]!;
    for (let i = 0; i < d; i++)
      obs[base + RECSIM_OBS_HEADER + i] = clicked === 0 ? 0 : this.profiles[slot * d + i]! / clicked;
  }
}
