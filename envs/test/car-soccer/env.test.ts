import { describe, expect, it } from "vitest";
import {
  A_GOAL,
  AdvancedObs,
  BallInAirSetter,
  C_FX,
  CarSoccerEnv,
  CarSoccerVecEnv,
  ContinuousAction,
  carSoccerConstants,
  DEFAULT_KICKOFF_JITTER,
  DefaultObs,
  decodeReplay,
  encodeReplay,
  KickoffSetter,
  LOOSE_BALL,
  LookupTableAction,
  MultiDiscreteAction,
  makeLookupTable,
  NoTouchTimeoutCondition,
  RandomStateSetter,
  ReplayError,
  ReplayVerifier,
  Rng,
  simulateReplay,
  TimeoutCondition,
  verifyReplay,
  WeightedSetter,
} from "../../src/index.js";

function randomActions(env: CarSoccerEnv, rng: Rng): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const id of env.agents) out[id] = Float32Array.from({ length: 8 }, () => rng.uniform(-1, 1));
  return out;
}

describe("action parsers", () => {
  it("build RLGym's 90-row lookup table: 24 ground then 66 aerial", () => {
    const table = makeLookupTable();
    expect(table.length).toBe(90);
    expect(Array.from(table[0]!)).toEqual([-1, -1, 0, -1, 0, 0, 0, 0]);
    expect(Array.from(table[23]!)).toEqual([1, 1, 0, 1, 0, 0, 1, 1]);
    expect(Array.from(table[24]!)).toEqual([0, -1, -1, -1, -1, 0, 0, 0]);
    expect(Array.from(table[89]!)).toEqual([1, 1, 1, 1, 1, 0, 1, 0]);
    expect(table.slice(0, 24).every((r) => r[5] === 0 && r[2] === 0)).toBe(true);
    const keys = new Set(table.map((r) => r.join(",")));
    expect(keys.size).toBe(90);
  });

  it("clean NaN to 0 (counted), clamp out-of-range, map buttons", () => {
    const out = new Float32Array(8);
    const cont = new ContinuousAction();
    expect(cont.parse([Number.NaN, 5, -7, 0.5, Number.NaN, 0.2, -0.1, 3], 0, out, 0)).toBe(2);
    expect(Array.from(out)).toEqual([0, 1, -1, 0.5, 0, 1, 0, 1]);
    const look = new LookupTableAction();
    expect(look.parse([1e9], 0, out, 0)).toBe(0);
    expect(Array.from(out)).toEqual(Array.from(look.table[89]!));
    expect(look.parse([Number.NaN], 0, out, 0)).toBe(1);
    expect(Array.from(out)).toEqual(Array.from(look.table[0]!));
    look.parse([-3], 0, out, 0);
    expect(Array.from(out)).toEqual(Array.from(look.table[0]!));
    const multi = new MultiDiscreteAction();
    expect(multi.parse([0, 1, 2, 9, Number.NaN, 1, 0, 5], 0, out, 0)).toBe(1);
    expect(Array.from(out)).toEqual([-1, 0, 1, 1, -1, 1, 0, 1]);
  });

  it("the ParallelEnv throws a TypeError naming the agent for a wrong length or a missing action", () => {
    const env = new CarSoccerEnv({ teamSize: 1 });
    env.reset(1);
    const ok = new Float32Array(8);
    expect(() => env.step({ "blue-0": ok, "orange-0": new Float32Array(7) })).toThrow(
      /orange-0.*8 numbers.*length 7/,
    );
    expect(() => env.step({ "blue-0": ok })).toThrow(TypeError);
    expect(() => env.step({ "blue-0": ok })).toThrow(/orange-0/);
    const res = env.step({
      "blue-0": [Number.NaN, 1, 1, 1, 1, 1, 1, 1],
      "orange-0": [9, -9, 0, 0, 0, 0, 0, 0],
    });
    expect(res.infos["blue-0"]!.invalidActions).toBe(1);
    expect(res.infos["orange-0"]!.invalidActions).toBe(0);
    for (const o of Object.values(res.observations)) expect(o.every(Number.isFinite)).toBe(true);
    const look = new CarSoccerEnv({ actionParser: new LookupTableAction() });
    look.reset(2);
    expect(() => look.step({ "blue-0": 3, "orange-0": [Number.POSITIVE_INFINITY] })).not.toThrow();
    expect(() => look.step({ "blue-0": 3, "orange-0": [1, 2] })).toThrow(/orange-0/);
  });

  it("the vectorised step cleans bad numbers without throwing and never produces NaN", () => {
    const vec = new CarSoccerVecEnv(4, { teamSize: 2 });
    vec.reset(3);
    const actions = new Float32Array(4 * 4 * 8);
    const rng = new Rng(5);
    for (let i = 0; i < actions.length; i++)
      actions[i] = [Number.NaN, 1e30, -1e30, rng.uniform(-3, 3)][i % 4]!;
    for (let s = 0; s < 50; s++) vec.step(actions);
    expect(vec.invalidActionCount).toBe(50 * 32);
    expect(vec.observations.every(Number.isFinite)).toBe(true);
    expect(() => vec.step(new Float32Array(3))).toThrow(TypeError);
  });
});

