// Every car-soccer reward term against a hand-built state, and inside its documented range.
import {
  B_VX,
  B_X,
  C_BALL_TOUCHES,
  C_BOOST,
  C_IS_DEMOED,
  C_VX,
  CarSoccerEnv,
  type CarSoccerState,
  ContinuousAction,
  placeCarOnGround,
  RandomStateSetter,
  Rng,
} from "@league/envs";
import { describe, expect, it } from "vitest";
import { CAR_SOCCER_TERMS } from "../../src/rewards/index.js";
import { type HandState, handState, setBall, setCar } from "./states.js";

/** The interval or set at the start of a term's range text: `[-1, 1]`, `(0, 1]`, `{0, 1}`. */
function rangeOf(name: string): (v: number) => boolean {
  const text = CAR_SOCCER_TERMS[name]!.range;
  const set = /^\{(-?\d+), (-?\d+)\}/.exec(text);
  if (set) return (v) => v === Number(set[1]) || v === Number(set[2]);
  const m = /^([[(])(-?\d+), (-?\d+)([\])])/.exec(text);
  if (!m) throw new Error(`term ${name}: range "${text}" does not start with an interval or a set`);
  const [lo, hi] = [Number(m[2]), Number(m[3])];
  // Cosines may miss their bounds by a rounding error.
  const eps = 1e-12;
  return (v) => (m[1] === "[" ? v >= lo - eps : v > lo) && (m[4] === "]" ? v <= hi + eps : v < hi);
}

/** The term's value for car `car`, checked against its documented range. */
function value(name: string, s: HandState, car: number, params: Record<string, number> = {}): number {
  const v = CAR_SOCCER_TERMS[name]!.fn({ state: s.state, prev: s.prev, car, arena: 0, params });
  expect(rangeOf(name)(v), `${name} = ${v} outside ${CAR_SOCCER_TERMS[name]!.range}`).toBe(true);
  return v;
}

const touch = (st: CarSoccerState, car: number) => setCar(st, car, C_BALL_TOUCHES, 1);

