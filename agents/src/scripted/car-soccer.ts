// Scripted car-soccer bots: hand-written controllers that read the true simulation state (no
// observation noise, no learning). They are sparring partners for trained agents, rating anchors
// for the ladder and the default players of live matches. Blue (team 0) attacks +y, orange -y.

import {
  A_PAD_READY,
  A_TICK,
  ARENA_FIELDS,
  B_VX,
  B_X,
  BALL_FIELDS,
  C_BOOST,
  C_FX,
  C_IS_DEMOED,
  C_IS_JUMPING,
  C_LX,
  C_ON_GROUND,
  C_TEAM,
  C_VX,
  C_X,
  type CarSoccerState,
  CONTROL_SIZE,
  CTRL_BOOST,
  CTRL_HANDBRAKE,
  CTRL_JUMP,
  CTRL_PITCH,
  CTRL_ROLL,
  CTRL_STEER,
  CTRL_THROTTLE,
  CTRL_YAW,
  carSoccerConstants,
  Rng,
} from "@league/envs";
import type { CarPolicy } from "../policy.js";

const { BACK_WALL_Y, BOOST_PADS } = carSoccerConstants;

/** A scripted car policy: reads the true state, and can always be reseeded. */
export interface CarSoccerBot extends CarPolicy {
  /** Forgets everything and reseeds (only `random` draws numbers). */
  reset(seed: number): void;
}

export interface CarSoccerBotInfo {
  name: string;
  description: string;
}

export const CAR_SOCCER_BOTS: readonly CarSoccerBotInfo[] = Object.freeze([
  {
    name: "ball-chaser",
    description:
      "Drives at the ball from the side away from the opponent goal; boosts when facing it and far, jumps at high balls.",
  },
  {
    name: "defender",
    description: "Holds a spot between the ball and its own goal and clears the ball when it comes close.",
  },
  {
    name: "shadow",
    description:
      "Shadow defence: trails the ball on its own goal's side at a fixed distance, following it upfield, and challenges only when the ball comes at it or near its goal.",
  },
  {
    name: "boost-collector",
    description:
      "Fills up at the nearest big boost pad whenever it runs low, then attacks like the ball-chaser with a full tank; defends only a ball near its goal meanwhile.",
  },
  {
    name: "forward",
    description:
      "Stays in the attacking half: waits upfield while the ball is deep in its own half, and attacks it once it crosses toward midfield.",
  },
  { name: "random", description: "Seeded random controls, redrawn every decision." },
  { name: "idle", description: "Does nothing: all controls zero." },
]);

export class UnknownBotError extends Error {
  constructor(name: string) {
    super(`unknown car-soccer bot "${name}"; known bots: ${CAR_SOCCER_BOTS.map((b) => b.name).join(", ")}`);
    this.name = "UnknownBotError";
  }
}

export function createCarSoccerBot(name: string, seed = 0): CarSoccerBot {
  let bot: CarSoccerBot;
  switch (name) {
    case "ball-chaser":
      bot = new BallChaserBot();
      break;
    case "defender":
      bot = new DefenderBot();
      break;
    case "shadow":
      bot = new ShadowBot();
      break;
    case "boost-collector":
      bot = new BoostCollectorBot();
      break;
    case "forward":
      bot = new ForwardBot();
      break;
    case "random":
      bot = new RandomBot();
      break;
    case "idle":
      bot = new IdleBot();
      break;
    default:
      throw new UnknownBotError(name);
  }
  bot.reset(seed);
  return bot;
}

function checkCar(state: CarSoccerState, arena: number, car: number, controls: Float32Array): void {
  if (!(Number.isInteger(arena) && arena >= 0 && arena < state.numArenas))
    throw new RangeError(`arena must be an integer in [0, ${state.numArenas}), got ${arena}`);
  if (!(Number.isInteger(car) && car >= 0 && car < state.numCars))
    throw new RangeError(`car must be an integer in [0, ${state.numCars}), got ${car}`);
  if (controls.length < CONTROL_SIZE)
    throw new RangeError(`controls must hold ${CONTROL_SIZE} numbers, got ${controls.length}`);
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(Math.max(x, lo), hi);
}