describe("observations", () => {
  it("have the documented sizes and mirror orange onto blue's side", () => {
    expect(new DefaultObs().size(1)).toBe(91);
    expect(new DefaultObs().size(3)).toBe(171);
    expect(new DefaultObs({ padTeamSize: 3 }).size(1)).toBe(171);
    expect(new AdvancedObs().size(2)).toBe(51 + 26 * 4);
    // Pads are point-symmetric: pad 33 - i is pad i mirrored.
    for (let i = 0; i < 34; i++) {
      const [x, y] = carSoccerConstants.BOOST_PADS[i]!;
      const [mx, my] = carSoccerConstants.BOOST_PADS[33 - i]!;
      expect(mx + x).toBe(0);
      expect(my + y).toBe(0);
    }
    for (const obsBuilder of [new DefaultObs(), new AdvancedObs(), new DefaultObs({ padTeamSize: 3 })]) {
      for (const teamSize of [1, 2, 3] as const) {
        const env = new CarSoccerEnv({ teamSize, obsBuilder });
        const { observations } = env.reset(11);
        // A kickoff is symmetric, so each blue car sees what its orange mirror sees.
        for (let i = 0; i < teamSize; i++)
          expect(Array.from(observations[`orange-${i}`]!, (v) => v + 0)).toEqual(
            Array.from(observations[`blue-${i}`]!, (v) => v + 0),
          );
        expect(observations["blue-0"]!.length).toBe(obsBuilder.size(teamSize));
      }
    }
  });
});

