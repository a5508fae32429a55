import {
  A_GOAL,
  A_STEPS,
  B_VX,
  B_X,
  C_BALL_TOUCHES,
  C_BOOST,
  C_VX,
  C_X,
  CAR_FIELDS,
  CarSoccerEnv,
  type CarSoccerState,
  CarSoccerVecEnv,
  CONTROL_SIZE,
  ContinuousAction,
  type DoneCondition,
} from "@league/envs";
import { describe, expect, it } from "vitest";
import {
  CAR_SOCCER_TERMS,
  compileReward,
  DEFAULT_CAR_SOCCER_REWARD,
  GatedAccumulator,
  parseRewardSpec,
  RewardSpecError,
} from "../../src/rewards/index.js";
import { handState, setBall, setCar } from "./states.js";

describe("reward spec", () => {
  it("refuses a bad spec with the path of the bad field", () => {
    const bad = (spec: unknown, pattern: RegExp) => {
      expect(() => parseRewardSpec(spec)).toThrow(RewardSpecError);
      expect(() => parseRewardSpec(spec)).toThrow(pattern);
    };
    bad(
      {
        reward: {
          weightedSum: [
            { node: { term: "goal" }, weight: 1 },
            { node: { term: "gaol" }, weight: 1 },
          ],
        },
      },
      /reward\.weightedSum\[1\]\.node\.term: unknown term; known: goal, concede/,
    );
    bad(
      { reward: { weightedSum: [{ node: { term: "goal" }, weight: "heavy" }] } },
      /reward\.weightedSum\[0\]\.weight: /,
    );
    bad(
      { reward: { term: "distance_player_to_ball", params: { dispersion: -1 } } },
      /reward\.params\.dispersion: /,
    );
    bad({ reward: { term: "goal" }, teamSpirit: 2 }, /teamSpirit: /);
    // The node's own key picks the kind whose error is reported, not the first kind tried (term).
    bad({ reward: { potential: { term: "goal" }, gamma: 2 } }, /reward\.gamma: /);
    const gated = { gated: { term: "boost_amount" }, outcome: { term: "touch" }, threshold: 1 };
    expect(parseRewardSpec({ reward: gated })).toEqual({ reward: gated });
    bad({ reward: { ...gated, threshold: "one" } }, /reward\.threshold: /);
    bad({ reward: { ...gated, outcome: { term: "tuch" } } }, /reward\.outcome\.term: unknown term/);
    bad(
      { reward: { weightedSum: [{ node: { ...gated, gated: { krc: [{ term: "goal" }] } }, weight: 1 }] } },
      /reward\.weightedSum\[0\]\.node\.gated\.krc: /,
    );
    bad(
      { reward: { weightedSum: [{ node: { potential: gated, gamma: 0.99 }, weight: 1 }] } },
      /reward\.weightedSum\[0\]\.node\.potential: a gated node cannot be inside a potential/,
    );
    // Novelty cannot be a node (see RewardNode): refused with its path, not ignored.
    bad(
      { reward: { weightedSum: [{ node: { novelty: { scale: 0.1 } }, weight: 1 }] } },
      /reward\.weightedSum\[0\]\.node\.novelty: novelty is not a spec node .*--novelty/,
    );
    bad({ reward: { term: "goal" }, novelty: 0.1 }, /^reward spec: novelty: novelty is not a spec node/);
    expect(parseRewardSpec(DEFAULT_CAR_SOCCER_REWARD)).toEqual(DEFAULT_CAR_SOCCER_REWARD);
    expect(Object.values(CAR_SOCCER_TERMS).every((t) => t.range.length > 0)).toBe(true);
  });
});

