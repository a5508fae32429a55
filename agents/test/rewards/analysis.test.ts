import { CarSoccerEnv, getEnvSpec } from "@league/envs";
import { describe, expect, it } from "vitest";
import { selectBackend } from "../../src/ppo/backend.js";
import {
  analyseCarSoccerReward,
  DEFAULT_CAR_SOCCER_REWARD,
  levelledStarcDistance,
  NOVELTY_COMPONENT,
  pearson,
  RandomNetworkDistillation,
  rewardHackingCheck,
  rewardStatistics,
  rewardStatsSvg,
  runTrendSvg,
  sampledEpicDistance,
  spearman,
  terminationIncentive,
} from "../../src/rewards/index.js";
import { createCarSoccerBot } from "../../src/scripted/car-soccer.js";

describe("reward statistics", () => {
  // Two episodes, two components; hand-computed below.
  const stats = rewardStatistics([
    { components: { a: [1, 0, 1], b: [0, -1, 0] }, total: [1, -1, 1], outcome: [0, 0, 1] },
    { components: { a: [0, 2], b: [-1, 0] }, total: [-1, 2], outcome: [0, -1] },
  ]);

  it("gives per-step and per-episode moments of every component", () => {
    expect(stats.episodes).toBe(2);
    expect(stats.steps).toBe(5);
    const a = stats.components[0]!;
    expect(a.name).toBe("a");
    // a per step: 1, 0, 1, 0, 2 → mean 0.8, variance (0.04+0.64+0.04+0.64+1.44)/5 = 0.56
    expect(a.perStep.mean).toBeCloseTo(0.8, 12);
    expect(a.perStep.variance).toBeCloseTo(0.56, 12);
    // a per episode: 2 and 2
    expect(a.perEpisode).toEqual({ mean: 2, variance: 0 });
  });

  it("splits the reward into shares", () => {
    const [a, b] = stats.components;
    // sums: a 4, b −2, total 2; magnitudes 4 and 2
    expect(a!.shareOfTotal).toBeCloseTo(2, 12);
    expect(b!.shareOfTotal).toBeCloseTo(-1, 12);
    expect(a!.shareOfMagnitude).toBeCloseTo(2 / 3, 12);
    expect(b!.shareOfMagnitude).toBeCloseTo(1 / 3, 12);
  });

  it("correlates components with each other and with the outcome", () => {
    const [a, b] = stats.components;
    const aSteps = [1, 0, 1, 0, 2];
    const bSteps = [0, -1, 0, -1, 0];
    const outcome = [0, 0, 1, 0, -1];
    expect(stats.correlations[0]![1]).toBeCloseTo(pearson(aSteps, bSteps)!, 12);
    expect(stats.correlations[0]![0]).toBeCloseTo(1, 12);
    expect(a!.correlationWithOutcome.perStep).toBeCloseTo(pearson(aSteps, outcome)!, 12);
    // a's episode returns are constant: no correlation is defined.
    expect(a!.correlationWithOutcome.perEpisode).toBeNull();
    // b's returns −1, −1 are constant too; the total's 1 and 1 as well.
    expect(b!.correlationWithOutcome.perEpisode).toBeNull();
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(spearman([1, 2, 3, 4], [1, 8, 27, 64])).toBeCloseTo(1, 12);
  });

  it("refuses traces whose lengths disagree, naming the episode and component", () => {
    expect(() => rewardStatistics([{ components: { a: [1] }, total: [1, 2], outcome: [0, 0] }])).toThrow(
      /episode 0: component "a" has 1 steps, the total has 2/,
    );
    expect(() => rewardStatistics([])).toThrow(/no episodes/);
  });

  it("draws shares and correlations as SVG", () => {
    const svg = rewardStatsSvg(stats, "test <reward>");
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain("test &lt;reward&gt;");
    expect(svg).toContain("66.7%");
    expect(svg).toContain("undefined (constant)");
  });
});

