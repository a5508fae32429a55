import { Rng } from "@league/envs";
import { describe, expect, it } from "vitest";
import { parseCarSoccerTrainConfig, TrainConfigError } from "../../src/selfplay/config.js";
import { Curriculum } from "../../src/selfplay/curriculum.js";
import { OpponentPool, pfspWeight } from "../../src/selfplay/pool.js";

const options = { weighting: "hard" as const, power: 2, latestShare: 0.2, maxSnapshots: 2, window: 100 };

/** A pool with three bots the learner beats 10%, 50% and 90% of the time (by recorded results). */
function poolWithRecord(weighting: "hard" | "variance" = "hard") {
  const pool = new OpponentPool<string>({ ...options, weighting });
  const rates = { strong: 0.1, even: 0.5, weak: 0.9 };
  for (const [name, rate] of Object.entries(rates)) {
    pool.addScripted(name, name);
    for (let g = 0; g < 100; g++) pool.record(`bot:${name}`, g < rate * 100 ? 1 : 0);
  }
  return pool;
}

/** 40,000 seeded draws: each opponent's share within 0.012 of `expected`. */
function expectShares(pool: OpponentPool<string>, seed: number, expected: Record<string, number>): void {
  const rng = new Rng(seed);
  const counts: Record<string, number> = {};
  const draws = 40_000;
  for (let i = 0; i < draws; i++) {
    const id = pool.sample(rng).id;
    counts[id] = (counts[id] ?? 0) + 1;
  }
  for (const [id, p] of Object.entries(expected))
    expect(Math.abs((counts[id] ?? 0) / draws - p), id).toBeLessThan(0.012);
}

describe("PFSP opponent pool", () => {
  it("weights opponents by f_hard and f_var", () => {
    expect(pfspWeight("hard", 0.25, 2)).toBeCloseTo(0.5625);
    expect(pfspWeight("hard", 1, 2)).toBe(0);
    expect(pfspWeight("variance", 0.5)).toBe(0.25);
    expect(pfspWeight("variance", 0)).toBe(0);
  });

  for (const weighting of ["hard", "variance"] as const) {
    it(`draws the latest self at its share and past opponents in proportion to f_${weighting} (seeded, 40,000 draws)`, () => {
      const pool = poolWithRecord(weighting);
      const expected: Record<string, number> = { latest: 0.2 };
      const past = pool.pastProbabilities();
      for (const { entry, probability } of past) expected[entry.id] = 0.8 * probability;
      // Smoothed win rates (k + 0.5)/(n + 1): the strongest bot gets the largest f_hard weight.
      if (weighting === "hard") expect(expected["bot:strong"]!).toBeGreaterThan(expected["bot:even"]! * 2);
      else expect(expected["bot:even"]!).toBeGreaterThan(expected["bot:strong"]!);
      // Margin: 0.012 absolute, over 5 standard errors of a proportion near 0.3 at this count.
      expectShares(pool, 42, expected);
    });
  }

  it("gives the scripted bots their share on top of PFSP over all past opponents (seeded, 40,000 draws)", () => {
    const pool = new OpponentPool<string>({ ...options, latestShare: 0.2, scriptedShare: 0.5 });
    pool.addScripted("ball-chaser", "ball-chaser");
    for (let g = 0; g < 100; g++) pool.record("bot:ball-chaser", g < 30 ? 1 : 0);
    pool.addSnapshot("snapshot-1", "a");
    // Past PFSP (f_hard, smoothed win rates 0.302 and 0.5): the bot gets 0.487/(0.487+0.25) of it.
    const botInPast = pool.pastProbabilities().find((p) => p.entry.id === "bot:ball-chaser")!.probability;
    const expected = {
      latest: 0.2,
      "bot:ball-chaser": 0.5 + 0.3 * botInPast,
      "snapshot-1": 0.3 * (1 - botInPast),
    };
    // Margin: 0.012 absolute, over 4.5 standard errors of a proportion near 0.5 at this count.
    expectShares(pool, 7, expected);
    expect(() => new OpponentPool({ ...options, latestShare: 0.6, scriptedShare: 0.5 })).toThrow(
      /latestShare \+ scriptedShare <= 1/,
    );
  });

  it("rates the learner up when it wins, keeps at most maxSnapshots and evicts the oldest", () => {
    const pool = new OpponentPool<string>(options);
    pool.addScripted("ball-chaser", "ball-chaser");
    const before = pool.learnerSkill.mu;
    for (let i = 0; i < 10; i++) pool.record("bot:ball-chaser", 1);
    expect(pool.learnerSkill.mu).toBeGreaterThan(before);
    expect(pool.get("bot:ball-chaser")!.skill.mu).toBeLessThan(25);
    expect(pool.ratings().learner!.games).toBe(10);
    // Snapshots start at the learner's rating.
    pool.addSnapshot("snapshot-1", "a");
    expect(pool.get("snapshot-1")!.skill.mu).toBeCloseTo(pool.learnerSkill.mu);
    pool.addSnapshot("snapshot-2", "b");
    const evicted = pool.addSnapshot("snapshot-3", "c");
    expect(evicted.map((e) => e.id)).toEqual(["snapshot-1"]);
    expect(pool.entries.map((e) => e.id)).toEqual(["latest", "bot:ball-chaser", "snapshot-2", "snapshot-3"]);
    // Games against the latest self move no rating and do not count as games against the pool.
    pool.record("latest", 1);
    expect(pool.pastGames).toBe(10);
    expect(pool.recentWinRate(100)).toEqual({ rate: 1, games: 10 });
  });

  it("refuses a latest share outside [0, 1]", () => {
    expect(() => new OpponentPool({ ...options, latestShare: 1.5 })).toThrow(
      /latestShare must be in \[0, 1\], got 1.5/,
    );
  });
});

