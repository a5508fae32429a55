/** A box of real numbers, one bound per dimension (Gymnasium's `Box`). */
export interface BoxSpace {
  kind: "box";
  shape: readonly number[];
  low: number;
  high: number;
}

/** One choice among `n` (Gymnasium's `Discrete`). */
export interface DiscreteSpace {
  kind: "discrete";
  n: number;
}

/** Several independent discrete choices (Gymnasium's `MultiDiscrete`). */
export interface MultiDiscreteSpace {
  kind: "multi-discrete";
  nvec: readonly number[];
}

export type Space = BoxSpace | DiscreteSpace | MultiDiscreteSpace;

export type EnvFamily = "car-soccer" | "bandit" | "recommender";

/**
 * What a league, a trainer and a replay need to know about an environment before running it.
 * Observation and action spaces depend on the chosen builder and parser, so a spec names the
 * defaults; the builder and parser describe their own spaces.
 */
export interface EnvSpec {
  id: string;
  /** Bumped whenever the simulation changes so that old replays are refused, not misplayed. */
  version: number;
  family: EnvFamily;
  title: string;
  description: string;
  numAgents: number;
  numTeams: number;
  /** Physics ticks per simulated second (car-soccer); 0 for turn-based environments. */
  tickRate: number;
  /** Decisions are taken every `tickSkip` physics ticks. */
  tickSkip: number;
  /** Longest episode in decision steps before truncation. */
  maxEpisodeSteps: number;
  /** How a match is scored: head-to-head by goals, or duplicate play ranked by return. */
  matchFormat: "head-to-head" | "duplicate";
}

/** Agents are keyed by id, as in PettingZoo's parallel API: `blue-0`, `orange-1`, `player-0`, … */
export type AgentId = string;

export interface ResetResult<Obs> {
  observations: Record<AgentId, Obs>;
  infos: Record<AgentId, Record<string, unknown>>;
}

export interface StepResult<Obs> {
  observations: Record<AgentId, Obs>;
  rewards: Record<AgentId, number>;
  /** The game ended (a goal, the horizon of a bandit): no further reward can follow. */
  terminations: Record<AgentId, boolean>;
  /** Time ran out (a step limit): the episode was cut, not finished. */
  truncations: Record<AgentId, boolean>;
  infos: Record<AgentId, Record<string, unknown>>;
}

/**
 * One environment instance, Gymnasium/PettingZoo style. Same seed and same actions give
 * bit-identical states; `step` after an episode ended is an error until `reset`.
 */
export interface ParallelEnv<Obs = Float32Array, Act = Float32Array> {
  readonly spec: EnvSpec;
  readonly agents: readonly AgentId[];
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  reset(seed: number): ResetResult<Obs>;
  step(actions: Record<AgentId, Act>): StepResult<Obs>;
}

/**
 * N instances stepped together, state held as struct-of-arrays typed buffers. Buffers are
 * allocated once and overwritten by every `step`: read them before the next call. Instances
 * that end are reset automatically (their next seed derived from the run seed and their index),
 * so a trainer never stops the whole batch.
 */
export interface VectorEnv {
  readonly spec: EnvSpec;
  readonly numEnvs: number;
  /** Agents per instance; slot `e * numAgents + a` is agent `a` of instance `e`. */
  readonly numAgents: number;
  readonly observationSize: number;
  /** Numbers per agent per step in `step`'s action buffer. */
  readonly actionSize: number;
  /** numEnvs × numAgents × observationSize, row-major. */
  readonly observations: Float32Array;
  /** numEnvs × numAgents, rewards of the last step. */
  readonly rewards: Float32Array;
  /** numEnvs, 1 where the last step ended the instance's episode. */
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  /**
   * Optional: for each instance truncated by the last step, its agents' observations of the state
   * it was cut off in, before the automatic reset (the layout of `observations`; rows of other
   * instances are stale). A time limit is not an ending, so a learner bootstraps from these.
   */
  readonly finalObservations?: Float32Array;
  reset(seed: number): void;
  /** `actions` is numEnvs × numAgents × actionSize. */
  step(actions: Float32Array): void;
}