describe("the reward-hacking check", () => {
  const run = (shaped: (i: number) => number, outcome: (i: number) => number) =>
    Array.from({ length: 20 }, (_, i) => ({ step: (i + 1) * 1000, shaped: shaped(i), outcome: outcome(i) }));

  it("flags a run whose shaped return keeps rising while its outcome falls", () => {
    const verdict = rewardHackingCheck(
      run(
        (i) => i + Math.sin(i),
        (i) => 0.8 - i * 0.02,
      ),
    );
    expect(verdict.flagged).toBe(true);
    expect(verdict.shapedTrend!).toBeGreaterThan(0.9);
    expect(verdict.outcomeTrend!).toBeCloseTo(-1, 12);
    expect(verdict.window).toEqual({ fromStep: 11000, toStep: 20000, points: 10 });
    expect(verdict.reason).toMatch(/exploiting the shaping/);
    expect(
      runTrendSvg(
        run(
          (i) => i,
          (i) => -i,
        ),
        verdict,
        "run",
      ),
    ).toContain("possible reward hacking");
  });

  it("passes a healthy run, a run where both fall, and a run too short to judge", () => {
    expect(
      rewardHackingCheck(
        run(
          (i) => i,
          (i) => i * 0.01,
        ),
      ).flagged,
    ).toBe(false);
    expect(
      rewardHackingCheck(
        run(
          (i) => -i,
          (i) => -i,
        ),
      ).flagged,
    ).toBe(false);
    // Early on the outcome fell while the shaped return rose; later both rise: judged on the later half.
    expect(
      rewardHackingCheck(
        run(
          (i) => i,
          (i) => (i < 10 ? -i : i),
        ),
      ).flagged,
    ).toBe(false);
    const short = rewardHackingCheck(
      run(
        (i) => i,
        (i) => -i,
      ).slice(0, 8),
    );
    expect(short.flagged).toBe(false);
    expect(short.reason).toMatch(/too few points/);
  });
});

describe("the termination incentive", () => {
  // 99 shaping steps then a goal step: total = shaping (+ 10 on the goal step).
  const episode = (shaping: number, goal: 1 | -1) => ({
    components: {},
    total: [...Array.from({ length: 99 }, () => shaping), shaping + 10 * goal],
    outcome: [...Array.from({ length: 99 }, () => 0), goal],
  });

  it("flags positive shaping whose discounted stream outweighs the goal it ends", () => {
    const heavy = terminationIncentive([episode(0.5, 1), episode(0.5, -1)], 0.99);
    expect(heavy.shapingPerStep).toBeCloseTo(0.5, 12);
    expect(heavy.shapingStreamValue).toBeCloseTo(50, 9);
    expect(heavy.goalStepReward).toBeCloseTo(10.5, 12);
    expect(heavy).toMatchObject({ flagged: true });
    expect(heavy.reason).toMatch(/scoring forfeits more than it pays/);
    const light = terminationIncentive([episode(0.01, 1)], 0.99);
    expect(light.flagged).toBe(false);
    expect(light.reason).toMatch(/scoring pays/);
  });

  it("flags negative shaping that makes conceding the cheap way out, and says when it cannot judge", () => {
    expect(terminationIncentive([episode(-0.5, -1)], 0.99)).toMatchObject({ flagged: true });
    expect(terminationIncentive([episode(-0.01, -1)], 0.99).flagged).toBe(false);
    const noGoal = terminationIncentive([{ components: {}, total: [1, 1], outcome: [0, 0] }], 0.9);
    expect(noGoal).toMatchObject({ flagged: false, goalStepReward: null });
    expect(noGoal.reason).toMatch(/no goal was scored/);
    expect(() => terminationIncentive([episode(1, 1)], 1)).toThrow(/gamma/);
  });
});

describe("reward distances on sampled transitions", () => {
  // A bank of 12 states with a value each; rewards on (from, to) pairs.
  const value = Array.from({ length: 12 }, (_, i) => Math.sin(i * 1.7) * 3);
  const phi = Array.from({ length: 12 }, (_, i) => Math.cos(i * 0.9) * 5);
  const base = (s: number, n: number) => value[n]! - 0.5 * value[s]!;
  const gamma = 0.9;
  const transitions = Array.from({ length: 11 }, (_, i) => [i, i + 1] as const);
  const coverage = Array.from({ length: 12 }, (_, i) => i);

  it("EPIC is zero for a potential-shaped, positively scaled version of the same reward", () => {
    const shaped = (s: number, n: number) => 3 * base(s, n) + gamma * phi[n]! - phi[s]!;
    expect(sampledEpicDistance(base, shaped, transitions, coverage, gamma).epic).toBeLessThan(1e-7);
  });

  it("EPIC is positive for a different reward", () => {
    const other = (s: number, n: number) => phi[n]! * value[s]!;
    expect(sampledEpicDistance(base, other, transitions, coverage, gamma).epic).toBeGreaterThan(0.1);
  });
});