describe("car-soccer reward terms", () => {
  function env() {
    const e = new CarSoccerEnv({ teamSize: 1, actionParser: new ContinuousAction() });
    e.reset(3);
    return e;
  }

  it("run inside the environment, reporting every component, never NaN", () => {
    const compiled = compileReward(DEFAULT_CAR_SOCCER_REWARD);
    expect(compiled.components).toEqual([
      "goal",
      "concede",
      "krc(velocity_player_to_ball, distance_player_to_ball)",
      "velocity_ball_to_goal",
      "touch",
      "boost_amount",
    ]);
    const e = new CarSoccerEnv({ teamSize: 1, actionParser: new ContinuousAction(), reward: compiled.fn });
    e.reset(5);
    const drive = Float32Array.from([1, 0, 0, 0, 0, 0, 1, 0]); // throttle and boost, straight at the ball from kickoff
    let sum = 0;
    for (let step = 0; step < 60; step++) {
      const result = e.step({ "blue-0": drive, "orange-0": drive });
      for (const r of Object.values(result.rewards)) {
        expect(Number.isFinite(r)).toBe(true);
        sum += r;
      }
      // The env asks for orange-0 last: the contributions reported are its, and sum to its reward.
      const parts = compiled.lastComponents.reduce((a, b) => a + b, 0);
      expect(parts).toBeCloseTo(result.rewards["orange-0"]!, 10);
      if (Object.values(result.terminations).some(Boolean)) break;
    }
    expect(Number.isFinite(sum)).toBe(true);
    expect(compiled.lastComponents.every(Number.isFinite)).toBe(true);
  });

  it("measure speed towards the ball with its sign, and touches as events", () => {
    const e = env();
    const state = e.state;
    const prev = e.engine.prev;
    const o = 0 * CAR_FIELDS;
    // Car at the origin's side, ball ahead in +y; moving towards it at 2300 uu/s.
    state.cars[o + C_X] = 0;
    state.cars[o + C_X + 1] = -1000;
    state.cars[o + C_X + 2] = 17;
    state.ball[B_X] = 0;
    state.ball[B_X + 1] = 0;
    state.ball[B_X + 2] = 17;
    state.cars[o + C_VX] = 0;
    state.cars[o + C_VX + 1] = 2300;
    state.cars[o + C_VX + 2] = 0;
    const ctx = { state, prev, car: 0, arena: 0, params: {} };
    expect(CAR_SOCCER_TERMS.velocity_player_to_ball!.fn(ctx)).toBeCloseTo(1, 6);
    state.cars[o + C_VX + 1] = -1150;
    expect(CAR_SOCCER_TERMS.velocity_player_to_ball!.fn(ctx)).toBeCloseTo(-0.5, 6);
    prev.cars.set(state.cars);
    expect(CAR_SOCCER_TERMS.touch!.fn(ctx)).toBe(0);
    state.cars[o + C_BALL_TOUCHES] = prev.cars[o + C_BALL_TOUCHES]! + 1;
    expect(CAR_SOCCER_TERMS.touch!.fn(ctx)).toBe(1);
    // The ball now flies straight at the orange goal: that touch was a shot for blue.
    state.ball[B_VX] = 0;
    state.ball[B_VX + 1] = 3000;
    expect(CAR_SOCCER_TERMS.shot!.fn(ctx)).toBe(1);
    state.ball[B_VX] = 3000;
    state.ball[B_VX + 1] = 100;
    expect(CAR_SOCCER_TERMS.shot!.fn(ctx)).toBe(0);
    expect(CONTROL_SIZE).toBe(8);
  });

  it("share rewards within a team and subtract the opponents' with team spirit", () => {
    const selfish = compileReward({ reward: { term: "boost_amount" } });
    const shared = compileReward({ reward: { term: "boost_amount" }, teamSpirit: 0.5 });
    const e = env();
    const [blue, orange] = [
      selfish.fn(e.state, e.engine.prev, 0, 0),
      selfish.fn(e.state, e.engine.prev, 1, 0),
    ];
    // 1v1: own team mean = own reward, so r' = r - r_opponent.
    expect(shared.fn(e.state, e.engine.prev, 0, 0)).toBeCloseTo(blue - orange, 12);
    expect(shared.fn(e.state, e.engine.prev, 0, 0) + shared.fn(e.state, e.engine.prev, 1, 0)).toBeCloseTo(
      0,
      12,
    );
  });
});

/** Sets each car's boost so that boost_amount = sqrt(boost / 100) gives these raw rewards. */
function boostRewards(st: CarSoccerState, rewards: number[]): void {
  rewards.forEach((r, c) => {
    setCar(st, c, C_BOOST, 100 * r * r);
  });
}

describe("team spirit in the spec", () => {
  it("mixes 2v2 rewards as (1 - tau) own + tau team mean - opponents' mean", () => {
    const s = handState(2); // blue 0, 1; orange 2, 3
    const raw = [1, 0.5, 0.8, 0];
    boostRewards(s.state, raw);
    // Blue's mean 0.75, orange's 0.4. tau 0.3: car 0 = 0.7 · 1 + 0.3 · 0.75 - 0.4 = 0.525, …
    const expected: Record<number, number[]> = {
      0.3: [0.525, 0.175, -0.07, -0.63],
      0.8: [0.4, 0.3, -0.27, -0.43],
    };
    for (const tau of [0.3, 0.8]) {
      const { fn } = compileReward({ reward: { term: "boost_amount" }, teamSpirit: tau });
      for (let car = 0; car < 4; car++) {
        const [team, opp] = car < 2 ? [0.75, 0.4] : [0.4, 0.75];
        const got = fn(s.state, s.prev, car, 0);
        expect(got).toBeCloseTo(expected[tau]![car]!, 12);
        expect(got).toBeCloseTo((1 - tau) * raw[car]! + tau * team - opp, 12);
      }
    }
  });
});