/** What the driving helpers need about one car, read once per decision. */
interface CarView {
  x: number;
  y: number;
  z: number;
  fx: number;
  fy: number;
  lx: number;
  ly: number;
  speed: number;
  boost: number;
  onGround: boolean;
  jumping: boolean;
  /** +1 for blue (attacks +y), -1 for orange. */
  attack: number;
}

function viewCar(state: CarSoccerState, arena: number, car: number): CarView {
  const k = state.cars;
  const o = state.carOffset(arena, car);
  const vx = k[o + C_VX]!;
  const vy = k[o + C_VX + 1]!;
  return {
    x: k[o + C_X]!,
    y: k[o + C_X + 1]!,
    z: k[o + C_X + 2]!,
    fx: k[o + C_FX]!,
    fy: k[o + C_FX + 1]!,
    lx: k[o + C_LX]!,
    ly: k[o + C_LX + 1]!,
    speed: Math.sqrt(vx * vx + vy * vy),
    boost: k[o + C_BOOST]!,
    onGround: k[o + C_ON_GROUND] === 1,
    jumping: k[o + C_IS_JUMPING] === 1,
    attack: k[o + C_TEAM] === 0 ? 1 : -1,
  };
}

/** Floor-plane distance from the car to (tx, ty). */
function distTo(car: CarView, tx: number, ty: number): number {
  return Math.sqrt((tx - car.x) ** 2 + (ty - car.y) ** 2);
}

/** Signed angle (radians) from the car's heading to the target in the floor plane; > 0 is to its left. */
function angleTo(car: CarView, tx: number, ty: number): number {
  const dx = tx - car.x;
  const dy = ty - car.y;
  return Math.atan2(dx * car.lx + dy * car.ly, dx * car.fx + dy * car.fy);
}

/**
 * Drives at (tx, ty): steers proportionally (positive steer turns right in this engine, hence the
 * minus), powerslides through sharp turns, boosts when nearly facing a far target.
 */
function driveTo(car: CarView, tx: number, ty: number, out: Float32Array, boostBeyond: number): number {
  const angle = angleTo(car, tx, ty);
  const dist = distTo(car, tx, ty);
  const absAngle = Math.abs(angle);
  if (absAngle > 2.2 && car.speed < 400 && dist > 300) {
    // Target behind a slow car (e.g. pinned against a wall): reverse; reversing flips the steering.
    out[CTRL_THROTTLE] = -1;
    out[CTRL_STEER] = angle > 0 ? 1 : -1;
    out[CTRL_HANDBRAKE] = 0;
    out[CTRL_BOOST] = 0;
    return dist;
  }
  out[CTRL_THROTTLE] = 1;
  out[CTRL_STEER] = clamp(-angle * 3, -1, 1);
  out[CTRL_HANDBRAKE] = absAngle > 1.8 && car.speed > 500 ? 1 : 0;
  out[CTRL_BOOST] = car.onGround && absAngle < 0.3 && dist > boostBeyond && car.boost > 0 ? 1 : 0;
  return dist;
}

function clearControls(out: Float32Array): void {
  for (let i = 0; i < CONTROL_SIZE; i++) out[i] = 0;
}

/** The ball's floor-plane position now. */
function ballXY(state: CarSoccerState, arena: number): [number, number] {
  const b = arena * BALL_FIELDS;
  return [state.ball[b + B_X]!, state.ball[b + B_X + 1]!];
}

/** Ball position `lead` seconds ahead, ignoring gravity and bounces: enough to meet a rolling ball. */
function ballAhead(state: CarSoccerState, arena: number, lead: number): [number, number, number] {
  const b = arena * BALL_FIELDS;
  const ball = state.ball;
  return [
    ball[b + B_X]! + ball[b + B_VX]! * lead,
    ball[b + B_X + 1]! + ball[b + B_VX + 1]! * lead,
    ball[b + B_X + 2]!,
  ];
}

/**
 * Approach point behind the ball on the line from the goal `goalY` through the ball, so that
 * driving through it pushes the ball toward that goal.
 */
