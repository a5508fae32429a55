// One physics tick of one arena: cars, ball, contacts, pads, demolitions, goals. Reads and writes
// only the typed buffers of a CarSoccerState, allocates nothing, and uses only +, -, *, / and
// Math.sqrt (correctly rounded by IEEE 754), so every JavaScript engine gives the same bits.

import { nextFloat } from "../rng.js";
import {
  AIR_DAMPING_PITCH,
  AIR_DAMPING_ROLL,
  AIR_DAMPING_YAW,
  AIR_TORQUE_PITCH,
  AIR_TORQUE_ROLL,
  AIR_TORQUE_YAW,
  BACK_WALL_Y,
  BALL_BOUNCE_MIN_SPEED,
  BALL_CAR_EXTRA_IMPULSE_FORWARD_SCALE,
  BALL_CAR_EXTRA_IMPULSE_MAX_DELTA_VEL,
  BALL_CAR_EXTRA_IMPULSE_MIN_TICKS,
  BALL_CAR_EXTRA_IMPULSE_Z_SCALE,
  BALL_DRAG_PER_TICK,
  BALL_FRICTION,
  BALL_MASS,
  BALL_MAX_ANG_SPEED,
  BALL_MAX_SPEED,
  BALL_RADIUS,
  BALL_RESTITUTION,
  BIG_PAD_BOOST,
  BIG_PAD_COOLDOWN,
  BIG_PAD_RADIUS,
  BOOST_ACCEL_AIR,
  BOOST_ACCEL_GROUND,
  BOOST_MAX,
  BOOST_PADS,
  BOOST_SPAWN_AMOUNT,
  BOOST_USED_PER_SECOND,
  BRAKE_ACCEL,
  CAR_BALL_RESTITUTION,
  CAR_CAR_RESTITUTION,
  CAR_COLLISION_RADIUS,
  CAR_MASS,
  CAR_MAX_ANG_SPEED,
  CAR_MAX_SPEED,
  CAR_REST_Z,
  CEILING_Z,
  COAST_ACCEL,
  CORNER_SUM,
  DEMO_RESPAWN_TIME,
  DODGE_DEADZONE,
  DOUBLEJUMP_MAX_DELAY,
  DRIVE_CURVE_FACTORS,
  DRIVE_CURVE_SPEEDS,
  DT,
  EXTRA_IMPULSE_CURVE_FACTORS,
  EXTRA_IMPULSE_CURVE_SPEEDS,
  FLIP_BACKWARD_IMPULSE_MAX_SPEED_SCALE,
  FLIP_BACKWARD_IMPULSE_SCALE_X,
  FLIP_FORWARD_IMPULSE_MAX_SPEED_SCALE,
  FLIP_INITIAL_VEL_SCALE,
  FLIP_SIDE_IMPULSE_MAX_SPEED_SCALE,
  FLIP_TORQUE_PITCH,
  FLIP_TORQUE_ROLL,
  FLIP_TORQUE_TIME,
  GOAL_BACK_Y,
  GOAL_HALF_WIDTH,
  GOAL_HEIGHT,
  GOAL_SCORE_Y,
  GRAVITY_Z,
  HITBOX_HALF_X,
  HITBOX_HALF_Y,
  HITBOX_HALF_Z,
  HITBOX_OFFSET_X,
  HITBOX_OFFSET_Z,
  JUMP_ACCEL,
  JUMP_IMMEDIATE_VEL,
  JUMP_MAX_TIME,
  JUMP_MIN_TIME,
  LATERAL_GRIP_RATE,
  NUM_PADS,
  PAD_PICKUP_HEIGHT,
  POWERSLIDE_GRIP_RATE,
  POWERSLIDE_TURN_FACTOR,
  RESPAWN_SPOTS,
  SIDE_WALL_X,
  SMALL_PAD_BOOST,
  SMALL_PAD_COOLDOWN,
  SMALL_PAD_RADIUS,
  STEER_CURVE_CURVATURES,
  STEER_CURVE_SPEEDS,
  SUPERSONIC_MAINTAIN_MAX_TIME,
  SUPERSONIC_MAINTAIN_MIN_SPEED,
  SUPERSONIC_START_SPEED,
  THROTTLE_ACCEL,
  THROTTLE_AIR_ACCEL,
  THROTTLE_DEADZONE,
  TICK_RATE,
} from "./constants.js";
import {
  A_BLUE_SCORE,
  A_GOAL,
  A_LAST_TOUCH_CAR,
  A_LAST_TOUCH_TICK,
  A_ORANGE_SCORE,
  A_PAD_READY,
  A_TICK,
  ARENA_FIELDS,
  BALL_FIELDS,
  C_AIR_TIME_SINCE_JUMP,
  C_BALL_TOUCHES,
  C_BOOST,
  C_DEMOS,
  C_FLIP_DIR_X,
  C_FLIP_DIR_Y,
  C_FLIP_TIME,
  C_FX,
  C_HAS_DOUBLE_JUMPED,
  C_HAS_JUMPED,
  C_IS_BOOSTING,
  C_IS_DEMOED,
  C_IS_FLIPPING,
  C_IS_JUMPING,
  C_IS_SUPERSONIC,
  C_JUMP_TIME,
  C_LAST_EXTRA_HIT_TICK,
  C_LAST_JUMP,
  C_LAST_TOUCH_TICK,
  C_LX,
  C_ON_GROUND,
  C_RESPAWN_TIMER,
  C_SUPERSONIC_TIME,
  C_TEAM,
  C_UX,
  C_VX,
  C_WX,
  C_X,
  CAR_FIELDS,
  type CarSoccerState,
} from "./state.js";

