// State setters (RLGym v2): each fully initialises one arena, drawing randomness from the arena's
// own seeded stream. Random directions come from normalised random vectors, not from sin/cos, so
// the results do not depend on the JavaScript engine's Math library.

import { nextFloat } from "../rng.js";
import { BALL_RADIUS, BOOST_MAX, CAR_REST_Z, CEILING_Z, KICKOFF_SPAWNS, SIDE_WALL_X } from "./constants.js";
import {
  BALL_FIELDS,
  C_BOOST,
  C_ON_GROUND,
  C_VX,
  C_X,
  type CarSoccerState,
  clearArena,
  placeCarOnGround,
} from "./state.js";

export interface StateSetter {
  readonly name: string;
  reset(state: CarSoccerState, arena: number): void;
}

function uniform(state: CarSoccerState, a: number, low: number, high: number): number {
  return low + (high - low) * nextFloat(state.rng, a * 4);
}

/** A random unit vector in the plane (rejection sampling in the unit disc). */
function randomHeading(state: CarSoccerState, a: number): [number, number] {
  for (;;) {
    const x = uniform(state, a, -1, 1);
    const y = uniform(state, a, -1, 1);
    const r2 = x * x + y * y;
    if (r2 > 0.01 && r2 <= 1) {
      const r = Math.sqrt(r2);
      return [x / r, y / r];
    }
  }
}

/** The jitter of the `kickoff-jitter` setter: up to 100 uu off the spawn, heading up to ~6° off. */
export const DEFAULT_KICKOFF_JITTER = Object.freeze({ position: 100, heading: 0.1 });

export interface KickoffOptions {
  /**
   * Seeded perturbation of each car's spawn, drawn independently per car: position offset up to
   * this many uu along x and y, and heading turned by up to `heading` radians (default 0 and 0:
   * the game's exact kickoff). Two deterministic players at exact kickoffs replay the same five
   * games; a small jitter makes seeded games differ.
   */
  jitter?: { position: number; heading: number };
}

/**
 * The standard kickoff: ball at rest on the centre spot, each team on a seeded random choice of
 * the five spawns (without repeats), orange mirroring blue's choice as in the game.
 */
export class KickoffSetter implements StateSetter {
  readonly name: string;
  private readonly position: number;
  private readonly heading: number;

  constructor(options: KickoffOptions = {}) {
    const { position = 0, heading = 0 } = options.jitter ?? {};
    if (!(position >= 0 && position <= 512))
      throw new RangeError(`kickoff jitter position must be in [0, 512] uu, got ${position}`);
    if (!(heading >= 0 && heading <= 0.5))
      throw new RangeError(`kickoff jitter heading must be in [0, 0.5] rad, got ${heading}`);
    this.position = position;
    this.heading = heading;
    this.name = position > 0 || heading > 0 ? "kickoff-jitter" : "kickoff";
  }

  reset(state: CarSoccerState, a: number): void {
    clearArena(state, a);
    const order = [0, 1, 2, 3, 4];
    // Fisher-Yates with the arena's stream.
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(nextFloat(state.rng, a * 4) * (i + 1));
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    for (let i = 0; i < state.teamSize; i++) {
      const [x, y, fx, fy] = KICKOFF_SPAWNS[order[i]!]!;
      this.place(state, a, i, x, y, fx, fy);
      this.place(state, a, state.teamSize + i, -x, -y, -fx, -fy);
    }
  }

  private place(state: CarSoccerState, a: number, c: number, x: number, y: number, fx: number, fy: number) {
    if (this.position === 0 && this.heading === 0) return placeCarOnGround(state, a, c, x, y, fx, fy);
    const dx = uniform(state, a, -this.position, this.position);
    const dy = uniform(state, a, -this.position, this.position);
    // Turn by about t radians along the left normal, then renormalise: no sin/cos (see the top).
    const t = uniform(state, a, -this.heading, this.heading);
    const hx = fx - t * fy;
    const hy = fy + t * fx;
    const r = Math.sqrt(hx * hx + hy * hy);
    placeCarOnGround(state, a, c, x + dx, y + dy, hx / r, hy / r);
  }
}

export interface RandomStateOptions {
  /** Largest car speed drawn, uu/s (default 1500). */
  maxCarSpeed?: number;
  /** Largest ball speed drawn, uu/s (default 2000). */
  maxBallSpeed?: number;
  /** Highest ball centre drawn, uu (default 1500; BALL_RADIUS: on the floor). */
  maxBallHeight?: number;
  /** Most boost drawn per car (default BOOST_MAX). */
  maxBoost?: number;
}

