// Re-simulating replays: the physics is deterministic, so the controls and the state after reset
// reproduce every tick; the stored hashes prove it.

import { ENV_SPECS } from "../catalogue.js";
import { HASH_INTERVAL_TICKS } from "./constants.js";
import { tickArena } from "./physics.js";
import { type Replay, ReplayError } from "./replay-format.js";
import { A_GOAL, A_STEPS, A_TICK, CarSoccerState } from "./state.js";

function checkSpec(r: Replay): void {
  const spec = ENV_SPECS[r.specId];
  if (spec?.family !== "car-soccer") throw new ReplayError(`replay is for unknown environment "${r.specId}"`);
  if (spec.version !== r.specVersion)
    throw new ReplayError(
      `replay was recorded with ${r.specId} version ${r.specVersion}; this build simulates version ${spec.version}`,
    );
  if (spec.numAgents !== r.teamSize * 2)
    throw new ReplayError(`replay team size ${r.teamSize} does not match ${r.specId}`);
}

function initialState(r: Replay): CarSoccerState {
  checkSpec(r);
  const state = new CarSoccerState(1, r.teamSize);
  try {
    state.restoreArena(0, r.initialState);
  } catch (e) {
    throw new ReplayError(`bad initial state: ${(e as Error).message}`);
  }
  return state;
}

function setControls(state: CarSoccerState, r: Replay, step: number): void {
  const n = state.numCars * 8;
  for (let i = 0; i < n; i++) state.controls[i] = r.controls[step * n + i]!;
}

/**
 * The state of the replayed arena after `tick` physics ticks (clamped to the replay's end), for
 * players that scrub through a game. `onTick` sees the state after every tick if given.
 */
export function simulateReplay(
  r: Replay,
  tick = r.numSteps * r.tickSkip,
  onTick?: (state: CarSoccerState, tick: number) => void,
): CarSoccerState {
  const state = initialState(r);
  const last = Math.min(Math.max(0, Math.floor(tick)), r.numSteps * r.tickSkip);
  let t = 0;
  for (let step = 0; step < r.numSteps && t < last; step++) {
    setControls(state, r, step);
    for (let k = 0; k < r.tickSkip && t < last; k++, t++) {
      tickArena(state, 0);
      onTick?.(state, t + 1);
    }
    if ((step + 1) * r.tickSkip <= last) state.arena[A_STEPS]! += 1;
  }
  return state;
}

export interface ReplayCheck {
  ok: boolean;
  stepsSimulated: number;
  hashesChecked: number;
  /** The first hash that differs; `index` -1 is the final-state hash. */
  mismatch?: { index: number; tick: number; expected: number; actual: number };
  /** The last state's goal flag: +1 blue scored, −1 orange scored, 0 none (the episode ran out). */
  goal: number;
  /** Physics ticks simulated. */
  ticks: number;
}

/**
 * Re-simulates a replay a piece at a time and checks each stored hash as it passes, for players
 * that verify while they play: `advance(tick)` runs until the arena reaches `tick` (or the end, or
 * the first mismatch) and returns what is known so far. `verifyReplay` is `advance()` to the end.
 */
export class ReplayVerifier {
  readonly replay: Replay;
  readonly state: CarSoccerState;
  private step = 0;
  private index = 0;
  private failed: ReplayCheck["mismatch"] | undefined;
  /** The tick of the last hash that matched (0 before the first). */
  verifiedTick = 0;

  constructor(r: Replay) {
    this.replay = r;
    this.state = initialState(r);
    // An empty replay has only its final hash to check: the state after reset.
    if (r.numSteps === 0 && (r.hashes.length !== 0 || this.state.hashArena(0) !== r.finalHash))
      this.failed = { index: -1, tick: 0, expected: r.finalHash, actual: this.state.hashArena(0) };
  }

  get done(): boolean {
    return this.failed !== undefined || this.step >= this.replay.numSteps;
  }

  advance(toTick = Number.POSITIVE_INFINITY): ReplayCheck & { done: boolean; verifiedTick: number } {
    const r = this.replay;
    const state = this.state;
    while (!this.done && state.arena[A_TICK]! < toTick) {
      setControls(state, r, this.step);
      const before = state.arena[A_TICK]!;
      for (let k = 0; k < r.tickSkip; k++) tickArena(state, 0);
      state.arena[A_STEPS]! += 1;
      this.step++;
      const tick = state.arena[A_TICK]!;
      if (Math.floor(tick / HASH_INTERVAL_TICKS) > Math.floor(before / HASH_INTERVAL_TICKS)) {
        const actual = state.hashArena(0);
        const expected = r.hashes[this.index];
        if (expected === undefined || actual !== expected) {
          this.failed = { index: this.index, tick, expected: expected ?? -1, actual };
          break;
        }
        this.index++;
        this.verifiedTick = tick;
      }
      if (this.step === r.numSteps) {
        const actual = state.hashArena(0);
        if (this.index !== r.hashes.length || actual !== r.finalHash)
          this.failed = { index: -1, tick, expected: r.finalHash, actual };
        else this.verifiedTick = tick;
      }
    }
    return {
      ok: this.failed === undefined && this.step >= r.numSteps,
      done: this.done,
      stepsSimulated: this.step,
      hashesChecked: this.index,
      ...(this.failed ? { mismatch: this.failed } : {}),
      goal: state.arena[A_GOAL]!,
      ticks: state.arena[A_TICK]!,
      verifiedTick: this.verifiedTick,
    };
  }
}

/** Re-simulates the whole replay and compares every stored hash; stops at the first mismatch. */
export function verifyReplay(r: Replay): ReplayCheck {
  const { done: _done, verifiedTick: _verified, ...check } = new ReplayVerifier(r).advance();
  return check;
}
