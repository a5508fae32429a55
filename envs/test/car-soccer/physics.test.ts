import { describe, expect, it } from "vitest";
import {
  A_BLUE_SCORE,
  A_GOAL,
  A_PAD_READY,
  C_BOOST,
  C_IS_DEMOED,
  C_IS_SUPERSONIC,
  C_VX,
  C_X,
  carSoccerConstants as K,
  placeCarOnGround,
} from "../../src/index.js";
import { ballSpeed, emptyArena, setControls, ticks } from "./helpers.js";

const speedOf = (s: ReturnType<typeof emptyArena>, car: number) => {
  const o = s.carOffset(0, car);
  return Math.hypot(s.cars[o + C_VX]!, s.cars[o + C_VX + 1]!, s.cars[o + C_VX + 2]!);
};

describe("ball (BALL_RESTITUTION 0.6, BALL_DRAG 0.03, GRAVITY_Z -650)", () => {
  it("dropped from rest bounces to about 0.36 (= 0.6²) of its fall height", () => {
    const s = emptyArena();
    s.ball[2] = 1091.25; // 1000 uu above its resting height
    let falling = true;
    let peak = 0;
    let bounced = false;
    ticks(s, 400, (st) => {
      const vz = st.ball[5]!;
      if (falling && vz > 0) {
        falling = false;
        bounced = true;
      }
      if (bounced) peak = Math.max(peak, st.ball[2]! - K.BALL_RADIUS);
    });
    expect(bounced).toBe(true);
    // Drag (3 %/s) shaves a little off 0.36; tolerance ±0.03.
    expect(peak / 1000).toBeGreaterThan(0.33);
    expect(peak / 1000).toBeLessThan(0.37);
  });

  it("never exceeds BALL_MAX_SPEED 6000, however hard it is hit", () => {
    const s = emptyArena();
    s.ball[0] = 0;
    s.ball[1] = 0;
    s.ball[2] = 1000;
    s.ball[3] = 50_000;
    s.ball[4] = -30_000;
    let max = 0;
    ticks(s, 240, (st) => {
      max = Math.max(max, ballSpeed(st));
    });
    expect(max).toBeLessThanOrEqual(K.BALL_MAX_SPEED + 1e-9);
    expect(max).toBeGreaterThan(5000);
  });

  it("scores through the mouth (|y| > 5124.25 + 91.25) and bounces off the wall beside it", () => {
    const s = emptyArena();
    s.ball[0] = 0;
    s.ball[1] = 4500;
    s.ball[2] = 300;
    s.ball[4] = 2000;
    ticks(s, 120);
    expect(s.arena[A_GOAL]).toBe(1);
    expect(s.arena[A_BLUE_SCORE]).toBe(1);
    expect(s.ball[1]!).toBeGreaterThan(K.GOAL_SCORE_Y);

    const t = emptyArena();
    t.ball[0] = 1500; // beside the mouth (half width 893)
    t.ball[1] = 4500;
    t.ball[2] = 300;
    t.ball[4] = 2000;
    ticks(t, 120);
    expect(t.arena[A_GOAL]).toBe(0);
    expect(t.ball[4]!).toBeLessThan(0);
    expect(t.ball[1]!).toBeLessThan(K.BACK_WALL_Y - K.BALL_RADIUS + 1);

    const u = emptyArena(); // above the crossbar (642.775)
    u.ball[0] = 0;
    u.ball[1] = 4500;
    u.ball[2] = 900;
    u.ball[4] = 2000;
    ticks(u, 60);
    expect(u.arena[A_GOAL]).toBe(0);
  });
});