const SQRT2 = Math.SQRT2;
const R = BALL_RADIUS;
const CAR_R = CAR_COLLISION_RADIUS;
const PAD_X = new Float64Array(BOOST_PADS.map((p) => p[0]));
const PAD_Y = new Float64Array(BOOST_PADS.map((p) => p[1]));
const PAD_R2 = new Float64Array(BOOST_PADS.map((p) => (p[2] ? BIG_PAD_RADIUS ** 2 : SMALL_PAD_RADIUS ** 2)));
const PAD_R = new Float64Array(BOOST_PADS.map((p) => (p[2] ? BIG_PAD_RADIUS : SMALL_PAD_RADIUS)));
const PAD_AMOUNT = new Float64Array(BOOST_PADS.map((p) => (p[2] ? BIG_PAD_BOOST : SMALL_PAD_BOOST)));
const PAD_COOLDOWN_TICKS = new Float64Array(
  BOOST_PADS.map((p) => (p[2] ? BIG_PAD_COOLDOWN : SMALL_PAD_COOLDOWN) * TICK_RATE),
);
const DRIVE_X = new Float64Array(DRIVE_CURVE_SPEEDS);
const DRIVE_Y = new Float64Array(DRIVE_CURVE_FACTORS);
const STEER_X = new Float64Array(STEER_CURVE_SPEEDS);
const STEER_Y = new Float64Array(STEER_CURVE_CURVATURES);
const EXTRA_X = new Float64Array(EXTRA_IMPULSE_CURVE_SPEEDS);
const EXTRA_Y = new Float64Array(EXTRA_IMPULSE_CURVE_FACTORS);
const MAX_SPEED_SQ = CAR_MAX_SPEED * CAR_MAX_SPEED;
const SS_START_SQ = SUPERSONIC_START_SPEED * SUPERSONIC_START_SPEED;
const SS_KEEP_SQ = SUPERSONIC_MAINTAIN_MIN_SPEED * SUPERSONIC_MAINTAIN_MIN_SPEED;

/** Piecewise-linear curve (RLConst LinearPieceCurve), flat beyond both ends. */
export function curve(xs: Float64Array, ys: Float64Array, x: number): number {
  if (x <= xs[0]!) return ys[0]!;
  const n = xs.length;
  for (let i = 1; i < n; i++) {
    const x1 = xs[i]!;
    if (x < x1) {
      const x0 = xs[i - 1]!;
      const y0 = ys[i - 1]!;
      return y0 + ((ys[i]! - y0) * (x - x0)) / (x1 - x0);
    }
  }
  return ys[n - 1]!;
}

/** Advances arena `a` by one tick (1/120 s) under the controls in `state.controls`. */
export function tickArena(s: CarSoccerState, a: number): void {
  const n = s.numCars;
  const ao = a * ARENA_FIELDS;
  const tick = s.arena[ao + A_TICK]!;
  for (let c = 0; c < n; c++) updateCar(s, a, c, tick);
  const bo = a * BALL_FIELDS;
  updateBall(s.ball, bo);
  for (let c = 0; c < n; c++) carBall(s, a, c, tick);
  carCar(s, a);
  clampBall(s.ball, bo);
  const arena = s.arena;
  if (arena[ao + A_GOAL] === 0) {
    const by = s.ball[bo + 1]!;
    if (by > GOAL_SCORE_Y) {
      arena[ao + A_GOAL] = 1;
      arena[ao + A_BLUE_SCORE]! += 1;
    } else if (by < -GOAL_SCORE_Y) {
      arena[ao + A_GOAL] = -1;
      arena[ao + A_ORANGE_SCORE]! += 1;
    }
  }
  arena[ao + A_TICK] = tick + 1;
}

