// Team spirit is computed once per transition (every car's reward, then the mix) and read back for
// the other cars, where it used to recompute all n cars for each of the n asks. These tests hold
// the new way to the formula on random states: (1 − τ) r_i + τ · mean(own team) − mean(opponents),
// with r_i each car's own (selfish) reward.
import { B_X, CarSoccerVecEnv, ContinuousAction, RandomStateSetter, Rng } from "@league/envs";
import { describe, expect, it } from "vitest";
import { compileReward, DEFAULT_CAR_SOCCER_REWARD, type RewardSpec } from "../../src/rewards/index.js";

/** The old per-pair formula: every car's selfish reward, mixed by hand. */
function referenceMix(
  selfish: (car: number) => number,
  numCars: number,
  teamSize: number,
  tau: number,
): number[] {
  const raw = Array.from({ length: numCars }, (_, c) => selfish(c));
  const mean = (from: number, to: number) => raw.slice(from, to).reduce((a, b) => a + b, 0) / (to - from);
  const blue = mean(0, teamSize);
  const orange = mean(teamSize, numCars);
  return raw.map((r, c) =>
    c < teamSize ? (1 - tau) * r + tau * blue - orange : (1 - tau) * r + tau * orange - blue,
  );
}

const SPECS: [string, RewardSpec][] = [
  ["the Lucy-SKG default (KRC inside)", DEFAULT_CAR_SOCCER_REWARD],
  [
    "potential shaping and PAR",
    {
      teamSpirit: 0.6,
      reward: {
        weightedSum: [
          { node: { term: "goal" }, weight: 10 },
          { node: { potential: { term: "distance_ball_to_goal" }, gamma: 0.99 }, weight: 2 },
          { node: { par: { term: "velocity_player_to_ball" }, reference: 0.2 }, weight: 0.5 },
          { node: { term: "face_ball" }, weight: 0.1 },
        ],
      },
    },
  ],
];

describe("team spirit computed once per transition", () => {
  for (const teamSize of [1, 2, 3] as const)
    for (const [name, spec] of SPECS)
      it(`equals the per-pair formula on random ${teamSize}v${teamSize} states: ${name}`, () => {
        const tau = spec.teamSpirit!;
        const selfish = compileReward({ reward: spec.reward });
        const env = new CarSoccerVecEnv(6, {
          teamSize,
          actionParser: new ContinuousAction(),
          stateSetter: new RandomStateSetter(),
          reward: compileReward(spec).fn,
        });
        const rng = new Rng(7, teamSize);
        const actions = new Float32Array(6 * teamSize * 2 * 8);
        env.reset(3);
        let compared = 0;
        for (let step = 0; step < 60; step++) {
          for (let i = 0; i < actions.length; i++) actions[i] = rng.float() * 2 - 1;
          env.step(actions);
          const { state, prev } = env.engine;
          for (let e = 0; e < 6; e++) {
            // A finished arena was reset after its reward: its state is not the one rewarded.
            if (env.terminated[e] || env.truncated[e]) continue;
            const want = referenceMix(
              (c) => selfish.fn(state, prev, c, e, false),
              2 * teamSize,
              teamSize,
              tau,
            );
            for (let c = 0; c < 2 * teamSize; c++) {
              // The env's rewards are float32.
              expect(env.rewards[e * 2 * teamSize + c]).toBeCloseTo(want[c]!, 4);
              compared++;
            }
          }
        }
        expect(compared).toBeGreaterThan(100);
      });

  it("recomputes when a state is changed in place between the cars' asks", () => {
    const spec: RewardSpec = { teamSpirit: 0.5, reward: { term: "velocity_ball_to_goal" } };
    const { fn } = compileReward(spec);
    const selfish = compileReward({ reward: spec.reward }).fn;
    const env = new CarSoccerVecEnv(1, { teamSize: 2, stateSetter: new RandomStateSetter() });
    env.reset(11);
    const { state, prev } = env.engine;
    fn(state, prev, 0, 0, false);
    // The ball moves (a caller reusing one state for sampled transitions): car 1's ask sees it.
    state.ball[B_X] = state.ball[B_X]! + 500;
    const want = referenceMix((c) => selfish(state, prev, c, 0, false), 4, 2, 0.5);
    expect(fn(state, prev, 1, 0, false)).toBeCloseTo(want[1]!, 12);
    // A fresh sweep (car 0 again) recomputes even when nothing the key reads changed.
    expect(fn(state, prev, 0, 0, false)).toBeCloseTo(want[0]!, 12);
  });

  it("gives every car the same reward whichever car asks first", () => {
    const { fn } = compileReward(DEFAULT_CAR_SOCCER_REWARD);
    const env = new CarSoccerVecEnv(1, { teamSize: 2, stateSetter: new RandomStateSetter() });
    env.reset(5);
    const { state, prev } = env.engine;
    const inOrder = [0, 1, 2, 3].map((c) => fn(state, prev, c, 0, false));
    const reversed = [3, 2, 1, 0].map((c) => fn(state, prev, c, 0, false)).reverse();
    expect(reversed).toEqual(inOrder);
  });
});