describe("car driving (THROTTLE_ACCEL curve to 1410, CAR_MAX_SPEED 2300, SUPERSONIC_START_SPEED 2200)", () => {
  it("plateaus near 1410 uu/s on throttle alone", () => {
    const s = emptyArena();
    placeCarOnGround(s, 0, 0, 0, -4500, 0, 1);
    setControls(s, 0, [1]);
    ticks(s, 120 * 8);
    const v = speedOf(s, 0);
    expect(v).toBeGreaterThan(1390);
    expect(v).toBeLessThanOrEqual(1410);
  });

  it("reaches 2300 with boost and never more; supersonic from 2200", () => {
    const s = emptyArena();
    placeCarOnGround(s, 0, 0, 0, -5000, 0, 1);
    s.cars[s.carOffset(0, 0) + C_BOOST] = 100;
    setControls(s, 0, [1, 0, 0, 0, 0, 0, 1, 0]);
    let max = 0;
    // Speeds at which the flag turned on, and ticks at or past 2200 without it.
    const onsets: number[] = [];
    let fastButNotSupersonic = 0;
    let was = false;
    ticks(s, 120 * 3, (st) => {
      const v = speedOf(st, 0);
      max = Math.max(max, v);
      const ss = st.cars[st.carOffset(0, 0) + C_IS_SUPERSONIC] === 1;
      if (ss && !was) onsets.push(v);
      if (!ss && v >= K.SUPERSONIC_START_SPEED) fastButNotSupersonic++;
      was = ss;
    });
    expect(max).toBeGreaterThan(K.CAR_MAX_SPEED - 1e-6);
    expect(max).toBeLessThanOrEqual(K.CAR_MAX_SPEED + 1e-9);
    expect(onsets).toHaveLength(1);
    expect(onsets[0]).toBeGreaterThanOrEqual(K.SUPERSONIC_START_SPEED);
    expect(fastButNotSupersonic).toBe(0);
  });

  it("keeps supersonic down to SUPERSONIC_MAINTAIN_MIN_SPEED 2100 within SUPERSONIC_MAINTAIN_MAX_TIME 1 s", () => {
    const s = emptyArena();
    placeCarOnGround(s, 0, 0, 0, -5000, 0, 1);
    s.cars[s.carOffset(0, 0) + C_BOOST] = 100;
    setControls(s, 0, [1, 0, 0, 0, 0, 0, 1, 0]);
    let n = 0;
    while (s.cars[s.carOffset(0, 0) + C_IS_SUPERSONIC] !== 1 && n++ < 600) ticks(s, 1);
    expect(speedOf(s, 0)).toBeGreaterThanOrEqual(K.SUPERSONIC_START_SPEED);
    // Off the boost and the throttle: the car coasts down through 2200 and 2100.
    setControls(s, 0, [0, 0, 0, 0, 0, 0, 0, 0]);
    const kept: number[] = [];
    const lostAt: number[] = [];
    ticks(s, 120, (st) => {
      const v = speedOf(st, 0);
      const ss = st.cars[st.carOffset(0, 0) + C_IS_SUPERSONIC] === 1;
      if (ss && v < K.SUPERSONIC_START_SPEED) kept.push(v);
      if (!ss && lostAt.length === 0) lostAt.push(v);
    });
    expect(kept.length).toBeGreaterThan(0);
    expect(Math.min(...kept)).toBeGreaterThanOrEqual(K.SUPERSONIC_MAINTAIN_MIN_SPEED);
    expect(lostAt[0]).toBeLessThan(K.SUPERSONIC_MAINTAIN_MIN_SPEED);
  });

  it("uses BOOST_USED_PER_SECOND 100/3: a full tank lasts 3 s", () => {
    const s = emptyArena();
    placeCarOnGround(s, 0, 0, 0, 0, 1, 0);
    const o = s.carOffset(0, 0);
    s.cars[o + C_BOOST] = 100;
    setControls(s, 0, [0, 1, 0, 0, 0, 0, 1, 0]); // boost in circles
    ticks(s, 120);
    expect(s.cars[o + C_BOOST]!).toBeCloseTo(100 - 100 / 3, 6);
  });
});

describe("jump (JUMP_IMMEDIATE_VEL 875/3, JUMP_ACCEL 4375/3, JUMP_MAX_TIME 0.2)", () => {
  it("a full-hold single jump peaks near 230 uu", () => {
    const s = emptyArena();
    const o = s.carOffset(0, 0);
    setControls(s, 0, [0, 0, 0, 0, 0, 1]);
    let peak = 0;
    ticks(s, 120, (st) => {
      peak = Math.max(peak, st.cars[o + C_X + 2]! - K.CAR_REST_Z);
    });
    expect(peak).toBeGreaterThan(215);
    expect(peak).toBeLessThan(245);
  });

  it("a tap jump is lower, and a double jump higher", () => {
    const s = emptyArena();
    const o = s.carOffset(0, 0);
    setControls(s, 0, [0, 0, 0, 0, 0, 1]);
    let tap = 0;
    ticks(s, 1);
    setControls(s, 0, [0]);
    ticks(s, 120, (st) => {
      tap = Math.max(tap, st.cars[o + C_X + 2]! - K.CAR_REST_Z);
    });
    expect(tap).toBeLessThan(150);
    const d = emptyArena();
    setControls(d, 0, [0, 0, 0, 0, 0, 1]);
    ticks(d, 24);
    setControls(d, 0, [0]);
    ticks(d, 2);
    setControls(d, 0, [0, 0, 0, 0, 0, 1]);
    let peak = 0;
    ticks(d, 200, (st) => {
      peak = Math.max(peak, st.cars[o + C_X + 2]! - K.CAR_REST_Z);
    });
    expect(peak).toBeGreaterThan(350);
  });

  it("a forward dodge adds about FLIP_INITIAL_VEL_SCALE 500 uu/s forward", () => {
    const s = emptyArena();
    const o = s.carOffset(0, 0);
    setControls(s, 0, [0, 0, 0, 0, 0, 1]);
    ticks(s, 10);
    setControls(s, 0, [0]);
    ticks(s, 2);
    const before = s.cars[o + C_VX]!; // facing +x
    setControls(s, 0, [0, 0, -1, 0, 0, 1]);
    ticks(s, 1);
    expect(s.cars[o + C_VX]! - before).toBeGreaterThan(490);
    expect(s.cars[o + C_VX]! - before).toBeLessThan(510);
  });
});

