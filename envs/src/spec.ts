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
