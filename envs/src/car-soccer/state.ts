import { seedRngState } from "../rng.js";
import { BALL_RADIUS, BOOST_SPAWN_AMOUNT, CAR_REST_Z, NUM_PADS } from "./constants.js";

/** Controls of one car, in this order, as the physics reads them. */
export const CONTROL_SIZE = 8;
export const CTRL_THROTTLE = 0;
export const CTRL_STEER = 1;
export const CTRL_PITCH = 2;
export const CTRL_YAW = 3;
export const CTRL_ROLL = 4;
export const CTRL_JUMP = 5;
export const CTRL_BOOST = 6;
export const CTRL_HANDBRAKE = 7;

// Ball fields: position, linear velocity, angular velocity.
export const BALL_FIELDS = 9;
export const B_X = 0;
export const B_VX = 3;
export const B_WX = 6;

// Car fields. Orientation is a rotation matrix held as three unit vectors: forward, left, up.
export const CAR_FIELDS = 40;
export const C_X = 0;
export const C_VX = 3;
export const C_WX = 6;
export const C_FX = 9;
export const C_LX = 12;
export const C_UX = 15;
export const C_BOOST = 18;
export const C_ON_GROUND = 19;
export const C_HAS_JUMPED = 20;
export const C_IS_JUMPING = 21;
export const C_JUMP_TIME = 22;
/** Set once the double jump or the dodge of this airtime is used. */
export const C_HAS_DOUBLE_JUMPED = 23;
export const C_AIR_TIME_SINCE_JUMP = 24;
export const C_IS_FLIPPING = 25;
export const C_FLIP_TIME = 26;
/** Dodge direction in the car's frame: forward (pitch) and sideways (roll) parts. */
export const C_FLIP_DIR_X = 27;
export const C_FLIP_DIR_Y = 28;
export const C_IS_DEMOED = 29;
export const C_RESPAWN_TIMER = 30;
export const C_IS_SUPERSONIC = 31;
export const C_SUPERSONIC_TIME = 32;
/** Jump input of the previous tick: jumps start on a press, not on a hold. */
export const C_LAST_JUMP = 33;
/** 0 blue, 1 orange. */
export const C_TEAM = 34;
export const C_LAST_EXTRA_HIT_TICK = 35;
export const C_BALL_TOUCHES = 36;
export const C_IS_BOOSTING = 37;
export const C_DEMOS = 38;
/** Tick of this car's last contact with the ball: a touch counts when a contact begins. */
export const C_LAST_TOUCH_TICK = 39;

// Arena fields.
export const ARENA_FIELDS = 8 + NUM_PADS;
export const A_TICK = 0;
export const A_BLUE_SCORE = 1;
export const A_ORANGE_SCORE = 2;
/** +1 when blue scored, -1 when orange scored, 0 otherwise; cleared by a reset. */
export const A_GOAL = 3;
export const A_LAST_TOUCH_TICK = 4;
/** Index of the last car to touch the ball, -1 if none. */
export const A_LAST_TOUCH_CAR = 5;
export const A_STEPS = 6;
export const A_EPISODE = 7;
/** Tick at which each pad is available again (active when tick >= this). */
export const A_PAD_READY = 8;

/** Cars of arena `a`: blue `0..teamSize-1`, then orange. */
export function carTeam(car: number, teamSize: number): 0 | 1 {
  return car < teamSize ? 0 : 1;
}

/** Memory for a CarSoccerState's arrays, e.g. SharedArrayBuffers that worker threads step too. */
export interface CarSoccerStateBuffers {
  ball: ArrayBufferLike;
  cars: ArrayBufferLike;
  arena: ArrayBufferLike;
  controls: ArrayBufferLike;
  rng: ArrayBufferLike;
}

/**
 * N arenas as struct-of-arrays typed buffers: the whole simulation state. Physics reads and writes
 * only these buffers, so copying them copies the game and hashing them fingerprints it.
 */
export class CarSoccerState {
  readonly numArenas: number;
  readonly teamSize: number;
  readonly numCars: number;
  readonly ball: Float64Array;
  readonly cars: Float64Array;
  readonly arena: Float64Array;
  /** Parsed controls in force, numArenas × numCars × 8. Float32 so replays store them exactly. */
  readonly controls: Float32Array;
  /** One xoshiro128** state (4 words) per arena: state setters and respawns draw from it. */
  readonly rng: Uint32Array;
  private readonly bytes: Uint8Array[];