function updateCar(s: CarSoccerState, a: number, c: number, tick: number): void {
  const k = s.cars;
  const o = (a * s.numCars + c) * CAR_FIELDS;
  if (k[o + C_IS_DEMOED] === 1) {
    const t = k[o + C_RESPAWN_TIMER]! - DT;
    // Half a tick of slack: 3 s is 360 ticks even though 1/120 is not exact in binary.
    if (t <= DT / 2) respawn(s, a, c);
    else k[o + C_RESPAWN_TIMER] = t;
    return;
  }
  const ctl = s.controls;
  const co = (a * s.numCars + c) * 8;
  const throttle = ctl[co]!;
  const steer = ctl[co + 1]!;
  const pitch = ctl[co + 2]!;
  const yaw = ctl[co + 3]!;
  const roll = ctl[co + 4]!;
  const jumpIn = ctl[co + 5]! > 0.5;
  const boostIn = ctl[co + 6]! > 0.5;
  const handbrake = ctl[co + 7]! > 0.5;
  const pressed = jumpIn && k[o + C_LAST_JUMP] === 0;

  let x = k[o + C_X]!;
  let y = k[o + C_X + 1]!;
  let z = k[o + C_X + 2]!;
  let vx = k[o + C_VX]!;
  let vy = k[o + C_VX + 1]!;
  let vz = k[o + C_VX + 2]!;
  let wx = k[o + C_WX]!;
  let wy = k[o + C_WX + 1]!;
  let wz = k[o + C_WX + 2]!;
  let fx = k[o + C_FX]!;
  let fy = k[o + C_FX + 1]!;
  let fz = k[o + C_FX + 2]!;
  let lx = k[o + C_LX]!;
  let ly = k[o + C_LX + 1]!;
  let lz = k[o + C_LX + 2]!;
  let ux = k[o + C_UX]!;
  let uy = k[o + C_UX + 1]!;
  let uz = k[o + C_UX + 2]!;
  let onGround = k[o + C_ON_GROUND] === 1;
  let isJumping = k[o + C_IS_JUMPING] === 1;
  let jumpTime = k[o + C_JUMP_TIME]!;

  let boosting = false;
  const boost = k[o + C_BOOST]!;
  if (boostIn && boost > 0) {
    boosting = true;
    const left = boost - BOOST_USED_PER_SECOND * DT;
    k[o + C_BOOST] = Math.max(left, 0);
  }
  k[o + C_IS_BOOSTING] = boosting ? 1 : 0;

  if (onGround) {
    // Turn first: the yaw rate is speed times a curvature that shrinks with speed.
    let vf = vx * fx + vy * fy;
    const speed = vf < 0 ? -vf : vf;
    let yawRate = -steer * curve(STEER_X, STEER_Y, speed) * vf;
    if (handbrake) yawRate *= POWERSLIDE_TURN_FACTOR;
    const turn = yawRate * DT;
    const nfx = fx - fy * turn;
    const nfy = fy + fx * turn;
    const len = Math.sqrt(nfx * nfx + nfy * nfy);
    fx = nfx / len;
    fy = nfy / len;
    fz = 0;
    lx = -fy;
    ly = fx;
    lz = 0;
    ux = 0;
    uy = 0;
    uz = 1;
    vf = vx * fx + vy * fy;
    let vl = vx * lx + vy * ly;
    const thr = boosting ? 1 : throttle;
    if (thr > THROTTLE_DEADZONE || thr < -THROTTLE_DEADZONE) {
      // Throttle against the motion brakes; with it, accelerates along the drive curve.
      if (vf * thr < 0) vf += (thr > 0 ? BRAKE_ACCEL : -BRAKE_ACCEL) * DT;
      else vf += THROTTLE_ACCEL * curve(DRIVE_X, DRIVE_Y, vf < 0 ? -vf : vf) * thr * DT;
    } else {
      const dv = COAST_ACCEL * DT;
      vf = vf > dv ? vf - dv : vf < -dv ? vf + dv : 0;
    }
    if (boosting) vf += BOOST_ACCEL_GROUND * DT;
    // Tyres kill sideways speed quickly; a powerslide lets the car drift.
    const grip = (handbrake ? POWERSLIDE_GRIP_RATE : LATERAL_GRIP_RATE) * DT;
    vl *= grip < 1 ? 1 - grip : 0;
    vx = fx * vf + lx * vl;
    vy = fy * vf + ly * vl;
    vz = 0;
    wx = 0;
    wy = 0;
    wz = yawRate;
    if (pressed) {
      onGround = false;
      isJumping = true;
      jumpTime = 0;
      k[o + C_HAS_JUMPED] = 1;
      k[o + C_AIR_TIME_SINCE_JUMP] = 0;
      vz += JUMP_IMMEDIATE_VEL;
    }
  } else {
    // Air control in the car's frame: roll about forward, pitch (nose up) about -left, yaw (right) about -up.
    let wr = wx * fx + wy * fy + wz * fz;
    let wp = -(wx * lx + wy * ly + wz * lz);
    let wyw = -(wx * ux + wy * uy + wz * uz);
    let flipping = k[o + C_IS_FLIPPING] === 1;
    if (flipping) {
      const ft = k[o + C_FLIP_TIME]! + DT;
      k[o + C_FLIP_TIME] = ft;
      if (ft >= FLIP_TORQUE_TIME) {
        flipping = false;
        k[o + C_IS_FLIPPING] = 0;
      }
    }
    if (flipping) {
      wp -= FLIP_TORQUE_PITCH * k[o + C_FLIP_DIR_X]! * DT;
      wr += FLIP_TORQUE_ROLL * k[o + C_FLIP_DIR_Y]! * DT;
    } else {
      wp += (AIR_TORQUE_PITCH * pitch - AIR_DAMPING_PITCH * wp * (1 - (pitch < 0 ? -pitch : pitch))) * DT;
      wr += (AIR_TORQUE_ROLL * roll - AIR_DAMPING_ROLL * wr) * DT;
    }
    wyw += (AIR_TORQUE_YAW * yaw - AIR_DAMPING_YAW * wyw * (1 - (yaw < 0 ? -yaw : yaw))) * DT;
    wx = fx * wr - lx * wp - ux * wyw;
    wy = fy * wr - ly * wp - uy * wyw;
    wz = fz * wr - lz * wp - uz * wyw;
    const w2 = wx * wx + wy * wy + wz * wz;
    if (w2 > CAR_MAX_ANG_SPEED * CAR_MAX_ANG_SPEED) {
      const scale = CAR_MAX_ANG_SPEED / Math.sqrt(w2);
      wx *= scale;
      wy *= scale;
      wz *= scale;
    }
    if (boosting) {
      vx += fx * BOOST_ACCEL_AIR * DT;
      vy += fy * BOOST_ACCEL_AIR * DT;
      vz += fz * BOOST_ACCEL_AIR * DT;
    } else {
      const acc = THROTTLE_AIR_ACCEL * throttle * DT;
      vx += fx * acc;
      vy += fy * acc;
      vz += fz * acc;
    }
    const hasJumped = k[o + C_HAS_JUMPED] === 1;
    const airTime = k[o + C_AIR_TIME_SINCE_JUMP]!;
    if (
      pressed &&
      !isJumping &&
      k[o + C_HAS_DOUBLE_JUMPED] === 0 &&
      (!hasJumped || airTime < DOUBLEJUMP_MAX_DELAY)
    ) {
      k[o + C_HAS_DOUBLE_JUMPED] = 1;
      const stick = (pitch < 0 ? -pitch : pitch) + (yaw < 0 ? -yaw : yaw) + (roll < 0 ? -roll : roll);
      if (stick >= DODGE_DEADZONE) {
        vz = dodge(k, o, pitch, yaw, roll, vx, vy, vz, fx, fy, ux, uy, fz);
        vx = k[o + C_VX]!;
        vy = k[o + C_VX + 1]!;
      } else {
        vx += ux * JUMP_IMMEDIATE_VEL;
        vy += uy * JUMP_IMMEDIATE_VEL;
        vz += uz * JUMP_IMMEDIATE_VEL;
      }
    }
    if (hasJumped) k[o + C_AIR_TIME_SINCE_JUMP] = airTime + DT;
  }

  if (isJumping) {
    // The jump keeps pushing while held, for at least JUMP_MIN_TIME and at most JUMP_MAX_TIME.
    if (jumpTime < JUMP_MIN_TIME || (jumpIn && jumpTime < JUMP_MAX_TIME)) {
      vx += ux * JUMP_ACCEL * DT;
      vy += uy * JUMP_ACCEL * DT;
      vz += uz * JUMP_ACCEL * DT;
      jumpTime += DT;
    } else isJumping = false;
  }
  if (!onGround) vz += GRAVITY_Z * DT;

  const sp2 = vx * vx + vy * vy + vz * vz;
  if (sp2 > MAX_SPEED_SQ) {
    const scale = CAR_MAX_SPEED / Math.sqrt(sp2);
    vx *= scale;
    vy *= scale;
    vz *= scale;
  }
  const speedSq = vx * vx + vy * vy + vz * vz;
  let supersonic = k[o + C_IS_SUPERSONIC] === 1;
  const ssTime = k[o + C_SUPERSONIC_TIME]!;
  // Once supersonic, a car stays so down to 2100 uu/s for up to a second.
  if (supersonic && ssTime < SUPERSONIC_MAINTAIN_MAX_TIME) supersonic = speedSq >= SS_KEEP_SQ;
  else supersonic = speedSq >= SS_START_SQ;
  k[o + C_IS_SUPERSONIC] = supersonic ? 1 : 0;
  k[o + C_SUPERSONIC_TIME] = supersonic ? ssTime + DT : 0;

  x += vx * DT;
  y += vy * DT;
  z += vz * DT;

  if (!onGround) {
    // Rotate the frame by w·dt (first order), then re-orthonormalise (Gram-Schmidt).
    let nfx = fx + (wy * fz - wz * fy) * DT;
    let nfy = fy + (wz * fx - wx * fz) * DT;
    let nfz = fz + (wx * fy - wy * fx) * DT;
    let nux = ux + (wy * uz - wz * uy) * DT;
    let nuy = uy + (wz * ux - wx * uz) * DT;
    let nuz = uz + (wx * uy - wy * ux) * DT;
    let len = Math.sqrt(nfx * nfx + nfy * nfy + nfz * nfz);
    nfx /= len;
    nfy /= len;
    nfz /= len;
    const d = nux * nfx + nuy * nfy + nuz * nfz;
    nux -= d * nfx;
    nuy -= d * nfy;
    nuz -= d * nfz;
    len = Math.sqrt(nux * nux + nuy * nuy + nuz * nuz);
    fx = nfx;
    fy = nfy;
    fz = nfz;
    ux = nux / len;
    uy = nuy / len;
    uz = nuz / len;
    lx = uy * fz - uz * fy;
    ly = uz * fx - ux * fz;
    lz = ux * fy - uy * fx;

    if (z <= CAR_REST_Z && vz <= 0) {
      // Landing: the car settles on its wheels, keeping its heading.
      z = CAR_REST_Z;
      vz = 0;
      onGround = true;
      isJumping = false;
      k[o + C_HAS_JUMPED] = 0;
      k[o + C_HAS_DOUBLE_JUMPED] = 0;
      k[o + C_IS_FLIPPING] = 0;
      k[o + C_AIR_TIME_SINCE_JUMP] = 0;
      let hx = fx;
      let hy = fy;
      if (hx * hx + hy * hy < 0.01) {
        // Nose straight down (or up): the roof points the way the car was heading.
        hx = fz < 0 ? ux : -ux;
        hy = fz < 0 ? uy : -uy;
      }
      let hl = Math.sqrt(hx * hx + hy * hy);
      if (hl < 1e-9) {
        hx = 1;
        hy = 0;
        hl = 1;
      }
      fx = hx / hl;
      fy = hy / hl;
      fz = 0;
      lx = -fy;
      ly = fx;
      lz = 0;
      ux = 0;
      uy = 0;
      uz = 1;
      wx = 0;
      wy = 0;
      wz = 0;
    } else if (z < CAR_REST_Z) z = CAR_REST_Z;
  }
  if (z > CEILING_Z - CAR_R) {
    z = CEILING_Z - CAR_R;
    if (vz > 0) vz = 0;
  }

  // Walls: the car is a sphere of radius CAR_R for the arena; it may enter the goal through the mouth.
  if (x > SIDE_WALL_X - CAR_R) {
    x = SIDE_WALL_X - CAR_R;
    if (vx > 0) vx = 0;
  } else if (x < CAR_R - SIDE_WALL_X) {
    x = CAR_R - SIDE_WALL_X;
    if (vx < 0) vx = 0;
  }
  const sx = x < 0 ? -1 : 1;
  const sy = y < 0 ? -1 : 1;
  const over = sx * x + sy * y - (CORNER_SUM - CAR_R * SQRT2);
  if (over > 0) {
    x -= (sx * over) / 2;
    y -= (sy * over) / 2;
    const vn = vx * sx + vy * sy;
    if (vn > 0) {
      vx -= (sx * vn) / 2;
      vy -= (sy * vn) / 2;
    }
  }
  const ay = sy * y;
  if (ay > BACK_WALL_Y) {
    const hw = GOAL_HALF_WIDTH - CAR_R;
    if (x > hw) x = hw;
    else if (x < -hw) x = -hw;
    if (z > GOAL_HEIGHT - CAR_R) z = GOAL_HEIGHT - CAR_R;
    if (ay > GOAL_BACK_Y - CAR_R) {
      y = sy * (GOAL_BACK_Y - CAR_R);
      if (vy * sy > 0) vy = 0;
    }
  } else if (ay > BACK_WALL_Y - CAR_R) {
    const ax = x < 0 ? -x : x;
    if (!(ax < GOAL_HALF_WIDTH - CAR_R && z < GOAL_HEIGHT - CAR_R)) {
      y = sy * (BACK_WALL_Y - CAR_R);
      if (vy * sy > 0) vy = 0;
    }
  }

  // Boost pads: a car picks up an active pad whose circle holds its origin.
  if (z < PAD_PICKUP_HEIGHT) {
    const ar = s.arena;
    const po = a * ARENA_FIELDS + A_PAD_READY;
    for (let p = 0; p < NUM_PADS; p++) {
      const dx = x - PAD_X[p]!;
      const r = PAD_R[p]!;
      if (dx > r || dx < -r) continue;
      const dy = y - PAD_Y[p]!;
      if (dx * dx + dy * dy >= PAD_R2[p]! || tick < ar[po + p]!) continue;
      const b = k[o + C_BOOST]!;
      if (b >= BOOST_MAX) continue;
      const nb = b + PAD_AMOUNT[p]!;
      k[o + C_BOOST] = Math.min(nb, BOOST_MAX);
      ar[po + p] = tick + PAD_COOLDOWN_TICKS[p]!;
    }
  }

  k[o + C_X] = x;
  k[o + C_X + 1] = y;
  k[o + C_X + 2] = z;
  k[o + C_VX] = vx;
  k[o + C_VX + 1] = vy;
  k[o + C_VX + 2] = vz;
  k[o + C_WX] = wx;
  k[o + C_WX + 1] = wy;
  k[o + C_WX + 2] = wz;
  k[o + C_FX] = fx;
  k[o + C_FX + 1] = fy;
  k[o + C_FX + 2] = fz;
  k[o + C_LX] = lx;
  k[o + C_LX + 1] = ly;
  k[o + C_LX + 2] = lz;
  k[o + C_UX] = ux;
  k[o + C_UX + 1] = uy;
  k[o + C_UX + 2] = uz;
  k[o + C_ON_GROUND] = onGround ? 1 : 0;
  k[o + C_IS_JUMPING] = isJumping ? 1 : 0;
  k[o + C_JUMP_TIME] = jumpTime;
  k[o + C_LAST_JUMP] = jumpIn ? 1 : 0;
}