/**
 * The loose ball of a long game: the ball rolling slowly on the floor anywhere, both cars slow
 * with little boost, anywhere, any heading. Kickoffs never lead there in a short episode; league
 * games spend minutes there.
 */
export const LOOSE_BALL: Readonly<RandomStateOptions> = Object.freeze({
  maxCarSpeed: 500,
  maxBallSpeed: 600,
  maxBallHeight: BALL_RADIUS,
  maxBoost: 34,
});

/** Cars anywhere on the field floor with random heading, speed and boost; the ball anywhere, moving. */
export class RandomStateSetter implements StateSetter {
  readonly name = "random";
  private readonly maxCarSpeed: number;
  private readonly maxBallSpeed: number;
  private readonly maxBallHeight: number;
  private readonly maxBoost: number;

  constructor(options: RandomStateOptions = {}) {
    this.maxCarSpeed = options.maxCarSpeed ?? 1500;
    this.maxBallSpeed = options.maxBallSpeed ?? 2000;
    this.maxBallHeight = options.maxBallHeight ?? 1500;
    this.maxBoost = options.maxBoost ?? BOOST_MAX;
  }

  reset(state: CarSoccerState, a: number): void {
    clearArena(state, a);
    for (let c = 0; c < state.numCars; c++) {
      const x = uniform(state, a, -3000, 3000);
      const y = uniform(state, a, -4000, 4000);
      const [fx, fy] = randomHeading(state, a);
      placeCarOnGround(state, a, c, x, y, fx, fy);
      const o = state.carOffset(a, c);
      const speed = uniform(state, a, 0, this.maxCarSpeed);
      state.cars[o + C_VX] = fx * speed;
      state.cars[o + C_VX + 1] = fy * speed;
      state.cars[o + C_BOOST] = uniform(state, a, 0, this.maxBoost);
      state.cars[o + C_ON_GROUND] = 1;
      state.cars[o + C_X + 2] = CAR_REST_Z;
    }
    const b = a * BALL_FIELDS;
    state.ball[b] = uniform(state, a, -3000, 3000);
    state.ball[b + 1] = uniform(state, a, -4000, 4000);
    state.ball[b + 2] = uniform(state, a, BALL_RADIUS, this.maxBallHeight);
    const [dx, dy] = randomHeading(state, a);
    const speed = uniform(state, a, 0, this.maxBallSpeed);
    const up = uniform(state, a, -0.5, 0.5);
    state.ball[b + 3] = dx * speed;
    state.ball[b + 4] = dy * speed;
    state.ball[b + 5] = up * speed;
  }
}

/** Kickoff spawns, with the ball high in the air over a random point of the middle of the field. */
export class BallInAirSetter implements StateSetter {
  readonly name = "ball-in-air";
  private readonly kickoff = new KickoffSetter();

  reset(state: CarSoccerState, a: number): void {
    this.kickoff.reset(state, a);
    const b = a * BALL_FIELDS;
    state.ball[b] = uniform(state, a, -SIDE_WALL_X / 2, SIDE_WALL_X / 2);
    state.ball[b + 1] = uniform(state, a, -2000, 2000);
    state.ball[b + 2] = uniform(state, a, 300, CEILING_Z - 300);
    state.ball[b + 5] = uniform(state, a, -300, 300);
  }
}

/** Picks one setter per reset with probability proportional to its weight. */
export class WeightedSetter implements StateSetter {
  readonly name = "weighted";
  private readonly setters: StateSetter[];
  private readonly cumulative: number[];

  constructor(entries: readonly (readonly [StateSetter, number])[]) {
    let total = 0;
    this.setters = [];
    this.cumulative = [];
    for (const [setter, weight] of entries) {
      if (!(weight >= 0) || !Number.isFinite(weight))
        throw new RangeError(
          `WeightedSetter: weight of ${setter.name} must be finite and >= 0, got ${weight}`,
        );
      total += weight;
      this.setters.push(setter);
      this.cumulative.push(total);
    }
    if (!(total > 0)) throw new RangeError("WeightedSetter: weights must not all be zero");
  }

  reset(state: CarSoccerState, a: number): void {
    const total = this.cumulative[this.cumulative.length - 1]!;
    const x = nextFloat(state.rng, a * 4) * total;
    let i = 0;
    while (i < this.cumulative.length - 1 && x >= this.cumulative[i]!) i++;
    this.setters[i]!.reset(state, a);
  }
}