describe("boost pads (SMALL_PAD_BOOST 12 / 4 s, BIG_PAD_BOOST 100 / 10 s)", () => {
  it("give the right boost and come back on time", () => {
    const s = emptyArena();
    const o = s.carOffset(0, 0);
    // Pad 7 is small at (0, -2816); pad 3 big at (-3072, -4096).
    placeCarOnGround(s, 0, 0, 0, -2816, 1, 0);
    s.cars[o + C_BOOST] = 50;
    ticks(s, 1);
    expect(s.cars[o + C_BOOST]).toBe(62);
    ticks(s, 120 * 4 - 1); // ticks 1..479
    expect(s.cars[o + C_BOOST]).toBe(62); // still down
    ticks(s, 1); // tick 480: 4 s after the pickup at tick 0
    expect(s.cars[o + C_BOOST]).toBe(74);
    expect(s.arena[A_PAD_READY + 7]).toBe(480 + 480);

    placeCarOnGround(s, 0, 0, -3072, -4096, 1, 0);
    s.cars[o + C_BOOST] = 10;
    ticks(s, 1);
    expect(s.cars[o + C_BOOST]).toBe(100);
    s.cars[o + C_BOOST] = 0;
    ticks(s, 120 * 10 - 1);
    expect(s.cars[o + C_BOOST]).toBe(0);
    ticks(s, 1);
    expect(s.cars[o + C_BOOST]).toBe(100);
  });
});

describe("demolition (SUPERSONIC car meets an opponent, DEMO_RESPAWN_TIME 3)", () => {
  it("a supersonic hit demolishes; the victim respawns after 3 s", () => {
    const s = emptyArena();
    const a = s.carOffset(0, 0);
    const v = s.carOffset(0, 1);
    placeCarOnGround(s, 0, 0, -2000, 0, 1, 0);
    placeCarOnGround(s, 0, 1, 0, 0, 0, 1);
    s.cars[a + C_VX] = 2300;
    s.cars[a + C_BOOST] = 100;
    setControls(s, 0, [1, 0, 0, 0, 0, 0, 1, 0]);
    let demoTick = -1;
    let t = 0;
    ticks(s, 240, (st) => {
      t++;
      if (demoTick < 0 && st.cars[v + C_IS_DEMOED] === 1) demoTick = t;
    });
    expect(demoTick).toBeGreaterThan(0);
    expect(s.cars[v + C_IS_DEMOED]).toBe(1);
    ticks(s, 360 - (240 - demoTick));
    expect(s.cars[v + C_IS_DEMOED]).toBe(0);
    expect(Math.abs(s.cars[v + C_X + 1]!)).toBe(4608);
  });

  it("a slow bump does not demolish", () => {
    const s = emptyArena();
    placeCarOnGround(s, 0, 0, -500, 0, 1, 0);
    placeCarOnGround(s, 0, 1, 0, 0, 0, 1);
    s.cars[s.carOffset(0, 0) + C_VX] = 1000;
    ticks(s, 120);
    expect(s.cars[s.carOffset(0, 1) + C_IS_DEMOED]).toBe(0);
  });
});

describe("ball-car hit (extra impulse, BALL_CAR_EXTRA_IMPULSE curve)", () => {
  it("a car driving into the ball sends it faster than the car", () => {
    const s = emptyArena();
    placeCarOnGround(s, 0, 0, -1000, 0, 1, 0);
    s.ball[0] = 0;
    s.ball[1] = 0;
    s.cars[s.carOffset(0, 0) + C_VX] = 1000;
    setControls(s, 0, [1]);
    ticks(s, 120);
    expect(s.ball[3]!).toBeGreaterThan(1200);
    expect(s.ball[3]!).toBeLessThan(2000);
  });
});