/** Starts a dodge: sets the flip and adds RocketSim's initial dodge velocity; returns the new vz. */
function dodge(
  k: Float64Array,
  o: number,
  pitch: number,
  yaw: number,
  roll: number,
  vx: number,
  vy: number,
  vz: number,
  fx: number,
  fy: number,
  ux: number,
  uy: number,
  fz: number,
): number {
  let dx = -pitch;
  let dy = yaw + roll;
  if (dy > 1) dy = 1;
  else if (dy < -1) dy = -1;
  if (dx < 0.1 && dx > -0.1) dx = 0;
  if (dy < 0.1 && dy > -0.1) dy = 0;
  const dl = Math.sqrt(dx * dx + dy * dy);
  if (dl > 0) {
    dx /= dl;
    dy /= dl;
  }
  k[o + C_IS_FLIPPING] = 1;
  k[o + C_FLIP_TIME] = 0;
  k[o + C_FLIP_DIR_X] = dx;
  k[o + C_FLIP_DIR_Y] = dy;
  // The impulse is horizontal, along the car's heading.
  let hx = fx;
  let hy = fy;
  if (hx * hx + hy * hy < 0.01) {
    hx = fz < 0 ? ux : -ux;
    hy = fz < 0 ? uy : -uy;
  }
  let hl = Math.sqrt(hx * hx + hy * hy);
  if (hl < 1e-9) {
    hx = 1;
    hy = 0;
    hl = 1;
  }
  hx /= hl;
  hy /= hl;
  const forwardSpeed = vx * hx + vy * hy;
  const absForward = forwardSpeed < 0 ? -forwardSpeed : forwardSpeed;
  const ratio = absForward / CAR_MAX_SPEED;
  const backwards = absForward < 100 ? dx < 0 : dx >= 0 !== forwardSpeed > 0;
  let ix = dx * FLIP_INITIAL_VEL_SCALE;
  let iy = dy * FLIP_INITIAL_VEL_SCALE;
  ix *=
    ((backwards ? FLIP_BACKWARD_IMPULSE_MAX_SPEED_SCALE : FLIP_FORWARD_IMPULSE_MAX_SPEED_SCALE) - 1) * ratio +
    1;
  iy *= (FLIP_SIDE_IMPULSE_MAX_SPEED_SCALE - 1) * ratio + 1;
  if (backwards) ix *= FLIP_BACKWARD_IMPULSE_SCALE_X;
  // Sideways positive is to the right, i.e. along -left = (hy, -hx).
  k[o + C_VX] = vx + hx * ix + hy * iy;
  k[o + C_VX + 1] = vy + hy * ix - hx * iy;
  // A dodge stalls the fall.
  return Math.max(vz, 0);
}

