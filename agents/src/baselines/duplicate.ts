import { type DuplicateEnvOverrides, makeDuplicateEnv, type ParallelEnv, PLAYER } from "@league/envs";
import { baselineParamsFor, createBaseline } from "./registry.js";
import { BaselineConfigError, type BaselineParams, type BaselinePolicy } from "./types.js";

/** An entrant: a baseline by name (its parameters filled in from the environment), or a policy object. */
export type DuplicateEntrant =
  | string
  | { baseline: string; params?: BaselineParams; label?: string }
  | BaselinePolicy;

export interface PlayDuplicateOptions {
  /** A catalogue id (`bandit-lsd-10`, `recsim-slate-5`, …) or a factory of single-player environments. */
  env: string | (() => ParallelEnv<Float32Array, Float32Array>);
  /** Overrides for a catalogue environment, e.g. `{ horizon: 10_000 }`. */
  envOverrides?: DuplicateEnvOverrides;
  policies: readonly DuplicateEntrant[];
  /** One episode per seed per entrant; every entrant meets the same instance for a seed. */
  seeds: readonly number[];
  /** Rank by mean return (default; what the league scores) or by mean regret (lower is better). */
  rankBy?: "return" | "regret";
}

export interface DuplicateEntry {
  name: string;
  /** Per seed, in the order of `seeds`. */
  returns: number[];
  regrets: number[];
  oracleReturns: number[];
  meanReturn: number;
  meanRegret: number;
  /** Standard errors of the means over seeds (sample standard deviation / √seeds; 0 for one seed). */
  stdErrReturn: number;
  stdErrRegret: number;
  /** 1 = best; entrants with equal means share a rank (competition ranking: 1, 1, 3). */
  rank: number;
}

export interface DuplicateResult {
  envId: string;
  seeds: number[];
  entries: DuplicateEntry[];
}

export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}

export function standardError(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  const variance = xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
  return Math.sqrt(variance / xs.length);
}

/** Plays one episode of `policy` on `env` from `seed`; returns its return, regret and the oracle's return. */
export function playEpisode(
  env: ParallelEnv<Float32Array, Float32Array>,
  policy: BaselinePolicy,
  seed: number,
): { episodeReturn: number; regret: number; oracleReturn: number; steps: number } {
  let observation = env.reset(seed).observations[PLAYER]!;
  policy.reset(seed);
  let episodeReturn = 0;
  let regret = 0;
  let oracleReturn = 0;
  for (let steps = 1; ; steps++) {
    const action = policy.act(observation);
    const result = env.step({ [PLAYER]: action });
    const reward = result.rewards[PLAYER]!;
    observation = result.observations[PLAYER]!;
    policy.update(action, reward, observation);
    const info = result.infos[PLAYER]!;
    episodeReturn += reward;
    regret += info.regret as number;
    oracleReturn += info.oracleReward as number;
    if (result.terminations[PLAYER] || result.truncations[PLAYER])
      return { episodeReturn, regret, oracleReturn, steps };
  }
}

/**
 * Duplicate play: every entrant plays the same seeded instances (same arms, same changes, same
 * reward noise, since the environments draw their randomness independently of the actions), so
 * differences between entrants are differences of play, not of luck. Returns each entrant's
 * returns and regrets per seed, their means and standard errors, and the ranking.
 */
export function playDuplicate(options: PlayDuplicateOptions): DuplicateResult {
  const { seeds } = options;
  if (seeds.length === 0) throw new BaselineConfigError("playDuplicate: seeds must not be empty");
  if (options.policies.length === 0)
    throw new BaselineConfigError("playDuplicate: policies must not be empty");
  const envOf = options.env;
  const makeEnv =
    typeof envOf === "string" ? () => makeDuplicateEnv(envOf, options.envOverrides ?? {}) : envOf;
  const env = makeEnv();
  const params = baselineParamsFor(env);
  const entries: DuplicateEntry[] = options.policies.map((entrant) => {
    let policy: BaselinePolicy;
    let name: string;
    if (typeof entrant === "string") {
      policy = createBaseline(entrant, params);
      name = entrant;
    } else if ("baseline" in entrant) {
      policy = createBaseline(entrant.baseline, { ...params, ...entrant.params });
      name = entrant.label ?? entrant.baseline;
    } else {
      policy = entrant;
      name = entrant.name;
    }
    const returns: number[] = [];
    const regrets: number[] = [];
    const oracleReturns: number[] = [];
    for (const seed of seeds) {
      const r = playEpisode(env, policy, seed);
      returns.push(r.episodeReturn);
      regrets.push(r.regret);
      oracleReturns.push(r.oracleReturn);
    }
    return {
      name,
      returns,
      regrets,
      oracleReturns,
      meanReturn: mean(returns),
      meanRegret: mean(regrets),
      stdErrReturn: standardError(returns),
      stdErrRegret: standardError(regrets),
      rank: 0,
    };
  });
  const score = (e: DuplicateEntry) => (options.rankBy === "regret" ? -e.meanRegret : e.meanReturn);
  for (const e of entries) e.rank = 1 + entries.filter((o) => score(o) > score(e) + 1e-9).length;
  return { envId: env.spec.id, seeds: [...seeds], entries };
}