describe("gated accumulation in the spec (G-RA)", () => {
  const spec = {
    reward: { gated: { term: "boost_amount" }, outcome: { term: "touch" }, threshold: 1 },
  };

  /** Advances the hand state one step: step count k, each car's dense reward, who touched. */
  function step(s: ReturnType<typeof handState>, k: number, dense: number[], touched: number[]): void {
    s.prev.copyArena(s.state, 0, 0);
    s.state.arena[A_STEPS] = k;
    boostRewards(s.state, dense);
    for (const c of touched)
      setCar(s.state, c, C_BALL_TOUCHES, s.prev.cars[s.prev.carOffset(0, c) + C_BALL_TOUCHES]! + 1);
  }

  it("pays the dense terms only when the outcome meets the threshold, as GatedAccumulator", () => {
    const compiled = compileReward(spec);
    const s = handState(1);
    const dense = [0.2, 0.3, 0.1, 0.4];
    const touches = [false, false, true, false];
    const gate = new GatedAccumulator(1);
    const paid: number[] = [];
    for (let k = 0; k < 4; k++) {
      step(s, k + 1, [dense[k]!, 0], touches[k] ? [0] : []);
      paid.push(compiled.fn(s.state, s.prev, 0, 0));
      expect(paid[k]).toBeCloseTo(gate.step(touches[k] ? 1 : 0, dense[k]!), 12);
      // Asked again for the same step: the same answer, nothing accumulated twice.
      expect(compiled.fn(s.state, s.prev, 0, 0)).toBeCloseTo(paid[k]!, 12);
      expect(compiled.lastComponents[0]).toBeCloseTo(paid[k]!, 12);
    }
    // 0.2 + 0.3 + 0.1 paid with the touch's 1 at step 3.
    expect(paid.map((p) => Number(p.toFixed(12)))).toEqual([0, 0, 1.6, 0]);
    // A reset (the setter zeroes the step count) drops the 0.4 still pending.
    s.state.arena[A_STEPS] = 0;
    step(s, 1, [0.3, 0], [0]);
    expect(compiled.fn(s.state, s.prev, 0, 0)).toBeCloseTo(1.3, 12);
  });

  it("keeps one accumulator per car under team spirit, however often each step is asked", () => {
    const compiled = compileReward({ ...spec, teamSpirit: 0.5 });
    const s = handState(2);
    const ask = () => [0, 1, 2, 3].map((car) => compiled.fn(s.state, s.prev, car, 0));
    step(s, 1, [0.2, 0.2, 0.2, 0.2], []);
    expect(ask()).toEqual([0, 0, 0, 0]);
    // Car 2 touches: it is paid 1 + 0.4; orange mean 0.7, blue mean 0.
    step(s, 2, [0.2, 0.2, 0.2, 0.2], [2]);
    const second = ask();
    [-0.7, -0.7, 0.5 * 1.4 + 0.5 * 0.7, 0.5 * 0.7].forEach((v, car) => {
      expect(second[car]).toBeCloseTo(v, 12);
    });
    // Car 0 touches: 1 + 0.6 (three steps of 0.2); car 2's gate restarted after its payout.
    step(s, 3, [0.2, 0.2, 0.2, 0.2], [0]);
    const third = ask();
    [0.5 * 1.6 + 0.5 * 0.8, 0.5 * 0.8, -0.8, -0.8].forEach((v, car) => {
      expect(third[car]).toBeCloseTo(v, 12);
    });
  });
});