function respawn(s: CarSoccerState, a: number, c: number): void {
  const k = s.cars;
  const o = (a * s.numCars + c) * CAR_FIELDS;
  const spot = RESPAWN_SPOTS[Math.floor(nextFloat(s.rng, a * 4) * RESPAWN_SPOTS.length)]!;
  const m = k[o + C_TEAM] === 1 ? -1 : 1;
  const demos = k[o + C_DEMOS]!;
  const touches = k[o + C_BALL_TOUCHES]!;
  const team = k[o + C_TEAM]!;
  for (let i = 0; i < CAR_FIELDS; i++) k[o + i] = 0;
  k[o + C_TEAM] = team;
  k[o + C_DEMOS] = demos;
  k[o + C_BALL_TOUCHES] = touches;
  k[o + C_X] = m * spot[0];
  k[o + C_X + 1] = m * spot[1];
  k[o + C_X + 2] = CAR_REST_Z;
  k[o + C_FX + 1] = m;
  k[o + C_LX] = -m;
  k[o + C_UX + 2] = 1;
  k[o + C_ON_GROUND] = 1;
  k[o + C_BOOST] = BOOST_SPAWN_AMOUNT;
  k[o + C_LAST_EXTRA_HIT_TICK] = -1000;
  k[o + C_LAST_TOUCH_TICK] = -1000;
  // Jump must be released and pressed again after a respawn.
  k[o + C_LAST_JUMP] = 1;
}