describe("state setters and done conditions", () => {
  it("kickoff uses the five standard spawns, seeded", () => {
    const env = new CarSoccerEnv({ teamSize: 3 });
    const spawns = new Set<string>();
    for (let seed = 0; seed < 30; seed++) {
      env.reset(seed);
      for (let c = 0; c < 3; c++) {
        const o = env.state.carOffset(0, c);
        spawns.add(`${env.state.cars[o]},${env.state.cars[o + 1]}`);
      }
    }
    expect(spawns.size).toBe(5);
    const a = new CarSoccerEnv({ teamSize: 2 }).reset(7).observations;
    const b = new CarSoccerEnv({ teamSize: 2 }).reset(7).observations;
    expect(a).toEqual(b);
  });

  it("jittered kickoffs stay near the five spawns, differ by seed, and repeat for the same seed", () => {
    const { position, heading } = DEFAULT_KICKOFF_JITTER;
    const spawns = carSoccerConstants.KICKOFF_SPAWNS;
    const env = new CarSoccerEnv({
      teamSize: 1,
      stateSetter: new KickoffSetter({ jitter: DEFAULT_KICKOFF_JITTER }),
    });
    const starts = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      env.reset(seed);
      for (let c = 0; c < 2; c++) {
        const o = env.state.carOffset(0, c);
        const k = env.state.cars;
        const [x, y, fx, fy] = [k[o]!, k[o + 1]!, k[o + C_FX]!, k[o + C_FX + 1]!];
        // Orange's spawns are blue's mirrored through the centre.
        const side = c === 0 ? 1 : -1;
        const near = spawns.find(
          ([sx, sy]) => Math.abs(x - side * sx) <= position && Math.abs(y - side * sy) <= position,
        );
        expect(near, `car ${c} at (${x}, ${y}) for seed ${seed}`).toBeDefined();
        expect(Math.hypot(fx, fy)).toBeCloseTo(1, 5);
        // Off the spawn's heading by at most atan(heading) radians.
        const dot = fx * side * near![2] + fy * side * near![3];
        expect(dot).toBeGreaterThanOrEqual(Math.cos(Math.atan(heading)) - 1e-6);
        starts.add(`${x},${y},${fx}`);
      }
    }
    // Exact kickoffs give at most 5 placements per car; jitter makes every start its own.
    expect(starts.size).toBe(80);
    const again = new CarSoccerEnv({
      teamSize: 1,
      stateSetter: new KickoffSetter({ jitter: DEFAULT_KICKOFF_JITTER }),
    });
    env.reset(3);
    again.reset(3);
    expect(Array.from(again.state.cars)).toEqual(Array.from(env.state.cars));
    expect(new KickoffSetter({ jitter: DEFAULT_KICKOFF_JITTER }).name).toBe("kickoff-jitter");
    expect(() => new KickoffSetter({ jitter: { position: -1, heading: 0 } })).toThrow(/jitter position/);
    expect(() => new KickoffSetter({ jitter: { position: 10, heading: 2 } })).toThrow(/jitter heading/);
  });

  it("random, ball-in-air and weighted setters give valid, seeded states", () => {
    const setter = new WeightedSetter([
      [new KickoffSetter(), 1],
      [new RandomStateSetter(), 2],
      [new BallInAirSetter(), 1],
    ]);
    const env = new CarSoccerEnv({ teamSize: 2, stateSetter: setter });
    for (let seed = 0; seed < 20; seed++) {
      const { observations } = env.reset(seed);
      const ballZ = env.state.ball[2]!;
      expect(ballZ).toBeGreaterThanOrEqual(91.25);
      expect(ballZ).toBeLessThan(2044);
      for (const o of Object.values(observations)) expect(o.every(Number.isFinite)).toBe(true);
      const next = env.step(Object.fromEntries(env.agents.map((id) => [id, new Float32Array(8)])));
      expect(Object.values(next.observations).every((o) => o.every(Number.isFinite))).toBe(true);
    }
    expect(() => new WeightedSetter([[new KickoffSetter(), 0]])).toThrow(RangeError);
  });

  it("the loose-ball setter rolls the ball slowly on the floor among slow cars short of boost", () => {
    const env = new CarSoccerEnv({ teamSize: 2, stateSetter: new RandomStateSetter(LOOSE_BALL) });
    const xs = new Set<number>();
    for (let seed = 0; seed < 30; seed++) {
      env.reset(seed);
      const { ball, cars } = env.state;
      expect(ball[2]).toBe(carSoccerConstants.BALL_RADIUS);
      expect(Math.hypot(ball[3]!, ball[4]!)).toBeLessThanOrEqual(600);
      expect(Math.abs(ball[5]!)).toBeLessThanOrEqual(300);
      xs.add(Math.round(ball[0]!));
      for (let c = 0; c < 4; c++) {
        const o = env.state.carOffset(0, c);
        expect(Math.hypot(cars[o + 3]!, cars[o + 4]!)).toBeLessThanOrEqual(500);
        expect(cars[o + 18]).toBeGreaterThanOrEqual(0);
        expect(cars[o + 18]).toBeLessThanOrEqual(34);
      }
    }
    expect(xs.size).toBe(30);
    // The default random setter draws the same numbers as before the options existed.
    const plain = new CarSoccerEnv({ teamSize: 1, stateSetter: new RandomStateSetter() });
    plain.reset(3);
    const again = new CarSoccerEnv({
      teamSize: 1,
      stateSetter: new RandomStateSetter({ maxBallHeight: 1500, maxBoost: carSoccerConstants.BOOST_MAX }),
    });
    again.reset(3);
    expect(again.state.hashArena(0)).toBe(plain.state.hashArena(0));
  });

  it("a goal terminates with +1/-1 rewards; no touch truncates", () => {
    const env = new CarSoccerEnv({ teamSize: 1 });
    env.reset(1);
    env.state.ball[1] = -4800; // roll the ball into blue's goal
    env.state.ball[2] = 200;
    env.state.ball[4] = -2000;
    const idle = { "blue-0": new Float32Array(8), "orange-0": new Float32Array(8) };
    let res = env.step(idle);
    for (let i = 0; i < 30 && !res.terminations["blue-0"]; i++) res = env.step(idle);
    expect(res.terminations["blue-0"]).toBe(true);
    expect(env.state.arena[A_GOAL]).toBe(-1);
    expect(res.rewards).toEqual({ "blue-0": -1, "orange-0": 1 });
    expect(() => env.step(idle)).toThrow(/reset/);

    const quiet = new CarSoccerEnv({ doneConditions: [new NoTouchTimeoutCondition(2)] });
    quiet.reset(1);
    let steps = 0;
    let r = quiet.step(idle);
    steps++;
    while (!r.truncations["blue-0"]) {
      r = quiet.step(idle);
      steps++;
    }
    expect(steps).toBe(30); // 2 s = 240 ticks = 30 steps of 8 ticks
  });

  it("tell the reward whether the step terminated the episode, not whether it was truncated", () => {
    const seen: boolean[] = [];
    const reward = (_s: unknown, _p: unknown, _agent: number, _arena: number, terminal?: boolean) => {
      seen.push(terminal === true);
      return 0;
    };
    const idle = { "blue-0": new Float32Array(8), "orange-0": new Float32Array(8) };
    const env = new CarSoccerEnv({ teamSize: 1, reward });
    env.reset(1);
    env.state.ball[1] = -4800; // into blue's goal, as above
    env.state.ball[2] = 200;
    env.state.ball[4] = -2000;
    let res = env.step(idle);
    for (let i = 0; i < 30 && !res.terminations["blue-0"]; i++) res = env.step(idle);
    expect(res.terminations["blue-0"]).toBe(true);
    // Every car told false before the goal, true on the goal step.
    expect(seen.slice(-2)).toEqual([true, true]);
    expect(seen.slice(0, -2).every((t) => !t)).toBe(true);
    seen.length = 0;
    const quiet = new CarSoccerVecEnv(2, {
      reward,
      doneConditions: [{ name: "first-step", kind: "truncate", isDone: () => true }],
    });
    quiet.reset(1);
    quiet.step(new Float32Array(2 * 2 * 8));
    expect(quiet.truncated[0]).toBe(1);
    expect(seen).toEqual([false, false, false, false]);
    const ends = new CarSoccerVecEnv(2, {
      reward,
      doneConditions: [{ name: "first-step", kind: "terminate", isDone: () => true }],
    });
    ends.reset(1);
    seen.length = 0;
    ends.step(new Float32Array(2 * 2 * 8));
    expect(seen).toEqual([true, true, true, true]);
  });
});