function behindBall(bx: number, by: number, goalY: number, offset: number): [number, number] {
  const dx = bx;
  const dy = by - goalY;
  const len = Math.sqrt(dx * dx + dy * dy) || 1;
  return [bx + (dx / len) * offset, by + (dy / len) * offset];
}

/**
 * Jumps at a ball `dist` away whose height is `bz` when `allowed`, it is close and above the car,
 * then holds the button through the jump.
 */
function jumpAtBall(car: CarView, dist: number, bz: number, out: Float32Array, allowed = true): void {
  if (car.onGround) out[CTRL_JUMP] = allowed && dist < 260 && bz - car.z > 120 && bz < 500 ? 1 : 0;
  else out[CTRL_JUMP] = car.jumping ? 1 : 0;
}

/** Chases the ball, approaching it from the side away from the opponent goal. */
function chase(state: CarSoccerState, arena: number, car: CarView, out: Float32Array): void {
  const [bx0, by0] = ballXY(state, arena);
  const dist0 = distTo(car, bx0, by0);
  // Lead the ball by roughly the time it takes to get there at the car's speed.
  const lead = clamp(dist0 / Math.max(car.speed, 1000), 0, 1.5);
  const [bx, by, bz] = ballAhead(state, arena, lead);
  const ahead = (car.y - by) * car.attack;
  let tx: number;
  let ty: number;
  if (ahead > -60) {
    // On the wrong side of the ball: go around it to a point on the own-goal side, passing it
    // at a sideways distance so that the car does not knock it toward its own goal.
    const side = car.x >= bx ? 1 : -1;
    tx = clamp(bx + side * 500, -3800, 3800);
    ty = clamp(by - car.attack * 700, -4900, 4900);
  } else {
    // Far away, aim behind the ball; close in, drive straight through it.
    [tx, ty] = behindBall(bx, by, car.attack * BACK_WALL_Y, dist0 > 600 ? 150 : 0);
  }
  const dist = driveTo(car, tx, ty, out, 1200);
  jumpAtBall(car, dist, bz, out, ahead <= -60);
}

function isDemoed(state: CarSoccerState, arena: number, car: number): boolean {
  return state.cars[state.carOffset(arena, car) + C_IS_DEMOED] === 1;
}

/**
 * The start of every driving bot's decision: checks the arguments and zeroes the controls; then the
 * car's view, or null while the car is demolished (it does nothing until it respawns).
 */
function startDecision(
  state: CarSoccerState,
  arena: number,
  car: number,
  controls: Float32Array,
): CarView | null {
  checkCar(state, arena, car, controls);
  clearControls(controls);
  return isDemoed(state, arena, car) ? null : viewCar(state, arena, car);
}

class BallChaserBot implements CarSoccerBot {
  readonly name = "ball-chaser";
  reset(_seed: number): void {}
  act(state: CarSoccerState, arena: number, car: number, controls: Float32Array): void {
    const me = startDecision(state, arena, car, controls);
    if (me) chase(state, arena, me, controls);
  }
}

/** The ball as the defending bots read it: relative to the car and to its own goal. */
interface DefenceView {
  bx: number;
  by: number;
  /** The y of the car's own goal line. */
  ownGoalY: number;
  ballToMe: number;
  /** From the ball to the centre of the own goal line. */
  ballToGoal: number;
  /** The car is between the ball and its own goal (in y). */
  goalSide: boolean;
}

function viewDefence(state: CarSoccerState, arena: number, me: CarView): DefenceView {
  const [bx, by] = ballXY(state, arena);
  const ownGoalY = -me.attack * BACK_WALL_Y;
  return {
    bx,
    by,
    ownGoalY,
    ballToMe: distTo(me, bx, by),
    ballToGoal: Math.sqrt(bx * bx + (by - ownGoalY) ** 2),
    goalSide: (me.y - by) * me.attack < 0,
  };
}

/** Guard spot: this far from the own goal line toward the ball, at most. */
const GUARD_DISTANCE = 1200;
/** The defender leaves its spot to clear a ball within this distance of it or of the own goal. */
const CLEAR_RADIUS = 2500;
const DANGER_RADIUS = 2500;