function updateBall(b: Float64Array, o: number): void {
  const vx = b[o + 3]! * BALL_DRAG_PER_TICK;
  const vy = b[o + 4]! * BALL_DRAG_PER_TICK;
  const vz = (b[o + 5]! + GRAVITY_Z * DT) * BALL_DRAG_PER_TICK;
  b[o + 3] = vx;
  b[o + 4] = vy;
  b[o + 5] = vz;
  const x = b[o]! + vx * DT;
  const y = b[o + 1]! + vy * DT;
  const z = b[o + 2]! + vz * DT;
  b[o] = x;
  b[o + 1] = y;
  b[o + 2] = z;

  if (z < R) ballWorldContact(b, o, 0, 0, 1, R - z);
  else if (z > CEILING_Z - R) ballWorldContact(b, o, 0, 0, -1, z - (CEILING_Z - R));
  if (b[o]! > SIDE_WALL_X - R) ballWorldContact(b, o, -1, 0, 0, b[o]! - (SIDE_WALL_X - R));
  else if (b[o]! < R - SIDE_WALL_X) ballWorldContact(b, o, 1, 0, 0, R - SIDE_WALL_X - b[o]!);
  {
    const cx = b[o]!;
    const cy = b[o + 1]!;
    const sx = cx < 0 ? -1 : 1;
    const sy = cy < 0 ? -1 : 1;
    const pen = R - (CORNER_SUM - sx * cx - sy * cy) / SQRT2;
    if (pen > 0) ballWorldContact(b, o, -sx / SQRT2, -sy / SQRT2, 0, pen);
  }
  const cy = b[o + 1]!;
  const sy = cy < 0 ? -1 : 1;
  const ay = sy * cy;
  if (ay > BACK_WALL_Y) {
    // Inside the goal box.
    const cx = b[o]!;
    if (cx > GOAL_HALF_WIDTH - R) ballWorldContact(b, o, -1, 0, 0, cx - (GOAL_HALF_WIDTH - R));
    else if (cx < R - GOAL_HALF_WIDTH) ballWorldContact(b, o, 1, 0, 0, R - GOAL_HALF_WIDTH - cx);
    const cz = b[o + 2]!;
    if (cz > GOAL_HEIGHT - R) ballWorldContact(b, o, 0, 0, -1, cz - (GOAL_HEIGHT - R));
    if (ay > GOAL_BACK_Y - R) ballWorldContact(b, o, 0, -sy, 0, ay - (GOAL_BACK_Y - R));
  } else if (ay > BACK_WALL_Y - R) {
    const cx = b[o]!;
    const cz = b[o + 2]!;
    const ax = cx < 0 ? -cx : cx;
    if (ax < GOAL_HALF_WIDTH && cz < GOAL_HEIGHT) {
      // In front of the mouth: only the post or the crossbar (edges at the wall plane) can touch.
      const toPost = GOAL_HALF_WIDTH - ax;
      const toBar = GOAL_HEIGHT - cz;
      const dy = ay - BACK_WALL_Y;
      const dEdge = Math.min(toPost, toBar);
      const d2 = dEdge * dEdge + dy * dy;
      if (d2 < R * R && d2 > 0) {
        const d = Math.sqrt(d2);
        const ny = (sy * dy) / d;
        const ne = -dEdge / d;
        if (toPost < toBar) ballWorldContact(b, o, cx < 0 ? -ne : ne, ny, 0, R - d);
        else ballWorldContact(b, o, 0, ny, ne, R - d);
      }
    } else ballWorldContact(b, o, 0, -sy, 0, ay - (BACK_WALL_Y - R));
  }
}

/**
 * Resolves a ball-arena contact along the unit normal (pointing into the field), penetration
 * `pen`: push out, bounce with restitution 0.6, and Coulomb friction 0.35 on the contact point's
 * slip, which spins the ball (solid sphere, I = 2/5 m r²).
 */
function ballWorldContact(b: Float64Array, o: number, nx: number, ny: number, nz: number, pen: number): void {
  b[o] = b[o]! + nx * pen;
  b[o + 1] = b[o + 1]! + ny * pen;
  b[o + 2] = b[o + 2]! + nz * pen;
  let vx = b[o + 3]!;
  let vy = b[o + 4]!;
  let vz = b[o + 5]!;
  const vn = vx * nx + vy * ny + vz * nz;
  if (vn >= 0) return;
  const e = vn < -BALL_BOUNCE_MIN_SPEED ? BALL_RESTITUTION : 0;
  const jn = -(1 + e) * vn;
  vx += nx * jn;
  vy += ny * jn;
  vz += nz * jn;
  const wx = b[o + 6]!;
  const wy = b[o + 7]!;
  const wz = b[o + 8]!;
  const vn2 = vx * nx + vy * ny + vz * nz;
  // Slip of the contact point: tangential velocity - R (w × n).
  const sx = vx - vn2 * nx - R * (wy * nz - wz * ny);
  const sy = vy - vn2 * ny - R * (wz * nx - wx * nz);
  const sz = vz - vn2 * nz - R * (wx * ny - wy * nx);
  let jx = (-2 / 7) * sx;
  let jy = (-2 / 7) * sy;
  let jz = (-2 / 7) * sz;
  const j2 = jx * jx + jy * jy + jz * jz;
  const jmax = BALL_FRICTION * jn;
  if (j2 > jmax * jmax) {
    const scale = jmax / Math.sqrt(j2);
    jx *= scale;
    jy *= scale;
    jz *= scale;
  }
  b[o + 3] = vx + jx;
  b[o + 4] = vy + jy;
  b[o + 5] = vz + jz;
  // dw = -(5 / 2R) (n × J)
  const f = -5 / (2 * R);
  b[o + 6] = wx + f * (ny * jz - nz * jy);
  b[o + 7] = wy + f * (nz * jx - nx * jz);
  b[o + 8] = wz + f * (nx * jy - ny * jx);
}

function clampBall(b: Float64Array, o: number): void {
  const vx = b[o + 3]!;
  const vy = b[o + 4]!;
  const vz = b[o + 5]!;
  const v2 = vx * vx + vy * vy + vz * vz;
  if (v2 > BALL_MAX_SPEED * BALL_MAX_SPEED) {
    const scale = BALL_MAX_SPEED / Math.sqrt(v2);
    b[o + 3] = vx * scale;
    b[o + 4] = vy * scale;
    b[o + 5] = vz * scale;
  }
  const wx = b[o + 6]!;
  const wy = b[o + 7]!;
  const wz = b[o + 8]!;
  const w2 = wx * wx + wy * wy + wz * wz;
  if (w2 > BALL_MAX_ANG_SPEED * BALL_MAX_ANG_SPEED) {
    const scale = BALL_MAX_ANG_SPEED / Math.sqrt(w2);
    b[o + 6] = wx * scale;
    b[o + 7] = wy * scale;
    b[o + 8] = wz * scale;
  }
}

