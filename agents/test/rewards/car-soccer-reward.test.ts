import {
  B_VX,
  B_X,
  C_BALL_TOUCHES,
  C_VX,
  C_X,
  CAR_FIELDS,
  CarSoccerEnv,
  CONTROL_SIZE,
  ContinuousAction,
} from "@league/envs";
import { describe, expect, it } from "vitest";
import {
  CAR_SOCCER_TERMS,
  compileReward,
  DEFAULT_CAR_SOCCER_REWARD,
  parseRewardSpec,
  RewardSpecError,
} from "../../src/rewards/index.js";

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
      "weightedSum[0].goal",
      "weightedSum[1].concede",
      "weightedSum[2]krc[0].velocity_player_to_ball",
      "weightedSum[2]krc[1].distance_player_to_ball",
      "weightedSum[3].velocity_ball_to_goal",
      "weightedSum[4].touch",
      "weightedSum[5].boost_amount",
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