describe("final observations", () => {
  it("hold where a truncated arena was cut off, before its reset; a goal leaves them alone", () => {
    // The same seeded arenas and controls, one env cut off after 20 steps, one not: on the cut-off
    // step the first's final observations are the second's observations.
    const cut = new CarSoccerVecEnv(3, { doneConditions: [new TimeoutCondition((20 * 8) / 120)] });
    const onward = new CarSoccerVecEnv(3, { doneConditions: [] });
    cut.reset(5);
    onward.reset(5);
    const actions = new Float32Array(3 * 2 * 8);
    const rng = new Rng(3, 0);
    for (let step = 1; step <= 20; step++) {
      for (let i = 0; i < actions.length; i++) actions[i] = rng.float() * 2 - 1;
      cut.step(actions);
      onward.step(actions);
      expect(Array.from(cut.truncated)).toEqual(step === 20 ? [1, 1, 1] : [0, 0, 0]);
    }
    expect(Array.from(cut.finalObservations)).toEqual(Array.from(onward.observations));
    // After the reset the observations are of a new kickoff, not of where the episode was cut off.
    expect(Array.from(cut.observations)).not.toEqual(Array.from(onward.observations));
    const before = Array.from(cut.finalObservations);
    const goals = new CarSoccerVecEnv(3, {
      doneConditions: [{ name: "goal-now", kind: "terminate", isDone: () => true }],
    });
    goals.reset(5);
    goals.step(actions);
    expect(Array.from(goals.terminated)).toEqual([1, 1, 1]);
    expect(goals.finalObservations.every((v) => v === 0)).toBe(true);
    expect(Array.from(cut.finalObservations)).toEqual(before);
  });
});

