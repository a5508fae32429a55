// Constants of Rocket League as modelled by RocketSim's RLConst, in unreal units (uu), seconds and
// radians. Derived values are written as literals or exact arithmetic so that no transcendental
// function runs at load time: results must not depend on the JavaScript engine's Math library.

export const TICK_RATE = 120;
export const DT = 1 / 120;
export const DEFAULT_TICK_SKIP = 8;
/** A state hash is written to replays every this many ticks (one simulated second). */
export const HASH_INTERVAL_TICKS = 120;

export const GRAVITY_Z = -650;

// Arena: a box with 45° corners and a goal box behind each back wall.
export const SIDE_WALL_X = 4096;
export const BACK_WALL_Y = 5120;
export const CEILING_Z = 2044;
/** |x| + |y| on the 45° corner planes (corners cut 1152 uu from the box corner). */
export const CORNER_SUM = 8064;
export const GOAL_HALF_WIDTH = 893;
export const GOAL_HEIGHT = 642.775;
export const GOAL_BACK_Y = BACK_WALL_Y + 880;

export const BALL_RADIUS = 91.25;
export const BALL_MASS = 30;
export const BALL_RESTITUTION = 0.6;
export const BALL_FRICTION = 0.35;
export const BALL_DRAG = 0.03;
/** (1 - 0.03)^(1/120): Bullet's linear damping applied per tick, written out as a literal. */
export const BALL_DRAG_PER_TICK = 0.9997462054822396;
export const BALL_MAX_SPEED = 6000;
export const BALL_MAX_ANG_SPEED = 6;
export const BALL_REST_Z = BALL_RADIUS;
/** A goal counts once the ball's centre passes this |y| inside the mouth. */
export const GOAL_SCORE_Y = 5124.25 + BALL_RADIUS;
/** Below this approach speed a ball contact does not bounce, so a resting ball stays at rest. */
export const BALL_BOUNCE_MIN_SPEED = 30;

export const CAR_MASS = 180;
export const CAR_MAX_SPEED = 2300;
export const CAR_MAX_ANG_SPEED = 5.5;
export const SUPERSONIC_START_SPEED = 2200;
export const SUPERSONIC_MAINTAIN_MIN_SPEED = 2100;
export const SUPERSONIC_MAINTAIN_MAX_TIME = 1;
/** Height of a car's origin when resting on its wheels. */
export const CAR_REST_Z = 17;

// Octane hitbox (RocketSim CAR_CONFIG_OCTANE): half extents and offset from the car's origin.
export const HITBOX_HALF_X = 120.507 / 2;
export const HITBOX_HALF_Y = 86.6994 / 2;
export const HITBOX_HALF_Z = 38.6591 / 2;
export const HITBOX_OFFSET_X = 13.8757;
export const HITBOX_OFFSET_Z = 20.755;
/** Radius of the sphere that stands in for a car in car-car and car-world contacts. */
export const CAR_COLLISION_RADIUS = 50;

// Driving (RLConst curves): throttle acceleration falls from 1600 at rest to 160 at 1400 and 0 at 1410.
export const THROTTLE_ACCEL = 1600;
export const DRIVE_CURVE_SPEEDS = [0, 1400, 1410] as const;
export const DRIVE_CURVE_FACTORS = [1, 0.1, 0] as const;
export const BRAKE_ACCEL = 3500;
/** RLConst COASTING_BRAKE_FACTOR 0.15 of the brake. */
export const COAST_ACCEL = 525;
export const THROTTLE_DEADZONE = 0.01;
export const THROTTLE_AIR_ACCEL = 200 / 3;
// Turn curvature (1/uu) against forward speed: the turn radius grows with speed.
export const STEER_CURVE_SPEEDS = [0, 500, 1000, 1500, 1750, 2500] as const;
export const STEER_CURVE_CURVATURES = [0.0069, 0.00398, 0.00235, 0.001375, 0.0011, 0.00088] as const;
/** Powerslide: turn-rate multiplier and how fast sideways speed decays (per second) with and without it. */
export const POWERSLIDE_TURN_FACTOR = 1.4;
export const LATERAL_GRIP_RATE = 30;
export const POWERSLIDE_GRIP_RATE = 1.5;

export const BOOST_MAX = 100;
export const BOOST_SPAWN_AMOUNT = 100 / 3;
export const BOOST_USED_PER_SECOND = 100 / 3;
export const BOOST_ACCEL_GROUND = 2975 / 3;
export const BOOST_ACCEL_AIR = 3175 / 3;

export const JUMP_IMMEDIATE_VEL = 875 / 3;
export const JUMP_ACCEL = 4375 / 3;
export const JUMP_MIN_TIME = 0.025;
export const JUMP_MAX_TIME = 0.2;
export const DOUBLEJUMP_MAX_DELAY = 1.25;
export const DODGE_DEADZONE = 0.5;
export const FLIP_INITIAL_VEL_SCALE = 500;
export const FLIP_TORQUE_TIME = 0.65;
export const FLIP_FORWARD_IMPULSE_MAX_SPEED_SCALE = 1;
export const FLIP_SIDE_IMPULSE_MAX_SPEED_SCALE = 1.9;
export const FLIP_BACKWARD_IMPULSE_MAX_SPEED_SCALE = 2.5;
export const FLIP_BACKWARD_IMPULSE_SCALE_X = 16 / 15;

