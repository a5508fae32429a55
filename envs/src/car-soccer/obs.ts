// Observation builders (RLGym v2): each writes one agent's observation as float32 numbers into a
// caller's buffer at an offset, so the vectorised runner fills one preallocated array.
// Orange sees the field rotated by 180° about the vertical axis (x, y negated for every vector,
// pads in reverse order), so both teams see themselves attacking +y.

import {
  BOOST_MAX,
  CAR_MAX_SPEED,
  CEILING_Z,
  DOUBLEJUMP_MAX_DELAY,
  GOAL_BACK_Y,
  NUM_PADS,
  SIDE_WALL_X,
  TICK_RATE,
} from "./constants.js";
import {
  A_PAD_READY,
  A_TICK,
  ARENA_FIELDS,
  BALL_FIELDS,
  C_AIR_TIME_SINCE_JUMP,
  C_BOOST,
  C_FX,
  C_HAS_DOUBLE_JUMPED,
  C_HAS_JUMPED,
  C_IS_DEMOED,
  C_IS_SUPERSONIC,
  C_LX,
  C_ON_GROUND,
  C_UX,
  C_VX,
  C_WX,
  C_X,
  type CarSoccerState,
} from "./state.js";

export interface ObsBuilder {
  readonly name: string;
  /** Numbers per agent for teams of `teamSize`. */
  size(teamSize: number): number;
  /** Writes the observation of car `car` of arena `arena` at `out[offset..offset + size)`. */
  build(state: CarSoccerState, arena: number, car: number, out: Float32Array, offset: number): void;
}

const POS_X = 1 / SIDE_WALL_X;
const POS_Y = 1 / GOAL_BACK_Y;
const POS_Z = 1 / CEILING_Z;
const LIN_VEL = 1 / CAR_MAX_SPEED;
const ANG_VEL = 1 / Math.PI;
const PAD_TIMER = 1 / 10;
const REL_POS = 1 / 2300;
export const CAR_OBS_SIZE = 20;
/** Ball 9, pads 34, previous controls 8. */
export const COMMON_OBS_SIZE = 9 + NUM_PADS + 8;

function writeCommon(
  state: CarSoccerState,
  a: number,
  car: number,
  m: number,
  out: Float32Array,
  o: number,
): number {
  const b = state.ball;
  const bo = a * BALL_FIELDS;
  out[o] = m * b[bo]! * POS_X;
  out[o + 1] = m * b[bo + 1]! * POS_Y;
  out[o + 2] = b[bo + 2]! * POS_Z;
  out[o + 3] = m * b[bo + 3]! * LIN_VEL;
  out[o + 4] = m * b[bo + 4]! * LIN_VEL;
  out[o + 5] = b[bo + 5]! * LIN_VEL;
  out[o + 6] = m * b[bo + 6]! * ANG_VEL;
  out[o + 7] = m * b[bo + 7]! * ANG_VEL;
  out[o + 8] = b[bo + 8]! * ANG_VEL;
  o += 9;
  const ar = state.arena;
  const ao = a * ARENA_FIELDS;
  const tick = ar[ao + A_TICK]!;
  for (let p = 0; p < NUM_PADS; p++) {
    const src = m > 0 ? p : NUM_PADS - 1 - p;
    const left = ar[ao + A_PAD_READY + src]! - tick;
    out[o + p] = left > 0 ? (left / TICK_RATE) * PAD_TIMER : 0;
  }
  o += NUM_PADS;
  const co = (a * state.numCars + car) * 8;
  for (let i = 0; i < 8; i++) out[o + i] = state.controls[co + i]!;
  return o + 8;
}

function writeCar(
  state: CarSoccerState,
  a: number,
  c: number,
  m: number,
  out: Float32Array,
  o: number,
): void {
  const k = state.cars;
  const ko = state.carOffset(a, c);
  out[o] = m * k[ko + C_X]! * POS_X;
  out[o + 1] = m * k[ko + C_X + 1]! * POS_Y;
  out[o + 2] = k[ko + C_X + 2]! * POS_Z;
  out[o + 3] = m * k[ko + C_VX]! * LIN_VEL;
  out[o + 4] = m * k[ko + C_VX + 1]! * LIN_VEL;
  out[o + 5] = k[ko + C_VX + 2]! * LIN_VEL;
  out[o + 6] = m * k[ko + C_WX]! * ANG_VEL;
  out[o + 7] = m * k[ko + C_WX + 1]! * ANG_VEL;
  out[o + 8] = k[ko + C_WX + 2]! * ANG_VEL;
  out[o + 9] = m * k[ko + C_FX]!;
  out[o + 10] = m * k[ko + C_FX + 1]!;
  out[o + 11] = k[ko + C_FX + 2]!;
  out[o + 12] = m * k[ko + C_UX]!;
  out[o + 13] = m * k[ko + C_UX + 1]!;
  out[o + 14] = k[ko + C_UX + 2]!;
  out[o + 15] = k[ko + C_BOOST]! / BOOST_MAX;
  const onGround = k[ko + C_ON_GROUND]!;
  out[o + 16] = onGround;
  const hasFlip =
    onGround === 1 ||
    (k[ko + C_HAS_DOUBLE_JUMPED] === 0 &&
      (k[ko + C_HAS_JUMPED] === 0 || k[ko + C_AIR_TIME_SINCE_JUMP]! < DOUBLEJUMP_MAX_DELAY));
  out[o + 17] = hasFlip ? 1 : 0;
  out[o + 18] = k[ko + C_IS_DEMOED]!;
  out[o + 19] = k[ko + C_IS_SUPERSONIC]!;
}