describe("car-soccer terms on hand-built states", () => {
  it("save: a touch that turns away a ball heading into the car's own goal", () => {
    const s = handState(1);
    // Before the step the ball rolls straight at blue's goal (-y); the touch sends it back up the field.
    setBall(s.prev, B_X, 0, -3000, 91.25, 0, -2000, 0);
    setBall(s.state, B_X, 0, -3100, 91.25, 0, 1500, 0);
    expect(value("save", s, 0)).toBe(0); // no touch, no save
    touch(s.state, 0);
    expect(value("save", s, 0)).toBe(1);
    // Orange's own goal is +y: the ball was not heading there, so orange's touch saved nothing.
    touch(s.state, 1);
    expect(value("save", s, 1)).toBe(0);
    // Slowed but still heading inside the posts (x = 100 · 4.04 = 404 < 893 at the goal line): no save.
    setBall(s.state, B_VX, 100, -500, 0);
    expect(value("save", s, 0)).toBe(0);
    // Turned wide instead (x = 300 · 4.04 = 1212 > 893): a save.
    setBall(s.state, B_VX, 300, -500, 0);
    expect(value("save", s, 0)).toBe(1);
  });

  it("demolition and demoed: an opponent within 400 uu demolished, and being demolished", () => {
    const s = handState(2); // blue 0, 1; orange 2, 3
    for (const st of [s.prev, s.state]) {
      placeCarOnGround(st, 0, 0, 0, 0, 0, 1);
      placeCarOnGround(st, 0, 2, 300, 0, 0, -1);
    }
    expect(value("demolition", s, 0)).toBe(0);
    setCar(s.state, 2, C_IS_DEMOED, 1);
    expect(value("demolition", s, 0)).toBe(1);
    expect(value("demolition", s, 1)).toBe(0); // the other blue car was 1500+ uu away
    expect(value("demolition", s, 3)).toBe(0); // a teammate was demolished, not an opponent
    expect(value("demoed", s, 2)).toBe(1);
    expect(value("demoed", s, 0)).toBe(0);
    // Still demolished from an earlier step: no new event.
    setCar(s.prev, 2, C_IS_DEMOED, 1);
    expect(value("demoed", s, 2)).toBe(0);
    expect(value("demolition", s, 0)).toBe(0);
  });

  it("boost_pickup: boost gained this step / 100, never negative", () => {
    const s = handState(1);
    setCar(s.prev, 0, C_BOOST, 20);
    setCar(s.state, 0, C_BOOST, 32);
    expect(value("boost_pickup", s, 0)).toBeCloseTo(0.12, 12);
    setCar(s.state, 0, C_BOOST, 5); // boost spent
    expect(value("boost_pickup", s, 0)).toBe(0);
    setCar(s.prev, 0, C_BOOST, 0);
    setCar(s.state, 0, C_BOOST, 100); // a full pad on an empty tank
    expect(value("boost_pickup", s, 0)).toBe(1);
  });

  it("face_ball: cosine between the car's forward vector and the direction to the ball", () => {
    const s = handState(1); // ball at rest on the centre spot, z = 91.25
    placeCarOnGround(s.state, 0, 0, 0, -1000, 0, 1); // z = 17, facing +y, at the ball
    // To the ball: (0, 1000, 74.25); forward (0, 1, 0).
    expect(value("face_ball", s, 0)).toBeCloseTo(1000 / Math.hypot(1000, 74.25), 12);
    placeCarOnGround(s.state, 0, 0, 0, -1000, 0, -1);
    expect(value("face_ball", s, 0)).toBeCloseTo(-1000 / Math.hypot(1000, 74.25), 12);
    placeCarOnGround(s.state, 0, 0, 0, -1000, 1, 0);
    expect(value("face_ball", s, 0)).toBeCloseTo(0, 12);
  });

  it("align_ball_goal: 1 with the ball between the car and the goal it attacks", () => {
    const s = handState(1);
    placeCarOnGround(s.state, 0, 0, 0, -2000, 1, 0); // blue attacks +y; the ball at the centre is ahead
    expect(value("align_ball_goal", s, 0)).toBeCloseTo(1, 12);
    setBall(s.state, B_X, 0, -4000); // behind the car
    expect(value("align_ball_goal", s, 0)).toBeCloseTo(-1, 12);
    setBall(s.state, B_X, 2000, -2000); // beside it
    expect(value("align_ball_goal", s, 0)).toBeCloseTo(0, 12);
    // Car at the centre, ball at (1000, 1000): car→ball (1, 1)/√2, car→goal (0, 1); cos = 1/√2.
    placeCarOnGround(s.state, 0, 0, 0, 0, 1, 0);
    setBall(s.state, B_X, 1000, 1000);
    expect(value("align_ball_goal", s, 0)).toBeCloseTo(Math.SQRT1_2, 12);
    // Orange attacks -y: at (0, 2000) with the ball at the centre, the ball is between it and its goal.
    setBall(s.state, B_X, 0, 0);
    placeCarOnGround(s.state, 0, 1, 0, 2000, 0, -1);
    expect(value("align_ball_goal", s, 1)).toBeCloseTo(1, 12);
  });

  it("distance_player_to_ball: the distance shape of the gap to the ball's surface, c = 2300", () => {
    const s = handState(1);
    placeCarOnGround(s.state, 0, 0, 0, -1000, 0, 1);
    setBall(s.state, B_X, 0, 0, 17); // level with the car: centre distance 1000, surface gap 908.75
    // exp(-0.5 · 908.75 / 2300) = 0.82073553
    expect(value("distance_player_to_ball", s, 0)).toBeCloseTo(0.82073553, 8);
    // dispersion 2, density 2: exp(-0.5 · 908.75 / 4600) ^ (1/2) = 0.95181120
    expect(value("distance_player_to_ball", s, 0, { dispersion: 2, density: 2 })).toBeCloseTo(0.9518112, 8);
    setBall(s.state, B_X, 0, -950, 17); // touching: within the ball's radius
    expect(value("distance_player_to_ball", s, 0)).toBe(1);
  });

  it("distance_ball_to_goal: the distance shape of the ball to the attacked goal, c = 6000", () => {
    const s = handState(1);
    // Ball at the centre, 5120 uu from either goal: exp(-0.5 · 5120 / 6000) = 0.65268108
    expect(value("distance_ball_to_goal", s, 0)).toBeCloseTo(0.65268108, 8);
    expect(value("distance_ball_to_goal", s, 1)).toBeCloseTo(0.65268108, 8);
    setBall(s.state, B_X, 0, 5120); // on orange's goal line: blue's target, 10240 uu from blue's own
    expect(value("distance_ball_to_goal", s, 0)).toBe(1);
    // exp(-0.5 · 10240 / 6000) = 0.42599259
    expect(value("distance_ball_to_goal", s, 1)).toBeCloseTo(0.42599259, 8);
  });

  it("boost_amount: sqrt(boost / 100)", () => {
    const s = handState(1);
    for (const [boost, expected] of [
      [0, 0],
      [25, 0.5],
      [64, 0.8],
      [100, 1],
    ] as const) {
      setCar(s.state, 0, C_BOOST, boost);
      expect(value("boost_amount", s, 0)).toBeCloseTo(expected, 12);
    }
  });

  it("kickoff_speed: speed towards the ball / 2300 while it sits still at the centre, else 0", () => {
    const s = handState(1);
    placeCarOnGround(s.state, 0, 0, 0, -1000, 0, 1);
    setCar(s.state, 0, C_VX, 0, 1150, 0);
    // 1150 · cos(angle to (0, 1000, 74.25)) / 2300 = 0.49862741
    expect(value("kickoff_speed", s, 0)).toBeCloseTo(0.49862741, 8);
    setCar(s.state, 0, C_VX, 0, -1150, 0);
    expect(value("kickoff_speed", s, 0)).toBeCloseTo(-0.49862741, 8);
    setBall(s.state, B_VX, 500, 0, 0); // the ball is rolling: no longer a kickoff
    expect(value("kickoff_speed", s, 0)).toBe(0);
    setBall(s.state, B_VX, 0, 0, 0);
    setBall(s.state, B_X, 50, 0); // still, but off the centre spot
    expect(value("kickoff_speed", s, 0)).toBe(0);
    expect(value("velocity_player_to_ball", s, 0)).not.toBe(0);
  });

  it("every term stays inside its documented range over random 2v2 play", () => {
    const env = new CarSoccerEnv({
      teamSize: 2,
      actionParser: new ContinuousAction(),
      stateSetter: new RandomStateSetter({ maxCarSpeed: 2300, maxBallSpeed: 4000 }),
    });
    const rng = new Rng(11);
    let seed = 1;
    env.reset(seed);
    const s = { state: env.state, prev: env.engine.prev };
    const hits: Record<string, number> = {};
    for (let step = 0; step < 300; step++) {
      const actions: Record<string, Float32Array> = {};
      for (const id of env.agents)
        actions[id] = Float32Array.from({ length: 8 }, (_, i) =>
          i >= 5 ? +(rng.uniform(0, 1) < 0.3) : rng.uniform(-1, 1),
        );
      const result = env.step(actions);
      for (const name of Object.keys(CAR_SOCCER_TERMS))
        for (let car = 0; car < 4; car++) if (value(name, s, car) !== 0) hits[name] = (hits[name] ?? 0) + 1;
      if (env.agents.some((id) => result.terminations[id] || result.truncations[id])) env.reset(++seed);
      else if (step % 40 === 39) env.reset(++seed);
    }
    // The dense terms were exercised, not just zero.
    for (const name of ["velocity_player_to_ball", "velocity_ball_to_goal", "face_ball", "align_ball_goal"])
      expect(hits[name]).toBeGreaterThan(100);
  });
});