/** Ball against car `c`'s Octane hitbox (an oriented box): impulse, extra impulse, touch. */
function carBall(s: CarSoccerState, a: number, c: number, tick: number): void {
  const k = s.cars;
  const o = (a * s.numCars + c) * CAR_FIELDS;
  if (k[o + C_IS_DEMOED] === 1) return;
  const b = s.ball;
  const bo = a * BALL_FIELDS;
  const fx = k[o + C_FX]!;
  const fy = k[o + C_FX + 1]!;
  const fz = k[o + C_FX + 2]!;
  const lx = k[o + C_LX]!;
  const ly = k[o + C_LX + 1]!;
  const lz = k[o + C_LX + 2]!;
  const ux = k[o + C_UX]!;
  const uy = k[o + C_UX + 1]!;
  const uz = k[o + C_UX + 2]!;
  const px = k[o + C_X]!;
  const py = k[o + C_X + 1]!;
  const pz = k[o + C_X + 2]!;
  const hx = px + fx * HITBOX_OFFSET_X + ux * HITBOX_OFFSET_Z;
  const hy = py + fy * HITBOX_OFFSET_X + uy * HITBOX_OFFSET_Z;
  const hz = pz + fz * HITBOX_OFFSET_X + uz * HITBOX_OFFSET_Z;
  const bx = b[bo]!;
  const by = b[bo + 1]!;
  const bz = b[bo + 2]!;
  const dx = bx - hx;
  const dy = by - hy;
  const dz = bz - hz;
  // Cheap reject: farther than the box's bounding sphere plus the ball.
  const reach = R + 77;
  if (dx * dx + dy * dy + dz * dz > reach * reach) return;
  let cf = dx * fx + dy * fy + dz * fz;
  let cl = dx * lx + dy * ly + dz * lz;
  let cu = dx * ux + dy * uy + dz * uz;
  cf = cf > HITBOX_HALF_X ? HITBOX_HALF_X : Math.max(cf, -HITBOX_HALF_X);
  cl = cl > HITBOX_HALF_Y ? HITBOX_HALF_Y : Math.max(cl, -HITBOX_HALF_Y);
  cu = cu > HITBOX_HALF_Z ? HITBOX_HALF_Z : Math.max(cu, -HITBOX_HALF_Z);
  const qx = hx + fx * cf + lx * cl + ux * cu;
  const qy = hy + fy * cf + ly * cl + uy * cu;
  const qz = hz + fz * cf + lz * cl + uz * cu;
  let nx = bx - qx;
  let ny = by - qy;
  let nz = bz - qz;
  const d2 = nx * nx + ny * ny + nz * nz;
  if (d2 >= R * R) return;
  let d = Math.sqrt(d2);
  if (d > 1e-6) {
    nx /= d;
    ny /= d;
  } else {
    // Centre inside the box: push out away from the box centre.
    const dl = Math.sqrt(dx * dx + dy * dy + dz * dz);
    if (dl > 1e-6) {
      nx = dx / dl;
      ny = dy / dl;
      nz = dz / dl;
    } else {
      nx = ux;
      ny = uy;
      nz = uz;
    }
    d = 0;
  }
  if (d > 1e-6) nz /= d;
  const pen = R - d;
  b[bo] = bx + nx * pen;
  b[bo + 1] = by + ny * pen;
  b[bo + 2] = bz + nz * pen;

  const ar = s.arena;
  const ao = a * ARENA_FIELDS;
  ar[ao + A_LAST_TOUCH_TICK] = tick;
  ar[ao + A_LAST_TOUCH_CAR] = c;
  if (k[o + C_LAST_TOUCH_TICK]! < tick - 1) k[o + C_BALL_TOUCHES]! += 1;
  k[o + C_LAST_TOUCH_TICK] = tick;

  let vx = k[o + C_VX]!;
  let vy = k[o + C_VX + 1]!;
  let vz = k[o + C_VX + 2]!;
  const wx = k[o + C_WX]!;
  const wy = k[o + C_WX + 1]!;
  const wz = k[o + C_WX + 2]!;
  let bvx = b[bo + 3]!;
  let bvy = b[bo + 4]!;
  let bvz = b[bo + 5]!;
  // Extra impulse (RocketSim), from velocities before the contact is resolved.
  let ex = 0;
  let ey = 0;
  let ez = 0;
  if (tick - k[o + C_LAST_EXTRA_HIT_TICK]! >= BALL_CAR_EXTRA_IMPULSE_MIN_TICKS) {
    const rvx = bvx - vx;
    const rvy = bvy - vy;
    const rvz = bvz - vz;
    let relSpeed = Math.sqrt(rvx * rvx + rvy * rvy + rvz * rvz);
    if (relSpeed > BALL_CAR_EXTRA_IMPULSE_MAX_DELTA_VEL) relSpeed = BALL_CAR_EXTRA_IMPULSE_MAX_DELTA_VEL;
    if (relSpeed > 0) {
      k[o + C_LAST_EXTRA_HIT_TICK] = tick;
      let ax = b[bo]! - px;
      let ay = b[bo + 1]! - py;
      let az = (b[bo + 2]! - pz) * BALL_CAR_EXTRA_IMPULSE_Z_SCALE;
      let al = Math.sqrt(ax * ax + ay * ay + az * az);
      if (al > 0) {
        ax /= al;
        ay /= al;
        az /= al;
        const along = (ax * fx + ay * fy + az * fz) * (1 - BALL_CAR_EXTRA_IMPULSE_FORWARD_SCALE);
        ax -= fx * along;
        ay -= fy * along;
        az -= fz * along;
        al = Math.sqrt(ax * ax + ay * ay + az * az);
        if (al > 0) {
          const gain = (relSpeed * curve(EXTRA_X, EXTRA_Y, relSpeed)) / al;
          ex = ax * gain;
          ey = ay * gain;
          ez = az * gain;
        }
      }
    }
  }
  // Physical impulse at the contact point (car rotation counts in its velocity there).
  const rx = qx - px;
  const ry = qy - py;
  const rz = qz - pz;
  const cvx = vx + (wy * rz - wz * ry);
  const cvy = vy + (wz * rx - wx * rz);
  const cvz = vz + (wx * ry - wy * rx);
  const vn = (bvx - cvx) * nx + (bvy - cvy) * ny + (bvz - cvz) * nz;
  if (vn < 0) {
    const j = (-(1 + CAR_BALL_RESTITUTION) * vn) / (1 / BALL_MASS + 1 / CAR_MASS);
    bvx += (nx * j) / BALL_MASS;
    bvy += (ny * j) / BALL_MASS;
    bvz += (nz * j) / BALL_MASS;
    vx -= (nx * j) / CAR_MASS;
    vy -= (ny * j) / CAR_MASS;
    vz -= (nz * j) / CAR_MASS;
    k[o + C_VX] = vx;
    k[o + C_VX + 1] = vy;
    k[o + C_VX + 2] = k[o + C_ON_GROUND] === 1 ? 0 : vz;
  }
  b[bo + 3] = bvx + ex;
  b[bo + 4] = bvy + ey;
  b[bo + 5] = bvz + ez;
}

