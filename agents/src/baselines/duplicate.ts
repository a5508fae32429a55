import {
  type DuplicateEnvOverrides,
  makeDuplicateEnv,
  type ParallelEnv,
  PLAYER,
  type Space,
} from "@league/envs";
import { baselineParamsFor, createBaseline } from "./registry.js";
import { BaselineConfigError, type BaselineParams, type BaselinePolicy } from "./types.js";

/** An entrant: a baseline by name (its parameters filled in from the environment), or a policy object. */
export type DuplicateEntrant =
  | string
  | { baseline: string; params?: BaselineParams; label?: string }
  | BaselinePolicy;

export interface PlayDuplicateOptions {
  /**
   * A catalogue id (`bandit-lsd-10`, `recsim-slate-5`, …) or a factory of single-player
   * environments that makes a fresh one at each call (one per entrant).
   */
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

/**
 * Every choice a duplicate match's seats made: with the seeds, enough to recompute each seat's
 * returns and regrets without its policy (the environments draw their randomness independently of
 * the actions). `seats[i][e]` is seat i's actions in episode e, flattened (actionSize numbers a step).
 */
export interface DuplicateChoices {
  format: "league-duplicate-choices";
  version: 1;
  envId: string;
  envOverrides?: DuplicateEnvOverrides;
  seeds: number[];
  actionSize: number;
  seats: number[][][];
}

/** Numbers in one action of a space: 1 for a discrete choice, one per choice or dimension otherwise. */
function actionSizeOf(space: Space): number {
  if (space.kind === "discrete") return 1;
  if (space.kind === "multi-discrete") return space.nvec.length;
  return space.shape.reduce((a, b) => a * b, 1);
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

/** Builds an entrant's policy and its display name from the environment's baseline parameters. */
function entrantPolicy(
  entrant: DuplicateEntrant,
  params: BaselineParams,
): { policy: BaselinePolicy; name: string } {
  if (typeof entrant === "string") return { policy: createBaseline(entrant, params), name: entrant };
  if ("baseline" in entrant)
    return {
      policy: createBaseline(entrant.baseline, { ...params, ...entrant.params }),
      name: entrant.label ?? entrant.baseline,
    };
  return { policy: entrant, name: entrant.name };
}

/**
 * Duplicate play one step at a time, for a match that is watched as it goes: every entrant has
 * its own copy of the environment and all advance in lockstep through the same seeded episodes.
 * The environments draw their randomness independently of the actions, and each entrant's policy
 * sees only its own episodes in seed order, so the outcome is exactly what playing the entrants
 * one after another gives (playDuplicate runs through this class).
 */
export class DuplicateMatch {
  readonly envId: string;
  readonly seeds: readonly number[];
  readonly names: readonly string[];
  /** The first entrant's environment: its spec and config describe every copy. */
  readonly env: ParallelEnv<Float32Array, Float32Array>;
  /** Steps one episode may last (the spec's horizon); every entrant has the same. */
  readonly episodeSteps: number;
  /** Index into `seeds` of the episode being played; `seeds.length` once the match is over. */
  episode = 0;
  /** Steps taken in the current episode. */
  episodeStep = 0;
  /** Steps taken in the whole match (all entrants step together). */
  steps = 0;
  /** Per entrant: return and regret summed over every step of every episode so far. */
  readonly totalReturns: Float64Array;
  readonly totalRegrets: Float64Array;
  /**
   * Per entrant: the action and `info` of the latest step (null before the first, or when the
   * entrant waited for the others to end the episode). The last step of an episode stays readable.
   */
  readonly lastActions: (Float32Array | null)[];
  readonly lastInfos: (Record<string, unknown> | null)[];

  private readonly envs: ParallelEnv<Float32Array, Float32Array>[];
  private readonly policies: BaselinePolicy[];
  private readonly observations: Float32Array[];
  private readonly playing: boolean[];
  private readonly episodeReturn: Float64Array;
  private readonly episodeRegret: Float64Array;
  private readonly oracleReturn: Float64Array;
  private readonly returns: number[][];
  private readonly regrets: number[][];
  private readonly oracleReturns: number[][];
  /** Per entrant, per episode: its actions, flattened. */
  private readonly recorded: number[][][];

  constructor(private readonly options: PlayDuplicateOptions) {
    const { seeds, policies } = options;
    if (seeds.length === 0) throw new BaselineConfigError("playDuplicate: seeds must not be empty");
    if (policies.length === 0) throw new BaselineConfigError("playDuplicate: policies must not be empty");
    const envOf = options.env;
    const makeEnv =
      typeof envOf === "string" ? () => makeDuplicateEnv(envOf, options.envOverrides ?? {}) : envOf;
    this.envs = policies.map(() => makeEnv());
    if (new Set(this.envs).size !== this.envs.length)
      throw new BaselineConfigError(
        "playDuplicate: the env factory returned the same environment twice; it must make a fresh one at each call",
      );
    this.env = this.envs[0]!;
    const params = baselineParamsFor(this.env);
    const entrants = policies.map((entrant) => entrantPolicy(entrant, params));
    this.policies = entrants.map((e) => e.policy);
    // Lockstep play interleaves the entrants' episodes: one policy object cannot play two seats.
    const seen = new Set<BaselinePolicy>();
    this.policies.forEach((policy, i) => {
      if (seen.has(policy))
        throw new BaselineConfigError(
          `playDuplicate: entrant ${i} is the same policy object as an earlier one`,
        );
      seen.add(policy);
    });
    const n = policies.length;
    this.envId = this.env.spec.id;
    this.seeds = [...seeds];
    this.names = entrants.map((e) => e.name);
    this.episodeSteps = this.env.spec.maxEpisodeSteps;
    this.totalReturns = new Float64Array(n);
    this.totalRegrets = new Float64Array(n);
    this.lastActions = Array.from({ length: n }, () => null);
    this.lastInfos = Array.from({ length: n }, () => null);
    this.observations = Array.from({ length: n }, () => new Float32Array(0));
    this.playing = Array.from({ length: n }, () => false);
    this.episodeReturn = new Float64Array(n);
    this.episodeRegret = new Float64Array(n);
    this.oracleReturn = new Float64Array(n);
    this.returns = Array.from({ length: n }, () => []);
    this.regrets = Array.from({ length: n }, () => []);
    this.oracleReturns = Array.from({ length: n }, () => []);
    this.recorded = Array.from({ length: n }, () => []);
    this.beginEpisode();
  }

  get done(): boolean {
    return this.episode >= this.seeds.length;
  }

  /** Steps of the whole match if no episode ends before its horizon. */
  get maxSteps(): number {
    return this.episodeSteps * this.seeds.length;
  }

  private beginEpisode(): void {
    const seed = this.seeds[this.episode]!;
    for (let i = 0; i < this.envs.length; i++) {
      this.observations[i] = this.envs[i]!.reset(seed).observations[PLAYER]!;
      this.policies[i]!.reset(seed);
      this.playing[i] = true;
      this.episodeReturn[i] = 0;
      this.episodeRegret[i] = 0;
      this.oracleReturn[i] = 0;
      this.recorded[i]!.push([]);
    }
    this.episodeStep = 0;
  }

  /** One step for every entrant still in the episode; starts the next episode when all have ended. */
  step(): void {
    if (this.done) throw new BaselineConfigError("the duplicate match is over: no step is left");
    let stillPlaying = false;
    for (let i = 0; i < this.envs.length; i++) {
      if (!this.playing[i]) {
        this.lastActions[i] = null;
        this.lastInfos[i] = null;
        continue;
      }
      const policy = this.policies[i]!;
      const action = policy.act(this.observations[i]!);
      const result = this.envs[i]!.step({ [PLAYER]: action });
      const reward = result.rewards[PLAYER]!;
      const observation = result.observations[PLAYER]!;
      this.observations[i] = observation;
      const choices = this.recorded[i]!.at(-1)!;
      for (let k = 0; k < action.length; k++) choices.push(action[k]!);
      policy.update(action, reward, observation);
      const info = result.infos[PLAYER]!;
      const regret = info.regret as number;
      this.episodeReturn[i]! += reward;
      this.episodeRegret[i]! += regret;
      this.oracleReturn[i]! += info.oracleReward as number;
      this.totalReturns[i]! += reward;
      this.totalRegrets[i]! += regret;
      this.lastActions[i] = action;
      this.lastInfos[i] = info;
      if (result.terminations[PLAYER] || result.truncations[PLAYER]) {
        this.playing[i] = false;
        this.returns[i]!.push(this.episodeReturn[i]!);
        this.regrets[i]!.push(this.episodeRegret[i]!);
        this.oracleReturns[i]!.push(this.oracleReturn[i]!);
      } else stillPlaying = true;
    }
    this.episodeStep++;
    this.steps++;
    if (!stillPlaying) {
      this.episode++;
      if (!this.done) this.beginEpisode();
    }
  }

  /** Plays every step left. */
  playToEnd(): this {
    while (!this.done) this.step();
    return this;
  }

  /** Every action each entrant took, per episode, for `recomputeDuplicate`. */
  choices(): DuplicateChoices {
    return {
      format: "league-duplicate-choices",
      version: 1,
      envId: this.envId,
      ...(typeof this.options.env === "string" && this.options.envOverrides
        ? { envOverrides: this.options.envOverrides }
        : {}),
      seeds: [...this.seeds],
      actionSize: actionSizeOf(this.env.actionSpace),
      seats: this.recorded.map((episodes) => episodes.map((e) => [...e])),
    };
  }

  /** Each entrant's returns and regrets per seed, their means and standard errors, and the ranking. */
  result(): DuplicateResult {
    if (!this.done)
      throw new BaselineConfigError(
        `the duplicate match is still playing (episode ${this.episode + 1} of ${this.seeds.length})`,
      );
    const entries: DuplicateEntry[] = this.names.map((name, i) => {
      const returns = this.returns[i]!;
      const regrets = this.regrets[i]!;
      return {
        name,
        returns: [...returns],
        regrets: [...regrets],
        oracleReturns: [...this.oracleReturns[i]!],
        meanReturn: mean(returns),
        meanRegret: mean(regrets),
        stdErrReturn: standardError(returns),
        stdErrRegret: standardError(regrets),
        rank: 0,
      };
    });
    const score = (e: DuplicateEntry) => (this.options.rankBy === "regret" ? -e.meanRegret : e.meanReturn);
    for (const e of entries) e.rank = 1 + entries.filter((o) => score(o) > score(e) + 1e-9).length;
    return { envId: this.envId, seeds: [...this.seeds], entries };
  }
}

/**
 * Duplicate play: every entrant plays the same seeded instances (same arms, same changes, same
 * reward noise, since the environments draw their randomness independently of the actions), so
 * differences between entrants are differences of play, not of luck. Returns each entrant's
 * returns and regrets per seed, their means and standard errors, and the ranking.
 */
export function playDuplicate(options: PlayDuplicateOptions): DuplicateResult {
  return new DuplicateMatch(options).playToEnd().result();
}

/**
 * Replays each seat's recorded choices on fresh copies of the catalogue environment, seed by seed,
 * and returns what they earn: the returns and regrets a stored duplicate result must show. Throws
 * BaselineConfigError when the choices do not fit (too few or too many for an episode, a seat
 * without every seed).
 */
export function recomputeDuplicate(
  choices: DuplicateChoices,
): { returns: number[]; regrets: number[]; oracleReturns: number[]; steps: number }[] {
  if (choices.format !== "league-duplicate-choices" || choices.version !== 1)
    throw new BaselineConfigError(`not duplicate choices of version 1: ${choices.format} ${choices.version}`);
  const size = choices.actionSize;
  if (!(Number.isInteger(size) && size >= 1))
    throw new BaselineConfigError(`actionSize must be a positive integer, got ${size}`);
  return choices.seats.map((episodes, seat) => {
    if (episodes.length !== choices.seeds.length)
      throw new BaselineConfigError(
        `seat ${seat} has choices for ${episodes.length} episodes, the match ${choices.seeds.length} seeds`,
      );
    const env = makeDuplicateEnv(choices.envId, choices.envOverrides ?? {});
    const out = { returns: [] as number[], regrets: [] as number[], oracleReturns: [] as number[], steps: 0 };
    for (const [e, seed] of choices.seeds.entries()) {
      const actions = episodes[e]!;
      env.reset(seed);
      let episodeReturn = 0;
      let regret = 0;
      let oracleReturn = 0;
      let at = 0;
      for (;;) {
        if (at + size > actions.length)
          throw new BaselineConfigError(
            `seat ${seat}, seed ${seed}: the recorded choices end after ${at / size} steps, before the episode does`,
          );
        const result = env.step({ [PLAYER]: Float32Array.from(actions.slice(at, at + size)) });
        at += size;
        out.steps++;
        const info = result.infos[PLAYER]!;
        episodeReturn += result.rewards[PLAYER]!;
        regret += info.regret as number;
        oracleReturn += info.oracleReward as number;
        if (result.terminations[PLAYER] || result.truncations[PLAYER]) break;
      }
      if (at !== actions.length)
        throw new BaselineConfigError(
          `seat ${seat}, seed ${seed}: ${(actions.length - at) / size} recorded choices remain after the episode ended`,
        );
      out.returns.push(episodeReturn);
      out.regrets.push(regret);
      out.oracleReturns.push(oracleReturn);
    }
    return out;
  });
}