describe("determinism and replays", () => {
  it("same seed and actions give bit-identical states; single and vectorised agree", () => {
    const run = () => {
      const env = new CarSoccerEnv({ teamSize: 2, stateSetter: new RandomStateSetter() });
      env.reset(42);
      const rng = new Rng(9);
      for (let s = 0; s < 200; s++) env.step(randomActions(env, rng));
      return env.state.hashArena(0);
    };
    expect(run()).toBe(run());

    const single = new CarSoccerEnv({ teamSize: 2 });
    const vec = new CarSoccerVecEnv(3, { teamSize: 2 });
    const first = single.reset(77).observations;
    vec.reset(77);
    const size = vec.observationSize;
    expect(Array.from(vec.observations.subarray(0, size))).toEqual(Array.from(first["blue-0"]!));
    const rng = new Rng(3);
    const actions = new Float32Array(3 * 4 * 8);
    for (let s = 0; s < 150; s++) {
      for (let i = 0; i < actions.length; i++) actions[i] = rng.uniform(-1, 1);
      const perAgent: Record<string, Float32Array> = {};
      single.agents.forEach((id, c) => {
        perAgent[id] = actions.slice(c * 8, c * 8 + 8);
      });
      const res = single.step(perAgent);
      vec.step(actions);
      single.agents.forEach((id, c) => {
        expect(Array.from(vec.observations.subarray(c * size, (c + 1) * size))).toEqual(
          Array.from(res.observations[id]!),
        );
      });
      if (res.terminations["blue-0"] || res.truncations["blue-0"]) break;
    }
    const copy = new CarSoccerVecEnv(1, { teamSize: 2 }).engine.state;
    copy.copyArena(vec.engine.state, 0, 0);
    expect(copy.hashArena(0)).toBe(single.state.hashArena(0));
  });

  it("round-trips through bytes and re-simulates to every hash", () => {
    const env = new CarSoccerEnv({ teamSize: 1, recordReplay: true, stateSetter: new RandomStateSetter() });
    env.reset(5);
    const rng = new Rng(1);
    let steps = 0;
    for (; steps < 100; steps++) {
      const r = env.step(randomActions(env, rng));
      if (r.terminations["blue-0"] || r.truncations["blue-0"]) break;
    }
    const replay = env.replay();
    expect(replay.hashes.length).toBe(Math.floor((replay.numSteps * 8) / 120));
    const bytes = encodeReplay(replay);
    const decoded = decodeReplay(bytes);
    expect(decoded).toEqual(replay);
    expect(verifyReplay(decoded)).toEqual({
      ok: true,
      stepsSimulated: replay.numSteps,
      hashesChecked: replay.hashes.length,
      goal: env.state.arena[3],
      ticks: replay.numSteps * 8,
    });
    const end = simulateReplay(decoded);
    expect(end.hashArena(0)).toBe(env.state.hashArena(0));
    const mid = simulateReplay(decoded, 37);
    expect(mid.arena[0]).toBe(37);

    // A changed control is caught at the first hash after it.
    const tampered = decodeReplay(bytes);
    tampered.controls[8 * 2 * 20] = tampered.controls[8 * 2 * 20] === 1 ? -1 : 1;
    const check = verifyReplay(tampered);
    expect(check.ok).toBe(false);
    expect(check.mismatch!.index).toBe(1);
    expect(check.mismatch!.tick).toBe(240);

    // Verifying a piece at a time (as a player does) finds the same: verified up to 120, then the mismatch.
    const verifier = new ReplayVerifier(tampered);
    expect(verifier.advance(100)).toMatchObject({ done: false, verifiedTick: 0, hashesChecked: 0 });
    expect(verifier.advance(200)).toMatchObject({ done: false, verifiedTick: 120, hashesChecked: 1 });
    expect(verifier.advance(10_000)).toMatchObject({
      done: true,
      ok: false,
      verifiedTick: 120,
      mismatch: { tick: 240 },
    });
    const clean = new ReplayVerifier(decoded);
    clean.advance(500);
    expect(clean.advance()).toMatchObject({ done: true, ok: true, hashesChecked: replay.hashes.length });
  });

  it("decoding fails clearly on a wrong magic, a wrong version, truncation or trailing bytes", () => {
    const env = new CarSoccerEnv({ recordReplay: true });
    env.reset(1);
    for (let s = 0; s < 20; s++)
      env.step({ "blue-0": [1, 0, 0, 0, 0, 0, 1, 0], "orange-0": new Float32Array(8) });
    const bytes = encodeReplay(env.replay());
    const bad = bytes.slice();
    bad[0] = 0x58;
    expect(() => decodeReplay(bad)).toThrow(ReplayError);
    expect(() => decodeReplay(bad)).toThrow(/magic/);
    const version = bytes.slice();
    version[4] = 99;
    expect(() => decodeReplay(version)).toThrow(/format version 99/);
    for (const cut of [2, 7, 30, 200, bytes.length - 1])
      expect(() => decodeReplay(bytes.slice(0, cut))).toThrow(/truncated/);
    const long = new Uint8Array(bytes.length + 3);
    long.set(bytes);
    expect(() => decodeReplay(long)).toThrow(/bad replay length/);
    const specVersion = decodeReplay(bytes);
    specVersion.specVersion = 999;
    expect(() => verifyReplay(specVersion)).toThrow(/version 999/);
  });
});
