import { BANDIT_CONFIGS, BanditEnv, makeDuplicateEnv } from "@league/envs";
import { describe, expect, it } from "vitest";
import { BaselineConfigError, baselinesFor, createBaseline, playDuplicate } from "../../src/index.js";

// Five Bernoulli arms with gaps 0.1 … 0.4 below the best (0.9).
const MEANS = [0.9, 0.8, 0.7, 0.6, 0.5];
const HORIZON = 10_000;
const kl = (p: number, q: number) => p * Math.log(p / q) + (1 - p) * Math.log((1 - p) / (1 - q));
/** Lai-Robbins: regret ≥ (Σ_k Δ_k / KL(μ_k, μ*)) · ln T asymptotically (≈ 5.30 · ln T = 48.8 here). */
const LAI_ROBBINS = MEANS.slice(1).reduce((s, m) => s + (0.9 - m) / kl(m, 0.9), 0) * Math.log(HORIZON);

describe("bandit baselines", () => {
  it("UCB1 and Thompson keep regret within a stated multiple of the Lai-Robbins bound (10,000 pulls)", () => {
    // 12 seeds: the standard error of the mean regret was ~2% (UCB1) and ~9% (Thompson) of the
    // mean over 20 seeds, so 12 seeds keep it under ~12%, far inside the margins below.
    const seeds = Array.from({ length: 12 }, (_, i) => 100 + i);
    const result = playDuplicate({
      env: () => new BanditEnv({ kind: "bernoulli", numArms: 5, means: MEANS, horizon: HORIZON }),
      policies: ["ucb1", "thompson-bernoulli"],
      seeds,
    });
    const [ucb, ts] = result.entries;
    // UCB1 (index sqrt(2 ln t / n)) pulls arm k about 2 ln T / Δ_k² times asymptotically, so its regret
    // tends to Σ 2 ln T / Δ_k = 41.7 ln T here, 7.9× the Lai-Robbins constant (Auer et al.'s
    // finite-time bound, with 8 instead of 2, would be 31×); measured 4.9× at T = 10^4. The test
    // multiple is 8×, the theoretical ratio, not a fitted one; greedy (15×) and random (41×) fail it.
    expect(ucb!.meanRegret).toBeLessThan(8 * LAI_ROBBINS);
    // Thompson sampling is asymptotically optimal (ratio → 1); at T = 10^4 the lower-order terms
    // are still negative (measured 0.5×), so 1.5× is a tight but safe ceiling.
    expect(ts!.meanRegret).toBeLessThan(1.5 * LAI_ROBBINS);
    // And both genuinely learn: far below the regret of uniform play (0.2 · T = 2,000).
    expect(ts!.meanRegret).toBeGreaterThan(0.1 * LAI_ROBBINS);
    expect(ts!.rank).toBe(1);
  });

  it("on a satiating LSD instance, the switching-aware agent beats the greedy one", () => {
    // Measured over 10 seeds: greedy ~424 regret (it stays on a satiated arm), state-thompson ~67.
    // 6 seeds are plenty for a 6× gap with standard errors under 8.
    const result = playDuplicate({
      env: "bandit-lsd-10",
      policies: ["greedy", "state-thompson"],
      seeds: [1, 2, 3, 4, 5, 6],
    });
    const [greedy, aware] = result.entries;
    expect(aware!.meanReturn).toBeGreaterThan(greedy!.meanReturn);
    expect(aware!.meanRegret).toBeLessThan(0.5 * greedy!.meanRegret);
    expect(aware!.rank).toBe(1);
    expect(greedy!.rank).toBe(2);
  });

  it("LinUCB learns the contextual bandit; context-free agents cannot", () => {
    const result = playDuplicate({
      env: "bandit-contextual-10",
      policies: ["linucb", "ucb1", "random"],
      seeds: [1, 2, 3],
    });
    const [lin, ucb, random] = result.entries;
    // Measured: LinUCB ~134 regret of ~1,450 oracle return; UCB1 and random both ~1,440.
    expect(lin!.meanRegret).toBeLessThan(0.25 * random!.meanRegret);
    expect(lin!.meanRegret).toBeLessThan(0.25 * ucb!.meanRegret);
  });

  it("Gaussian Thompson beats uniform play on Gaussian arms", () => {
    const result = playDuplicate({
      env: "bandit-gaussian-10",
      policies: ["thompson-gaussian", "random"],
      seeds: [1, 2, 3],
    });
    expect(result.entries[0]!.meanRegret).toBeLessThan(0.2 * result.entries[1]!.meanRegret);
  });

  it("plays the same instances for every entrant: identical policies tie and share rank 1", () => {
    const result = playDuplicate({
      env: "bandit-switching-10",
      policies: ["sw-ucb", { baseline: "sw-ucb", label: "sw-ucb again" }, "random"],
      seeds: [3, 4],
    });
    const [a, b, random] = result.entries;
    expect(a!.returns).toEqual(b!.returns);
    expect(a!.regrets).toEqual(b!.regrets);
    expect(a!.oracleReturns).toEqual(random!.oracleReturns); // the change points do not depend on play
    expect([a!.rank, b!.rank, random!.rank]).toEqual([1, 1, 3]);
    expect(a!.stdErrReturn).toBeGreaterThanOrEqual(0);
  });

  it("is deterministic across runs", () => {
    const play = () =>
      playDuplicate({
        env: "bandit-drifting-10",
        policies: ["discounted-thompson", "epsilon-greedy"],
        seeds: [9, 10],
      });
    expect(play()).toEqual(play());
  });

  it("creates every baseline listed for each bandit, and rejects unknown names and missing parameters", () => {
    for (const id of Object.keys(BANDIT_CONFIGS)) {
      const names = baselinesFor(makeDuplicateEnv(id));
      const result = playDuplicate({ env: id, envOverrides: { horizon: 30 }, policies: names, seeds: [1] });
      expect(result.entries.map((e) => e.name)).toEqual(names);
      for (const e of result.entries) expect(Number.isFinite(e.meanRegret)).toBe(true);
    }
    expect(() => createBaseline("ucb2", { numArms: 3 })).toThrow(BaselineConfigError);
    expect(() => createBaseline("ucb2", { numArms: 3 })).toThrow(/unknown baseline "ucb2"; known: random/);
    expect(() => createBaseline("ucb1", {})).toThrow("ucb1: numArms must be an integer >= 2, got undefined");
    expect(() => createBaseline("epsilon-greedy", { numArms: 3, epsilon: 2 })).toThrow(
      "epsilon-greedy: epsilon must be a number in [0, 1], got 2",
    );
  });
});