/**
 * Car against car, as spheres of radius CAR_R around the hitbox centres. A supersonic car that
 * meets an opponent in front of it demolishes it; otherwise the cars bump.
 */
function carCar(s: CarSoccerState, a: number): void {
  const k = s.cars;
  const n = s.numCars;
  const base = a * n * CAR_FIELDS;
  const minD = 2 * CAR_R;
  for (let i = 0; i < n; i++) {
    const oi = base + i * CAR_FIELDS;
    if (k[oi + C_IS_DEMOED] === 1) continue;
    for (let j = i + 1; j < n; j++) {
      const oj = base + j * CAR_FIELDS;
      if (k[oj + C_IS_DEMOED] === 1 || k[oi + C_IS_DEMOED] === 1) continue;
      const xi = k[oi]! + k[oi + C_FX]! * HITBOX_OFFSET_X + k[oi + C_UX]! * HITBOX_OFFSET_Z;
      const yi = k[oi + 1]! + k[oi + C_FX + 1]! * HITBOX_OFFSET_X + k[oi + C_UX + 1]! * HITBOX_OFFSET_Z;
      const zi = k[oi + 2]! + k[oi + C_FX + 2]! * HITBOX_OFFSET_X + k[oi + C_UX + 2]! * HITBOX_OFFSET_Z;
      const xj = k[oj]! + k[oj + C_FX]! * HITBOX_OFFSET_X + k[oj + C_UX]! * HITBOX_OFFSET_Z;
      const yj = k[oj + 1]! + k[oj + C_FX + 1]! * HITBOX_OFFSET_X + k[oj + C_UX + 1]! * HITBOX_OFFSET_Z;
      const zj = k[oj + 2]! + k[oj + C_FX + 2]! * HITBOX_OFFSET_X + k[oj + C_UX + 2]! * HITBOX_OFFSET_Z;
      let nx = xj - xi;
      let ny = yj - yi;
      let nz = zj - zi;
      const d2 = nx * nx + ny * ny + nz * nz;
      if (d2 >= minD * minD) continue;
      const d = Math.sqrt(d2);
      if (d > 1e-6) {
        nx /= d;
        ny /= d;
        nz /= d;
      } else {
        nx = 1;
        ny = 0;
        nz = 0;
      }
      if (k[oi + C_TEAM] !== k[oj + C_TEAM]) {
        const iFront = nx * k[oi + C_FX]! + ny * k[oi + C_FX + 1]! + nz * k[oi + C_FX + 2]!;
        const jFront = -(nx * k[oj + C_FX]! + ny * k[oj + C_FX + 1]! + nz * k[oj + C_FX + 2]!);
        if (k[oi + C_IS_SUPERSONIC] === 1 && iFront > 0.5) {
          demolish(k, oj);
          k[oi + C_DEMOS]! += 1;
          continue;
        }
        if (k[oj + C_IS_SUPERSONIC] === 1 && jFront > 0.5) {
          demolish(k, oi);
          k[oj + C_DEMOS]! += 1;
          continue;
        }
      }
      const half = (minD - d) / 2;
      k[oi] = k[oi]! - nx * half;
      k[oi + 1] = k[oi + 1]! - ny * half;
      k[oj] = k[oj]! + nx * half;
      k[oj + 1] = k[oj + 1]! + ny * half;
      if (k[oi + C_ON_GROUND] === 0) k[oi + 2] = k[oi + 2]! - nz * half;
      if (k[oj + C_ON_GROUND] === 0) k[oj + 2] = k[oj + 2]! + nz * half;
      const vn =
        (k[oj + C_VX]! - k[oi + C_VX]!) * nx +
        (k[oj + C_VX + 1]! - k[oi + C_VX + 1]!) * ny +
        (k[oj + C_VX + 2]! - k[oi + C_VX + 2]!) * nz;
      if (vn < 0) {
        const jimp = (-(1 + CAR_CAR_RESTITUTION) * vn) / 2;
        k[oi + C_VX] = k[oi + C_VX]! - nx * jimp;
        k[oi + C_VX + 1] = k[oi + C_VX + 1]! - ny * jimp;
        k[oj + C_VX] = k[oj + C_VX]! + nx * jimp;
        k[oj + C_VX + 1] = k[oj + C_VX + 1]! + ny * jimp;
        if (k[oi + C_ON_GROUND] === 0) k[oi + C_VX + 2] = k[oi + C_VX + 2]! - nz * jimp;
        if (k[oj + C_ON_GROUND] === 0) k[oj + C_VX + 2] = k[oj + C_VX + 2]! + nz * jimp;
      }
    }
  }
}

function demolish(k: Float64Array, o: number): void {
  k[o + C_IS_DEMOED] = 1;
  k[o + C_RESPAWN_TIMER] = DEMO_RESPAWN_TIME;
  for (let i = C_VX; i < C_WX + 3; i++) k[o + i] = 0;
  k[o + C_IS_SUPERSONIC] = 0;
  k[o + C_SUPERSONIC_TIME] = 0;
  k[o + C_IS_BOOSTING] = 0;
}