describe("STARC from action values", () => {
  // Two states, three actions, the on-policy action first. Advantages of A: (0, 1, −1), (0, 2, 0).
  const qA = [
    [5, 6, 4],
    [1, 3, 1],
  ];
  const onPolicy = [0, 0];

  it("is zero for a rescaled reward with a different value per state (shaping moves V and Q together)", () => {
    const qB = qA.map((row, i) => row.map((q) => 2 * q + (i === 0 ? 7 : -3)));
    expect(levelledStarcDistance(qA, qB, onPolicy).starc).toBeCloseTo(0, 12);
  });

  it("is one for the opposite reward and matches a hand-computed distance otherwise", () => {
    expect(
      levelledStarcDistance(
        qA,
        qA.map((row) => row.map((q) => -q)),
        onPolicy,
      ).starc,
    ).toBeCloseTo(1, 12);
    // B's advantages (0, 1, 0), (0, 0, 0): unit vectors (0,1,−1,0,2,0)/√6 and (0,1,0,0,0,0);
    // their distance² = 2 − 2/√6, halved: √(2 − 2/√6) / 2 = 0.5415.
    const qB = [
      [2, 3, 2],
      [4, 4, 4],
    ];
    const d = levelledStarcDistance(qA, qB, onPolicy);
    expect(d.starc).toBeCloseTo(Math.sqrt(2 - 2 / Math.sqrt(6)) / 2, 12);
    expect(d).toMatchObject({ states: 2, actions: 3, zeroAdvantage: { a: false, b: false } });
  });

  it("says when a reward is indifferent to every action (its levelled reward is zero)", () => {
    const flat = [
      [1, 1, 1],
      [2, 2, 2],
    ];
    const d = levelledStarcDistance(qA, flat, onPolicy);
    expect(d.zeroAdvantage).toEqual({ a: false, b: true });
    expect(d.starc).toBeCloseTo(0.5, 12);
    expect(() => levelledStarcDistance(qA, flat, [0])).toThrow(/on-policy actions/);
  });
});

