import { makeDuplicateEnv, RecsimEnv } from "@league/envs";
import { describe, expect, it } from "vitest";
import {
  BaselineConfigError,
  baselineParamsFor,
  createBaseline,
  DuplicateMatch,
  playDuplicate,
  playEpisode,
} from "../../src/index.js";

describe("DuplicateMatch (duplicate play step by step)", () => {
  it("gives exactly what playing each entrant alone, episode after episode, gives", () => {
    for (const envId of ["bandit-lsd-10", "bandit-contextual-10", "recsim-slate-5"]) {
      const names = envId.startsWith("recsim")
        ? ["popularity", "linucb-slate", "rec-random"]
        : ["ucb1", "thompson-bernoulli", "epsilon-greedy"];
      const seeds = [11, 12, 13];
      const match = new DuplicateMatch({ env: envId, policies: names, seeds });
      let steps = 0;
      while (!match.done) {
        match.step();
        steps++;
      }
      expect(steps).toBe(match.maxSteps);
      const result = match.result();
      for (const [i, name] of names.entries()) {
        // Each entrant on its own: one environment, its episodes one after another.
        const env = makeDuplicateEnv(envId);
        const policy = createBaseline(name, baselineParamsFor(env));
        const alone = seeds.map((seed) => playEpisode(env, policy, seed));
        const entry = result.entries[i]!;
        expect(entry.name).toBe(name);
        expect(entry.returns).toEqual(alone.map((a) => a.episodeReturn));
        expect(entry.regrets).toEqual(alone.map((a) => a.regret));
        expect(entry.oracleReturns).toEqual(alone.map((a) => a.oracleReturn));
        expect(match.totalReturns[i]).toBeCloseTo(
          alone.reduce((s, a) => s + a.episodeReturn, 0),
          9,
        );
      }
      expect(playDuplicate({ env: envId, policies: names, seeds })).toEqual(result);
    }
  });

  it("reports each step's actions and infos, and the running totals, as it goes", () => {
    const match = new DuplicateMatch({
      env: "bandit-bernoulli-10",
      policies: ["ucb1", "random"],
      seeds: [5, 6],
    });
    expect(match.episodeSteps).toBe(1000);
    const pulls = [new Array(10).fill(0), new Array(10).fill(0)];
    let lastTotal = 0;
    for (let t = 0; t < 1500; t++) {
      match.step();
      for (let i = 0; i < 2; i++) pulls[i]![match.lastActions[i]![0]!]++;
      expect(typeof match.lastInfos[0]!.regret).toBe("number");
      expect(match.totalRegrets[1]).toBeGreaterThanOrEqual(lastTotal);
      lastTotal = match.totalRegrets[1]!;
    }
    expect(match.steps).toBe(1500);
    expect(match.episode).toBe(1);
    expect(match.episodeStep).toBe(500);
    expect(pulls.map((p) => p.reduce((a: number, b: number) => a + b, 0))).toEqual([1500, 1500]);
    // UCB1 concentrates on few arms; random spreads evenly.
    expect(Math.max(...pulls[0]!)).toBeGreaterThan(Math.max(...pulls[1]!));
    expect(() => match.result()).toThrow(/still playing \(episode 2 of 2\)/);
    match.playToEnd();
    expect(() => match.step()).toThrow(BaselineConfigError);
    expect(match.result().entries.map((e) => e.returns.length)).toEqual([2, 2]);
  });

  it("tells the recommender's clicks, and refuses an env factory that shares one instance", () => {
    const match = new DuplicateMatch({ env: "recsim-slate-5", policies: ["popularity"], seeds: [1] });
    expect(match.env).toBeInstanceOf(RecsimEnv);
    match.step();
    expect(match.lastActions[0]).toHaveLength(5);
    expect(match.lastInfos[0]!.clicked).toBeGreaterThanOrEqual(-1);
    const shared = makeDuplicateEnv("bandit-bernoulli-10");
    expect(() => new DuplicateMatch({ env: () => shared, policies: ["ucb1", "random"], seeds: [1] })).toThrow(
      /returned the same environment twice/,
    );
  });
});