/** Position and velocity of (px, py, pz, vx, vy, vz) relative to car `c`, in its frame (forward, left, up). */
function writeRelative(
  state: CarSoccerState,
  a: number,
  c: number,
  px: number,
  py: number,
  pz: number,
  vx: number,
  vy: number,
  vz: number,
  out: Float32Array,
  o: number,
): void {
  const k = state.cars;
  const ko = state.carOffset(a, c);
  const dx = px - k[ko + C_X]!;
  const dy = py - k[ko + C_X + 1]!;
  const dz = pz - k[ko + C_X + 2]!;
  const ex = vx - k[ko + C_VX]!;
  const ey = vy - k[ko + C_VX + 1]!;
  const ez = vz - k[ko + C_VX + 2]!;
  for (let axis = 0; axis < 3; axis++) {
    const base = ko + (axis === 0 ? C_FX : axis === 1 ? C_LX : C_UX);
    const ax = k[base]!;
    const ay = k[base + 1]!;
    const az = k[base + 2]!;
    out[o + axis] = (dx * ax + dy * ay + dz * az) * REL_POS;
    out[o + 3 + axis] = (ex * ax + ey * ay + ez * az) * LIN_VEL;
  }
}

export interface DefaultObsOptions {
  /**
   * Car slots per team (default: the arena's team size). Set 3 to give 1v1, 2v2 and 3v3 one
   * observation size; missing cars are zeros.
   */
  padTeamSize?: number;
}

function slotsFor(teamSize: number, pad: number | undefined): number {
  const p = pad ?? teamSize;
  if (p < teamSize) throw new RangeError(`padTeamSize ${p} is smaller than the team size ${teamSize}`);
  return p;
}

/**
 * The car in "other" slot `slot`: teammates first (slots - 1 of them, self skipped), then opponents
 * (slots of them); -1 for a padding slot.
 */
function otherAt(teamSize: number, car: number, slots: number, slot: number): number {
  const myTeam = car < teamSize ? 0 : 1;
  if (slot < slots - 1) {
    if (slot >= teamSize - 1) return -1;
    return myTeam * teamSize + (slot < car - myTeam * teamSize ? slot : slot + 1);
  }
  const j = slot - (slots - 1);
  return j < teamSize ? (1 - myTeam) * teamSize + j : -1;
}

/**
 * Default observation (RLGym's DefaultObs, padded): ball, pad timers, previous controls, self, then
 * teammates and opponents, absolute coordinates mirrored for orange. Layout in envs/README.md.
 */
export class DefaultObs implements ObsBuilder {
  readonly name = "default";
  private readonly pad: number | undefined;

  constructor(options: DefaultObsOptions = {}) {
    this.pad = options.padTeamSize;
  }

  size(teamSize: number): number {
    return COMMON_OBS_SIZE + CAR_OBS_SIZE * 2 * slotsFor(teamSize, this.pad);
  }

  build(state: CarSoccerState, a: number, car: number, out: Float32Array, offset: number): void {
    const m = car < state.teamSize ? 1 : -1;
    const slots = slotsFor(state.teamSize, this.pad);
    const o = writeCommon(state, a, car, m, out, offset);
    writeCar(state, a, car, m, out, o);
    for (let slot = 0; slot < 2 * slots - 1; slot++) {
      const other = otherAt(state.teamSize, car, slots, slot);
      const at = o + CAR_OBS_SIZE * (1 + slot);
      if (other < 0) out.fill(0, at, at + CAR_OBS_SIZE);
      else writeCar(state, a, other, m, out, at);
    }
  }
}

export const ADVANCED_CAR_OBS_SIZE = CAR_OBS_SIZE + 6;

/**
 * Advanced observation (RLGym's AdvancedObs): as the default one, and each car block followed by
 * the ball's (for self) or that car's (for others) position and velocity relative to self, in
 * self's frame (forward, left, up). Layout in envs/README.md.
 */
export class AdvancedObs implements ObsBuilder {
  readonly name = "advanced";
  private readonly pad: number | undefined;

  constructor(options: DefaultObsOptions = {}) {
    this.pad = options.padTeamSize;
  }

  size(teamSize: number): number {
    return COMMON_OBS_SIZE + ADVANCED_CAR_OBS_SIZE * 2 * slotsFor(teamSize, this.pad);
  }

  build(state: CarSoccerState, a: number, car: number, out: Float32Array, offset: number): void {
    const m = car < state.teamSize ? 1 : -1;
    const slots = slotsFor(state.teamSize, this.pad);
    const o = writeCommon(state, a, car, m, out, offset);
    writeCar(state, a, car, m, out, o);
    const b = state.ball;
    const bo = a * BALL_FIELDS;
    writeRelative(
      state,
      a,
      car,
      b[bo]!,
      b[bo + 1]!,
      b[bo + 2]!,
      b[bo + 3]!,
      b[bo + 4]!,
      b[bo + 5]!,
      out,
      o + CAR_OBS_SIZE,
    );
    const k = state.cars;
    for (let slot = 0; slot < 2 * slots - 1; slot++) {
      const other = otherAt(state.teamSize, car, slots, slot);
      const at = o + ADVANCED_CAR_OBS_SIZE * (1 + slot);
      if (other < 0) {
        out.fill(0, at, at + ADVANCED_CAR_OBS_SIZE);
        continue;
      }
      writeCar(state, a, other, m, out, at);
      const ko = state.carOffset(a, other);
      writeRelative(
        state,
        a,
        car,
        k[ko + C_X]!,
        k[ko + C_X + 1]!,
        k[ko + C_X + 2]!,
        k[ko + C_VX]!,
        k[ko + C_VX + 1]!,
        k[ko + C_VX + 2]!,
        out,
        at + CAR_OBS_SIZE,
      );
    }
  }
}