describe("curriculum", () => {
  const stages = parseCarSoccerTrainConfig({
    env: "car-soccer-1v1",
    out: "x",
    totalSteps: 1,
    curriculum: [
      {
        name: "kickoff",
        stateSetter: { kickoff: 1 },
        advanceWhen: { winRate: 0.6, games: 10, opponent: "bot:ball-chaser" },
      },
      { name: "air", stateSetter: { "ball-in-air": 1 }, advanceWhen: { winRate: 0.5, games: 4 } },
      { name: "full game" },
    ],
  }).curriculum;

  it("advances only once the stage's window is full and its threshold met, counting only the stage's games", () => {
    const pool = new OpponentPool<string>({ ...options, latestShare: 0 });
    pool.addScripted("ball-chaser", "ball-chaser");
    pool.addScripted("idle", "idle");
    const curriculum = new Curriculum(stages);
    // Wins against another opponent do not count for this stage.
    for (let i = 0; i < 20; i++) pool.record("bot:idle", 1);
    expect(curriculum.check(pool, 100)).toBeNull();
    for (let i = 0; i < 9; i++) pool.record("bot:ball-chaser", 1);
    expect(curriculum.check(pool, 200)).toBeNull(); // 9 of the 10 games needed
    pool.record("bot:ball-chaser", 0);
    const change = curriculum.check(pool, 300);
    expect(change).toMatchObject({
      from: 0,
      to: 1,
      fromName: "kickoff",
      toName: "air",
      globalStep: 300,
      games: 10,
    });
    expect(change!.winRate).toBeCloseTo(0.9);
    expect(curriculum.stage.name).toBe("air");
    // The next stage starts counting afresh: earlier wins do not carry over.
    expect(curriculum.check(pool, 400)).toBeNull();
    for (let i = 0; i < 4; i++) pool.record("bot:idle", i < 2 ? 1 : 0);
    expect(curriculum.check(pool, 500)).toMatchObject({ to: 2, toName: "full game" });
    // The last stage stays.
    for (let i = 0; i < 10; i++) pool.record("bot:idle", 1);
    expect(curriculum.check(pool, 600)).toBeNull();
  });

  it("stays below the threshold", () => {
    const pool = new OpponentPool<string>({ ...options, latestShare: 0 });
    pool.addScripted("ball-chaser", "ball-chaser");
    const curriculum = new Curriculum(stages);
    for (let i = 0; i < 50; i++) pool.record("bot:ball-chaser", i % 2);
    expect(curriculum.check(pool, 1)).toBeNull();
    expect(curriculum.progress(pool)).toEqual({ rate: 0.5, games: 10 });
  });

  it("refuses a bad run config with the path of the bad field", () => {
    const bad = (patch: Record<string, unknown>) => () =>
      parseCarSoccerTrainConfig({ env: "car-soccer-1v1", out: "x", totalSteps: 10, ...patch }, "run.json");
    expect(bad({ curriculum: [{ name: "a", stateSetter: { teleport: 1 } }] })).toThrow(
      /run.json: curriculum\[0\]\.stateSetter\.teleport: unknown state setter/,
    );
    expect(bad({ selfplay: { scripted: ["nobody"] } })).toThrow(/selfplay\.scripted\[0\]: unknown bot/);
    expect(bad({ ppo: { gama: 0.9 } })).toThrow(/ppo\.gama: not a PPO setting/);
    expect(
      bad({
        curriculum: [{ name: "a", advanceWhen: { winRate: 0.5, games: 10, opponent: "bot:defender" } }],
      }),
    ).toThrow(/curriculum\[0\]\.advanceWhen\.opponent: "bot:defender" is not in the pool/);
    expect(bad({ reward: { reward: { term: "nope" } } })).toThrow(TrainConfigError);
    expect(bad({ reward: { reward: { term: "nope" } } })).toThrow(
      /reward: reward spec: reward\.term: unknown term/,
    );
  });
});
