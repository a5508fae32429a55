// Done conditions and reward functions, the remaining RLGym v2 parts.

import { TICK_RATE } from "./constants.js";
import { A_GOAL, A_LAST_TOUCH_TICK, A_TICK, ARENA_FIELDS, type CarSoccerState } from "./state.js";

/** A terminal condition ends the game (a goal); a truncation cuts it (time ran out). */
export interface DoneCondition {
  readonly name: string;
  readonly kind: "terminate" | "truncate";
  isDone(state: CarSoccerState, arena: number): boolean;
}

/** Terminates once a goal is scored. */
export class GoalCondition implements DoneCondition {
  readonly name = "goal";
  readonly kind = "terminate" as const;
  isDone(state: CarSoccerState, a: number): boolean {
    return state.arena[a * ARENA_FIELDS + A_GOAL] !== 0;
  }
}

/** Truncates after `seconds` of simulated time since the reset. */
export class TimeoutCondition implements DoneCondition {
  readonly name = "timeout";
  readonly kind = "truncate" as const;
  private readonly ticks: number;
  constructor(readonly seconds: number) {
    if (!(seconds > 0)) throw new RangeError(`TimeoutCondition: seconds must be > 0, got ${seconds}`);
    this.ticks = seconds * TICK_RATE;
  }
  isDone(state: CarSoccerState, a: number): boolean {
    return state.arena[a * ARENA_FIELDS + A_TICK]! >= this.ticks;
  }
}

/** Truncates when no car has touched the ball for `seconds` (counted from the reset if none has). */
export class NoTouchTimeoutCondition implements DoneCondition {
  readonly name = "no-touch";
  readonly kind = "truncate" as const;
  private readonly ticks: number;
  constructor(readonly seconds: number) {
    if (!(seconds > 0)) throw new RangeError(`NoTouchTimeoutCondition: seconds must be > 0, got ${seconds}`);
    this.ticks = seconds * TICK_RATE;
  }
  isDone(state: CarSoccerState, a: number): boolean {
    const o = a * ARENA_FIELDS;
    return state.arena[o + A_TICK]! - state.arena[o + A_LAST_TOUCH_TICK]! >= this.ticks;
  }
}

/**
 * Reward of car `agent` (0..numCars-1, blue first) of arena `arena` for the step that led from
 * `prev` to `state`. Any function of this shape plugs in. `terminal` says whether `state` ended
 * the episode by a terminate condition (not a truncation), for rewards that must treat it apart
 * (potential-based shaping zeroes Φ there); the engine always passes it.
 */
export type RewardFn = (
  state: CarSoccerState,
  prev: CarSoccerState,
  agent: number,
  arena: number,
  terminal?: boolean,
) => number;

export const zeroReward: RewardFn = () => 0;

/** +1 to the team that scores, -1 to the team that concedes, 0 otherwise. */
export const goalReward: RewardFn = (state, prev, agent, arena) => {
  const o = arena * ARENA_FIELDS + A_GOAL;
  const goal = state.arena[o]!;
  if (goal === 0 || prev.arena[o] === goal) return 0;
  return agent < state.teamSize ? goal : -goal;
};