  /** Bytes of each array of a state with these dimensions. */
  static byteLengths(numArenas: number, teamSize: number): Record<keyof CarSoccerStateBuffers, number> {
    const numCars = teamSize * 2;
    return {
      ball: numArenas * BALL_FIELDS * 8,
      cars: numArenas * numCars * CAR_FIELDS * 8,
      arena: numArenas * ARENA_FIELDS * 8,
      controls: numArenas * numCars * 8 * 4,
      rng: numArenas * 4 * 4,
    };
  }

  /** Zeroed arrays of its own, or views over `buffers` (their contents kept) of the exact sizes. */
  constructor(numArenas: number, teamSize: number, buffers?: CarSoccerStateBuffers) {
    if (!(Number.isInteger(numArenas) && numArenas >= 1))
      throw new RangeError(`numArenas must be a positive integer, got ${numArenas}`);
    if (!(teamSize === 1 || teamSize === 2 || teamSize === 3))
      throw new RangeError(`teamSize must be 1, 2 or 3, got ${teamSize}`);
    this.numArenas = numArenas;
    this.teamSize = teamSize;
    this.numCars = teamSize * 2;
    const bytes = CarSoccerState.byteLengths(numArenas, teamSize);
    const memory = (name: keyof CarSoccerStateBuffers): ArrayBufferLike => {
      const given = buffers?.[name];
      if (!given) return new ArrayBuffer(bytes[name]);
      if (given.byteLength !== bytes[name])
        throw new RangeError(`${name} buffer has ${given.byteLength} bytes, expected ${bytes[name]}`);
      return given;
    };
    this.ball = new Float64Array(memory("ball"));
    this.cars = new Float64Array(memory("cars"));
    this.arena = new Float64Array(memory("arena"));
    this.controls = new Float32Array(memory("controls"));
    this.rng = new Uint32Array(memory("rng"));
    this.bytes = [this.ball, this.cars, this.arena, this.controls, this.rng].map(
      (b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength),
    );
  }

  /** Offset of car `car` of arena `a` in `cars`. */
  carOffset(a: number, car: number): number {
    return (a * this.numCars + car) * CAR_FIELDS;
  }

  seedArena(a: number, seed: number, stream: number): void {
    seedRngState(this.rng, a * 4, seed, stream);
  }

  /** Numbers (float64 + float32 + uint32 words) per arena, in `copyArena` order. */
  private sizes(): number[] {
    return [BALL_FIELDS, this.numCars * CAR_FIELDS, ARENA_FIELDS, this.numCars * 8, 4];
  }

  /** Copies arena `src` of `from` (same team size) into arena `dst` of this state. No allocation. */
  copyArena(from: CarSoccerState, src: number, dst: number): void {
    copySlice(from.ball, this.ball, src, dst, BALL_FIELDS);
    copySlice(from.cars, this.cars, src, dst, this.numCars * CAR_FIELDS);
    copySlice(from.arena, this.arena, src, dst, ARENA_FIELDS);
    copySlice(from.controls, this.controls, src, dst, this.numCars * 8);
    copySlice(from.rng, this.rng, src, dst, 4);
  }

