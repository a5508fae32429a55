import { BanditEnv, type ParallelEnv, RecsimEnv } from "@league/envs";
import { createBanditBaseline } from "./bandit.js";
import { createRecommenderBaseline } from "./recommender.js";
import {
  BaselineConfigError,
  type BaselineFamily,
  type BaselineParams,
  type BaselinePolicy,
} from "./types.js";

export interface BaselineInfo {
  name: string;
  family: BaselineFamily;
  description: string;
}

/** Every baseline by name, with the family of environments it plays. */
export const BASELINES: readonly BaselineInfo[] = Object.freeze([
  { name: "random", family: "bandit", description: "Uniformly random arm." },
  { name: "greedy", family: "bandit", description: "Best sample mean, after one pull of each arm." },
  { name: "epsilon-greedy", family: "bandit", description: "Greedy, random arm with probability ε (0.1)." },
  { name: "ucb1", family: "bandit", description: "UCB1 (Auer et al. 2002)." },
  { name: "thompson-bernoulli", family: "bandit", description: "Thompson sampling, Beta(1, 1) prior." },
  {
    name: "thompson-gaussian",
    family: "bandit",
    description: "Thompson sampling, Gaussian arms of known σ.",
  },
  {
    name: "sw-ucb",
    family: "bandit",
    description: "Sliding-window UCB (Garivier and Moulines 2011), window 200.",
  },
  {
    name: "discounted-thompson",
    family: "bandit",
    description: "Discounted Thompson sampling (Raj and Kalyani 2017), γ 0.95.",
  },
  {
    name: "state-thompson",
    family: "bandit",
    description: "Thompson over (arm, last-switch state): switching-aware, for LSD.",
  },
  { name: "linucb", family: "bandit", description: "Disjoint LinUCB (Li et al. 2010), contextual bandits." },
  { name: "rec-random", family: "recommender", description: "k random items." },
  { name: "popularity", family: "recommender", description: "The k most clicked items." },
  { name: "mf", family: "recommender", description: "Online matrix factorisation, ε-greedy slates." },
  {
    name: "linucb-slate",
    family: "recommender",
    description: "LinUCB on item × user-profile features, top-k slates.",
  },
] satisfies BaselineInfo[]);

/** A baseline by name, e.g. `createBaseline("ucb1", { numArms: 10 })`. */
export function createBaseline(name: string, params: BaselineParams = {}): BaselinePolicy {
  const policy = createBanditBaseline(name, params) ?? createRecommenderBaseline(name, params);
  if (!policy)
    throw new BaselineConfigError(
      `unknown baseline "${name}"; known: ${BASELINES.map((b) => b.name).join(", ")}`,
    );
  return policy;
}

/**
 * The baselines that make sense on an environment: recommender baselines on recommenders;
 * on bandits the context-free ones (Thompson in the form matching the reward distribution), plus
 * LinUCB where there is a context and the switching-aware one on LSD bandits.
 */
export function baselinesFor(env: ParallelEnv<Float32Array, Float32Array>): string[] {
  if (env instanceof RecsimEnv) return BASELINES.filter((b) => b.family === "recommender").map((b) => b.name);
  const kind = env instanceof BanditEnv ? env.config.kind : "bernoulli";
  const names = ["random", "greedy", "epsilon-greedy", "ucb1"];
  if (kind === "contextual") return [...names, "linucb"];
  if (kind === "gaussian") return [...names, "thompson-gaussian"];
  names.push("thompson-bernoulli");
  if (kind === "switching" || kind === "drifting" || kind === "lsd")
    names.push("sw-ucb", "discounted-thompson");
  if (kind === "lsd") names.push("state-thompson");
  return names;
}

/** What an environment tells its baselines: arms, context size, noise, τ_max; or catalogue and slate. */
export function baselineParamsFor(env: ParallelEnv<Float32Array, Float32Array>): BaselineParams {
  if (env instanceof BanditEnv) {
    const c = env.config;
    return {
      numArms: c.numArms,
      ...(c.kind === "contextual" ? { contextDim: c.contextDim } : {}),
      ...(c.kind === "gaussian" ? { sigma: c.sigma } : {}),
      ...(c.lsd ? { tauMax: c.lsd.tauMax } : {}),
    };
  }
  if (env instanceof RecsimEnv) {
    const c = env.config;
    return {
      numItems: c.numItems,
      slateSize: c.slateSize,
      numUsers: c.numUsers,
      latentDim: c.latentDim,
      itemFeatures: c.model.itemFeatures,
    };
  }
  if (env.actionSpace.kind === "discrete") return { numArms: env.actionSpace.n };
  return {};
}