/** RLConst CAR_TORQUE_SCALE = 2π / 2^16 * 1000, written out. */
const TORQUE_SCALE = 0.09587379924285257;
export const AIR_TORQUE_PITCH = 130 * TORQUE_SCALE;
export const AIR_TORQUE_YAW = 95 * TORQUE_SCALE;
export const AIR_TORQUE_ROLL = 400 * TORQUE_SCALE;
export const AIR_DAMPING_PITCH = 30 * TORQUE_SCALE;
export const AIR_DAMPING_YAW = 20 * TORQUE_SCALE;
export const AIR_DAMPING_ROLL = 50 * TORQUE_SCALE;
export const FLIP_TORQUE_PITCH = 224 * TORQUE_SCALE;
export const FLIP_TORQUE_ROLL = 260 * TORQUE_SCALE;

// Ball-car hits: the physical impulse plus RocketSim's extra impulse.
/** Restitution of the physical car-ball contact (Bullet combines 0.6 × 0.1). */
export const CAR_BALL_RESTITUTION = 0.06;
export const BALL_CAR_EXTRA_IMPULSE_MAX_DELTA_VEL = 4600;
export const BALL_CAR_EXTRA_IMPULSE_Z_SCALE = 0.35;
export const BALL_CAR_EXTRA_IMPULSE_FORWARD_SCALE = 0.65;
export const EXTRA_IMPULSE_CURVE_SPEEDS = [0, 500, 2300, 4600] as const;
export const EXTRA_IMPULSE_CURVE_FACTORS = [0.65, 0.65, 0.55, 0.3] as const;
/** The extra impulse applies at most once per this many ticks per car. */
export const BALL_CAR_EXTRA_IMPULSE_MIN_TICKS = 2;

export const CAR_CAR_RESTITUTION = 0.1;
export const DEMO_RESPAWN_TIME = 3;

// Boost pads: 28 small (+12, back after 4 s) and 6 big (+100, back after 10 s).
export const SMALL_PAD_BOOST = 12;
export const BIG_PAD_BOOST = 100;
export const SMALL_PAD_COOLDOWN = 4;
export const BIG_PAD_COOLDOWN = 10;
export const SMALL_PAD_RADIUS = 144;
export const BIG_PAD_RADIUS = 208;
export const PAD_PICKUP_HEIGHT = 170;

/**
 * The 34 pads (x, y, big) in RLGym's order: sorted by y then x, so pad `33 - i` is pad `i` seen
 * from the other side (point-symmetric about the centre; the real map's 3310 is taken as 3308).
 */
export const BOOST_PADS: readonly (readonly [number, number, 0 | 1])[] = [
  [0, -4240, 0],
  [-1792, -4184, 0],
  [1792, -4184, 0],
  [-3072, -4096, 1],
  [3072, -4096, 1],
  [-940, -3308, 0],
  [940, -3308, 0],
  [0, -2816, 0],
  [-3584, -2484, 0],
  [3584, -2484, 0],
  [-1788, -2300, 0],
  [1788, -2300, 0],
  [-2048, -1036, 0],
  [0, -1024, 0],
  [2048, -1036, 0],
  [-3584, 0, 1],
  [-1024, 0, 0],
  [1024, 0, 0],
  [3584, 0, 1],
  [-2048, 1036, 0],
  [0, 1024, 0],
  [2048, 1036, 0],
  [-1788, 2300, 0],
  [1788, 2300, 0],
  [-3584, 2484, 0],
  [3584, 2484, 0],
  [0, 2816, 0],
  [-940, 3308, 0],
  [940, 3308, 0],
  [-3072, 4096, 1],
  [3072, 4096, 1],
  [-1792, 4184, 0],
  [1792, 4184, 0],
  [0, 4240, 0],
];
export const NUM_PADS = 34;

/**
 * The five kickoff spawns of the blue team (x, y, forward x, forward y); orange spawns are the same
 * points mirrored through the centre, facing the other way.
 */
export const KICKOFF_SPAWNS: readonly (readonly [number, number, number, number])[] = [
  [-2048, -2560, Math.SQRT1_2, Math.SQRT1_2],
  [2048, -2560, -Math.SQRT1_2, Math.SQRT1_2],
  [-256, -3840, 0, 1],
  [256, -3840, 0, 1],
  [0, -4608, 0, 1],
];

/** Where a demolished blue car comes back (RLConst CAR_RESPAWN_LOCATIONS), facing +y. */
export const RESPAWN_SPOTS: readonly (readonly [number, number])[] = [
  [-2304, -4608],
  [-2688, -4608],
  [2304, -4608],
  [2688, -4608],
];