describe("potential-based shaping in the spec", () => {
  const spec = { reward: { potential: { term: "distance_ball_to_goal" }, gamma: 0.9 } };
  // Φ = distance shape of the ball to the goal blue attacks: exp(-0.5 · d / 6000).
  const phiCentre = Math.exp((-0.5 * 5120) / 6000);

  it("zeroes Φ(s') at a terminal state, whether the env says so or a goal shows it", () => {
    const { fn } = compileReward(spec);
    const s = handState(1);
    setBall(s.state, B_X, 0, 2000); // the ball moved 2000 uu towards orange's goal
    const shaped = 0.9 * Math.exp((-0.5 * 3120) / 6000) - phiCentre;
    expect(fn(s.state, s.prev, 0, 0, false)).toBeCloseTo(shaped, 12);
    expect(fn(s.state, s.prev, 0, 0, true)).toBeCloseTo(-phiCentre, 12);
    expect(fn(s.state, s.prev, 0, 0)).toBeCloseTo(shaped, 12);
    // No flag given: a goal state is terminal, as under GoalCondition.
    s.state.arena[A_GOAL] = 1;
    expect(fn(s.state, s.prev, 0, 0)).toBeCloseTo(-phiCentre, 12);
    // The env's word wins: goals that do not end the episode leave Φ(s') alone.
    expect(fn(s.state, s.prev, 0, 0, false)).toBeCloseTo(shaped, 12);
    // A sampled transition out of a goal state (no flag): Φ(s) = 0 too, so Φ stays a function of the state.
    s.prev.arena[A_GOAL] = 1;
    expect(fn(s.state, s.prev, 0, 0)).toBe(0);
    s.state.arena[A_GOAL] = 0;
    expect(fn(s.state, s.prev, 0, 0)).toBeCloseTo(0.9 * Math.exp((-0.5 * 3120) / 6000), 12);
  });

  it("gets the terminal flag from both environments, and not on a truncation", () => {
    const ends = (kind: "terminate" | "truncate"): DoneCondition[] => [
      { name: "first-step", kind, isDone: () => true },
    ];
    const idle = { "blue-0": new Float32Array(8), "orange-0": new Float32Array(8) };
    // From the kickoff, one idle step leaves the ball on the centre spot: Φ(s') = Φ(s).
    const single = (kind: "terminate" | "truncate") => {
      const e = new CarSoccerEnv({ teamSize: 1, reward: compileReward(spec).fn, doneConditions: ends(kind) });
      e.reset(2);
      return e.step(idle).rewards;
    };
    expect(single("terminate")["blue-0"]).toBeCloseTo(-phiCentre, 9);
    expect(single("terminate")["orange-0"]).toBeCloseTo(-phiCentre, 9);
    expect(single("truncate")["blue-0"]).toBeCloseTo(0.9 * phiCentre - phiCentre, 9);
    const vec = new CarSoccerVecEnv(2, { reward: compileReward(spec).fn, doneConditions: ends("terminate") });
    vec.reset(2);
    vec.step(new Float32Array(2 * 2 * 8));
    for (const r of vec.rewards) expect(r).toBeCloseTo(-phiCentre, 6);
  });
});

describe("per-component contributions", () => {
  it("report weight × value of each additive part, nested sums flattened, summing to the reward", () => {
    const compiled = compileReward({
      reward: {
        weightedSum: [
          { node: { term: "boost_amount" }, weight: 2 },
          {
            node: {
              weightedSum: [
                { node: { term: "touch" }, weight: -1 },
                { node: { term: "face_ball" }, weight: 0.5 },
              ],
            },
            weight: 3,
          },
          { node: { term: "touch" }, weight: 0.25 },
        ],
      },
    });
    expect(compiled.components).toEqual(["boost_amount", "touch", "face_ball", "touch#2"]);
    const s = handState(1); // car 0 at (-3000, 4000, 17) facing +x; ball at (0, 0, 91.25)
    setCar(s.state, 0, C_BOOST, 25);
    setCar(s.state, 0, C_BALL_TOUCHES, 1);
    const r = compiled.fn(s.state, s.prev, 0, 0);
    const face = 3000 / Math.hypot(3000, 4000, 74.25);
    const expected = [2 * 0.5, 3 * -1 * 1, 3 * 0.5 * face, 0.25];
    Array.from(compiled.lastComponents).forEach((v, j) => {
      expect(v).toBeCloseTo(expected[j]!, 12);
    });
    expect(r).toBeCloseTo(
      expected.reduce((a, b) => a + b, 0),
      12,
    );
  });

  it("apply team spirit to each part, so the parts still sum to the mixed reward", () => {
    const compiled = compileReward({
      reward: {
        weightedSum: [
          { node: { term: "boost_amount" }, weight: 2 },
          { node: { term: "touch" }, weight: -1 },
        ],
      },
      teamSpirit: 0.5,
    });
    const s = handState(2);
    boostRewards(s.state, [1, 0.5, 0.8, 0]);
    setCar(s.state, 1, C_BALL_TOUCHES, 1);
    const r = compiled.fn(s.state, s.prev, 0, 0);
    // boost parts [2, 1, 1.6, 0]: 0.5 · 2 + 0.5 · 1.5 - 0.8 = 0.95; touch parts [0, -1, 0, 0]: 0.5 · -0.5 = -0.25
    expect(compiled.lastComponents[0]).toBeCloseTo(0.95, 12);
    expect(compiled.lastComponents[1]).toBeCloseTo(-0.25, 12);
    expect(r).toBeCloseTo(0.7, 12);
  });

  it("report a non-additive reward as one component equal to it", () => {
    const compiled = compileReward({
      reward: { krc: [{ term: "boost_amount" }, { term: "distance_ball_to_goal" }] },
    });
    expect(compiled.components).toEqual(["krc(boost_amount, distance_ball_to_goal)"]);
    const s = handState(1);
    setCar(s.state, 0, C_BOOST, 25);
    const r = compiled.fn(s.state, s.prev, 0, 0);
    expect(r).toBeCloseTo(Math.sqrt(0.5 * Math.exp((-0.5 * 5120) / 6000)), 12);
    expect(compiled.lastComponents[0]).toBe(r);
  });
});