class DefenderBot implements CarSoccerBot {
  readonly name = "defender";
  reset(_seed: number): void {}
  act(state: CarSoccerState, arena: number, car: number, controls: Float32Array): void {
    const me = startDecision(state, arena, car, controls);
    if (!me) return;
    const { bx, by, ownGoalY, ballToMe, ballToGoal, goalSide } = viewDefence(state, arena, me);
    // A ball is clearable when the car is on the goal side of it (else chasing it scores for them).
    if ((ballToMe < CLEAR_RADIUS && goalSide) || ballToGoal < DANGER_RADIUS) {
      chase(state, arena, me, controls);
      return;
    }
    // Guard spot on the segment from the goal centre to the ball.
    const along = Math.min(GUARD_DISTANCE, ballToGoal * 0.5) / (ballToGoal || 1);
    const gx = bx * along;
    const gy = ownGoalY + (by - ownGoalY) * along;
    holdSpot(me, gx, gy, bx, by, controls, 250, 2500);
  }
}

/**
 * Waits at (tx, ty): drives there (boosting only beyond `boostBeyond`, slowing down on the approach
 * so as not to overshoot), then, within `arrive` of it, brakes to a stop and turns toward the ball
 * (bx, by) while creeping.
 */
function holdSpot(
  me: CarView,
  tx: number,
  ty: number,
  bx: number,
  by: number,
  out: Float32Array,
  arrive = 300,
  boostBeyond = 3000,
): void {
  const dist = distTo(me, tx, ty);
  if (dist < arrive) {
    const angle = angleTo(me, bx, by);
    out[CTRL_STEER] = clamp(-angle * 3, -1, 1);
    out[CTRL_THROTTLE] = me.speed > 200 ? -1 : Math.abs(angle) > 0.5 ? 0.3 : 0;
    return;
  }
  driveTo(me, tx, ty, out, boostBeyond);
  if (dist < 900 && me.speed > 900) out[CTRL_THROTTLE] = 0;
}

/** The shadow's spot: this far from the ball toward its own goal's centre. */
const SHADOW_DISTANCE = 1800;
/** From the goal side, the shadow challenges a ball within this distance of it ... */
const SHADOW_CHALLENGE = 1000;
/** ... or any ball within this distance of its own goal. */
const SHADOW_DANGER = 2500;

class ShadowBot implements CarSoccerBot {
  readonly name = "shadow";
  reset(_seed: number): void {}
  act(state: CarSoccerState, arena: number, car: number, controls: Float32Array): void {
    const me = startDecision(state, arena, car, controls);
    if (!me) return;
    const view = viewDefence(state, arena, me);
    const { bx, by, ownGoalY, ballToMe, goalSide } = view;
    const ballToGoal = view.ballToGoal || 1;
    if (goalSide && (ballToMe < SHADOW_CHALLENGE || ballToGoal < SHADOW_DANGER)) {
      // Facing the ball from its goal side: meeting it head-on clears it upfield.
      const [tx, ty, tz] = ballAhead(state, arena, clamp(ballToMe / Math.max(me.speed, 1000), 0, 1));
      jumpAtBall(me, driveTo(me, tx, ty, controls, 0), tz, controls);
      return;
    }
    if (ballToGoal < SHADOW_DANGER) {
      // Beaten, with the ball near goal: the chaser's way round is the only safe one.
      chase(state, arena, me, controls);
      return;
    }
    // Anchored on the ball, not the goal: the spot follows the ball upfield.
    const d = Math.min(SHADOW_DISTANCE, ballToGoal * 0.6) / ballToGoal;
    const sx = bx * (1 - d);
    const sy = by + (ownGoalY - by) * d;
    if (!goalSide) {
      // Ahead of the ball: get back past it well to one side so as not to knock it goalward.
      const side = me.x >= bx ? 1 : -1;
      driveTo(me, clamp(bx + side * 900, -3800, 3800), sy, controls, 1500);
      return;
    }
    holdSpot(me, sx, sy, bx, by, controls);
  }
}