describe("car-soccer reward analysis", () => {
  const driver = (name: string, seed: number) => createCarSoccerBot(name, seed);
  const options = {
    envId: "car-soccer-1v1",
    blue: driver("ball-chaser", 1),
    orange: driver("idle", 2),
    episodes: 3,
    maxSeconds: 20,
    seed: 4,
  };

  it("reports every additive part, and the parts sum to the reward", () => {
    const analysis = analyseCarSoccerReward({ ...options, spec: DEFAULT_CAR_SOCCER_REWARD });
    const { statistics } = analysis;
    expect(statistics.components.map((c) => c.name)).toEqual([
      "goal",
      "concede",
      "krc(velocity_player_to_ball, distance_player_to_ball)",
      "velocity_ball_to_goal",
      "touch",
      "boost_amount",
    ]);
    const parts = statistics.components.reduce((s, c) => s + c.perStep.mean, 0);
    expect(parts).toBeCloseTo(statistics.total.perStep.mean, 9);
    // The chaser against an idle car scores: the outcome is not all zero.
    expect(analysis.goals.blue).toBeGreaterThan(0);
    expect(analysis.distanceToGoals.epic).toBeGreaterThan(0.05);
  });

  /** Goals ±10 plus the given parts, analysed at γ 0.99. */
  const goalsPlus = (...parts: { node: unknown; weight: number }[]) =>
    analyseCarSoccerReward({
      ...options,
      gamma: 0.99,
      spec: {
        reward: {
          weightedSum: [
            { node: { term: "goal" }, weight: 10 },
            { node: { term: "concede" }, weight: -10 },
            ...parts,
          ],
        },
      },
    });

  it("finds goals plus potential-based shaping at distance zero from goals", () => {
    const analysis = goalsPlus({
      node: { potential: { term: "distance_ball_to_goal" }, gamma: 0.99 },
      weight: 4,
    });
    expect(analysis.goals.blue).toBeGreaterThan(0);
    expect(analysis.distanceToGoals.epic).toBeLessThan(1e-6);
    expect(analysis.distanceToGoals.starc).toBeLessThan(1e-6);
    // Potential shaping telescopes: ending the episode costs the learner nothing it was owed.
    expect(analysis.termination.flagged).toBe(false);
  });

  it("warns when per-step shaping pays more than scoring does", () => {
    // Heavy per-step terms beside goals of 10 (the first learn-car-soccer reward).
    const analysis = goalsPlus(
      { node: { term: "velocity_player_to_ball" }, weight: 1 },
      { node: { term: "velocity_ball_to_goal" }, weight: 5 },
      { node: { term: "align_ball_goal" }, weight: 0.3 },
    );
    expect(analysis.goals.blue).toBeGreaterThan(0);
    expect(analysis.termination.shapingStreamValue).toBeGreaterThan(analysis.termination.goalStepReward!);
    expect(analysis.termination).toMatchObject({ flagged: true });
  });

  it("adds a seeded RND novelty bonus as one more component, left out of the distances", async () => {
    const { tf } = await selectBackend({ prefer: ["wasm", "cpu"] });
    const spec = {
      reward: {
        weightedSum: [
          { node: { term: "goal" }, weight: 1 },
          { node: { term: "velocity_player_to_ball" }, weight: 0.1 },
        ],
      },
    };
    const obsSize = new CarSoccerEnv({ spec: getEnvSpec("car-soccer-1v1") }).engine.observationSize;
    const withNovelty = (seed: number) => {
      const rnd = new RandomNetworkDistillation(tf, { inputSize: obsSize, seed });
      const a = analyseCarSoccerReward({ ...options, spec, novelty: { rnd, coef: 0.5 } });
      rnd.dispose();
      return a;
    };
    const plain = analyseCarSoccerReward({ ...options, spec });
    const a = withNovelty(5);
    const b = withNovelty(5);
    const c = withNovelty(6);
    const names = a.statistics.components.map((x) => x.name);
    expect(names).toEqual(["goal", "velocity_player_to_ball", NOVELTY_COMPONENT]);
    const novelty = a.statistics.components[2]!;
    // A normalised bonus is positive everywhere and weighted by coef: a real share of the reward.
    expect(novelty.perStep.mean).toBeGreaterThan(0);
    expect(novelty.shareOfMagnitude).toBeGreaterThan(0.05);
    const parts = a.statistics.components.reduce((s, x) => s + x.perStep.mean, 0);
    expect(parts).toBeCloseTo(a.statistics.total.perStep.mean, 9);
    expect(a.statistics.total.perStep.mean).toBeCloseTo(
      plain.statistics.total.perStep.mean + novelty.perStep.mean,
      9,
    );
    // The same seed gives the same bonus; another seed another one.
    expect(b.statistics.components[2]).toEqual(novelty);
    expect(c.statistics.components[2]!.perStep.mean).not.toBe(novelty.perStep.mean);
    // The spec's parts (their shares aside) and its distance to goals are untouched by the bonus.
    const unshared = (x: (typeof novelty)[]) =>
      x.map(({ name, perStep, perEpisode, correlationWithOutcome }) => ({
        name,
        perStep,
        perEpisode,
        correlationWithOutcome,
      }));
    expect(unshared(a.statistics.components.slice(0, 2))).toEqual(unshared(plain.statistics.components));
    expect(a.distanceToGoals).toEqual(plain.distanceToGoals);
    expect(a.novelty).toEqual({ coef: 0.5, embeddingSize: 32, hidden: [64, 64], seed: 5 });
    expect(plain.novelty).toBeNull();
    const wrong = new RandomNetworkDistillation(tf, { inputSize: 3 });
    expect(() => analyseCarSoccerReward({ ...options, spec, novelty: { rnd: wrong, coef: 1 } })).toThrow(
      /novelty network takes 3 numbers, car-soccer-1v1's observations have \d+/,
    );
    wrong.dispose();
  });

  it("refuses a bad spec with the path of the bad field", () => {
    expect(() =>
      analyseCarSoccerReward({
        ...options,
        spec: { reward: { weightedSum: [{ node: { term: "nope" }, weight: 1 }] } },
      }),
    ).toThrow(/reward\.weightedSum\[0\]\.node\.term/);
  });
});