  /** FNV-1a (32-bit) over the bytes of arena `a`'s state: ball, cars, arena, controls, rng. */
  hashArena(a: number): number {
    const sizes = this.sizes();
    let h = 0x811c9dc5;
    for (let k = 0; k < this.bytes.length; k++) {
      const bytes = this.bytes[k]!;
      const width = k < 3 ? 8 : 4;
      const n = sizes[k]! * width;
      const start = a * n;
      for (let i = start; i < start + n; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
    }
    return h >>> 0;
  }

  /** Arena `a`'s state as bytes (ball, cars, arena, controls, rng), for replays. */
  snapshotArena(a: number): Uint8Array {
    const sizes = this.sizes();
    const total = this.bytes.reduce((n, _, k) => n + sizes[k]! * (k < 3 ? 8 : 4), 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (let k = 0; k < this.bytes.length; k++) {
      const n = sizes[k]! * (k < 3 ? 8 : 4);
      out.set(this.bytes[k]!.subarray(a * n, a * n + n), at);
      at += n;
    }
    return out;
  }

  /** Inverse of `snapshotArena`; throws a RangeError when the length does not match. */
  restoreArena(a: number, snapshot: Uint8Array): void {
    const sizes = this.sizes();
    const total = this.bytes.reduce((n, _, k) => n + sizes[k]! * (k < 3 ? 8 : 4), 0);
    if (snapshot.length !== total)
      throw new RangeError(`state snapshot has ${snapshot.length} bytes, expected ${total}`);
    let at = 0;
    for (let k = 0; k < this.bytes.length; k++) {
      const n = sizes[k]! * (k < 3 ? 8 : 4);
      this.bytes[k]!.set(snapshot.subarray(at, at + n), a * n);
      at += n;
    }
  }

  /** Number of bytes of one arena's snapshot. */
  snapshotSize(): number {
    const sizes = this.sizes();
    return sizes.reduce((n, s, k) => n + s * (k < 3 ? 8 : 4), 0);
  }
}

function copySlice(
  from: Float64Array | Float32Array | Uint32Array,
  to: Float64Array | Float32Array | Uint32Array,
  src: number,
  dst: number,
  n: number,
): void {
  const s = src * n;
  const d = dst * n;
  for (let i = 0; i < n; i++) to[d + i] = from[s + i]!;
}

/** Empties arena `a` (keeps its rng and scores): ball at rest at the centre, cars cleared, pads up. */
export function clearArena(state: CarSoccerState, a: number): void {
  const b = a * BALL_FIELDS;
  for (let i = 0; i < BALL_FIELDS; i++) state.ball[b + i] = 0;
  state.ball[b + 2] = BALL_RADIUS;
  const ar = a * ARENA_FIELDS;
  const blue = state.arena[ar + A_BLUE_SCORE]!;
  const orange = state.arena[ar + A_ORANGE_SCORE]!;
  const episode = state.arena[ar + A_EPISODE]!;
  for (let i = 0; i < ARENA_FIELDS; i++) state.arena[ar + i] = 0;
  state.arena[ar + A_BLUE_SCORE] = blue;
  state.arena[ar + A_ORANGE_SCORE] = orange;
  state.arena[ar + A_EPISODE] = episode;
  state.arena[ar + A_LAST_TOUCH_CAR] = -1;
  for (let c = 0; c < state.numCars; c++) {
    const o = state.carOffset(a, c);
    for (let i = 0; i < CAR_FIELDS; i++) state.cars[o + i] = 0;
    state.cars[o + C_TEAM] = carTeam(c, state.teamSize);
    state.cars[o + C_X + 2] = CAR_REST_Z;
    state.cars[o + C_FX] = 1;
    state.cars[o + C_LX + 1] = 1;
    state.cars[o + C_UX + 2] = 1;
    state.cars[o + C_ON_GROUND] = 1;
    state.cars[o + C_BOOST] = BOOST_SPAWN_AMOUNT;
    state.cars[o + C_LAST_EXTRA_HIT_TICK] = -1000;
    state.cars[o + C_LAST_TOUCH_TICK] = -1000;
  }
  const ctl = a * state.numCars * 8;
  for (let i = 0; i < state.numCars * 8; i++) state.controls[ctl + i] = 0;
}

/** Places car `c` on the ground at (x, y) facing the horizontal unit vector (fx, fy), at rest. */
export function placeCarOnGround(
  state: CarSoccerState,
  a: number,
  c: number,
  x: number,
  y: number,
  fx: number,
  fy: number,
): void {
  const o = state.carOffset(a, c);
  const k = state.cars;
  k[o + C_X] = x;
  k[o + C_X + 1] = y;
  k[o + C_X + 2] = CAR_REST_Z;
  for (let i = C_VX; i < C_WX + 3; i++) k[o + i] = 0;
  k[o + C_FX] = fx;
  k[o + C_FX + 1] = fy;
  k[o + C_FX + 2] = 0;
  // left = up × forward
  k[o + C_LX] = -fy;
  k[o + C_LX + 1] = fx;
  k[o + C_LX + 2] = 0;
  k[o + C_UX] = 0;
  k[o + C_UX + 1] = 0;
  k[o + C_UX + 2] = 1;
  k[o + C_ON_GROUND] = 1;
}