/** The collector refills below this much boost ... */
const REFILL_BELOW = 30;
/** ... until it holds this much. */
const REFILL_UNTIL = 90;
/** It leaves refilling to defend a ball this close to its own goal. */
const COLLECTOR_DANGER = 2000;

class BoostCollectorBot implements CarSoccerBot {
  readonly name = "boost-collector";
  /** Cars (arena × cars + car) currently refilling: the hysteresis is per car. */
  private refilling = new Set<number>();
  reset(_seed: number): void {
    this.refilling.clear();
  }
  act(state: CarSoccerState, arena: number, car: number, controls: Float32Array): void {
    const me = startDecision(state, arena, car, controls);
    if (!me) return;
    const key = arena * state.numCars + car;
    if (me.boost < REFILL_BELOW) this.refilling.add(key);
    else if (me.boost >= REFILL_UNTIL) this.refilling.delete(key);
    const [bx, by] = ballXY(state, arena);
    const ballToGoal = Math.sqrt(bx * bx + (by + me.attack * BACK_WALL_Y) ** 2);
    const pad = this.refilling.has(key) && ballToGoal > COLLECTOR_DANGER ? nearestPad(state, arena, me) : -1;
    if (pad < 0) {
      chase(state, arena, me, controls);
      return;
    }
    const [px, py] = BOOST_PADS[pad]!;
    // No boosting on the way to boost.
    driveTo(me, px, py, controls, Number.POSITIVE_INFINITY);
  }
}

/** The nearest available big pad, else the nearest available small one, else -1. */
function nearestPad(state: CarSoccerState, arena: number, me: CarView): number {
  const ao = arena * ARENA_FIELDS;
  const tick = state.arena[ao + A_TICK]!;
  let best = -1;
  let bestScore = Number.POSITIVE_INFINITY;
  BOOST_PADS.forEach(([x, y, big], p) => {
    if (tick < state.arena[ao + A_PAD_READY + p]!) return;
    // A small pad counts only when no big pad is up.
    const score = distTo(me, x, y) + (big ? 0 : 1e5);
    if (score < bestScore) {
      best = p;
      bestScore = score;
    }
  });
  return best;
}

/** The forward waits while the ball is deeper than this in its own half ... */
const FORWARD_WAIT_BEYOND = 1000;
/** ... at this depth in the attacking half. */
const FORWARD_SPOT_Y = 1200;

class ForwardBot implements CarSoccerBot {
  readonly name = "forward";
  reset(_seed: number): void {}
  act(state: CarSoccerState, arena: number, car: number, controls: Float32Array): void {
    const me = startDecision(state, arena, car, controls);
    if (!me) return;
    const [bx, by] = ballXY(state, arena);
    if (by * me.attack > -FORWARD_WAIT_BEYOND) {
      chase(state, arena, me, controls);
      return;
    }
    // Upfield, on the ball's side of the field, ready for a clearance.
    holdSpot(me, clamp(bx * 0.5, -2500, 2500), me.attack * FORWARD_SPOT_Y, bx, by, controls);
  }
}

class RandomBot implements CarSoccerBot {
  readonly name = "random";
  private rng = new Rng(0);
  reset(seed: number): void {
    this.rng = new Rng(seed);
  }
  act(state: CarSoccerState, arena: number, car: number, controls: Float32Array): void {
    checkCar(state, arena, car, controls);
    const r = this.rng;
    for (const i of [CTRL_THROTTLE, CTRL_STEER, CTRL_PITCH, CTRL_YAW, CTRL_ROLL])
      controls[i] = r.uniform(-1, 1);
    controls[CTRL_JUMP] = r.bernoulli(0.1) ? 1 : 0;
    controls[CTRL_BOOST] = r.bernoulli(0.2) ? 1 : 0;
    controls[CTRL_HANDBRAKE] = r.bernoulli(0.1) ? 1 : 0;
  }
}

class IdleBot implements CarSoccerBot {
  readonly name = "idle";
  reset(_seed: number): void {}
  act(state: CarSoccerState, arena: number, car: number, controls: Float32Array): void {
    checkCar(state, arena, car, controls);
    clearControls(controls);
  }
}
