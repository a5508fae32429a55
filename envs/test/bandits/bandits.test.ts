import { describe, expect, it } from "vitest";
import {
  BANDIT_CONFIGS,
  type BanditConfig,
  BanditConfigError,
  BanditEnv,
  BanditVectorEnv,
  ENV_SPECS,
  lsdCycleOracle,
  lsdOracle,
  makeDuplicateEnv,
  makeDuplicateVectorEnv,
  PLAYER,
  Rng,
  resolveBanditConfig,
  satiatingLsdConfig,
} from "../../src/index.js";

const act = (arm: number) => ({ [PLAYER]: new Float32Array([arm]) });

const KINDS: BanditConfig[] = [
  { kind: "bernoulli", numArms: 5, horizon: 60 },
  { kind: "gaussian", numArms: 5, horizon: 60, sigma: 0.7 },
  { kind: "switching", numArms: 5, horizon: 60, hazard: 0.1 },
  { kind: "drifting", numArms: 5, horizon: 60, drift: 0.05 },
  satiatingLsdConfig(4, 3, 7, 60),
  { kind: "contextual", numArms: 5, horizon: 60, contextDim: 3 },
];

/** Plays `steps` random arms (drawn from `actionSeed`) and records everything the agent sees. */
function trajectory(config: BanditConfig, seed: number, actionSeed: number, steps = 60) {
  const env = new BanditEnv(config);
  const rng = new Rng(actionSeed);
  const out: number[] = [...env.reset(seed).observations[PLAYER]!];
  for (let t = 0; t < steps; t++) {
    const r = env.step(act(rng.int(env.config.numArms)));
    out.push(r.rewards[PLAYER]!, r.infos[PLAYER]!.regret as number, ...r.observations[PLAYER]!);
  }
  return out;
}

describe("bandit environments", () => {
  it.each(KINDS.map((c) => [c.kind, c] as const))(
    "%s: same seed and actions give identical runs",
    (_, config) => {
      expect(trajectory(config, 11, 5)).toEqual(trajectory(config, 11, 5));
      expect(trajectory(config, 11, 5)).not.toEqual(trajectory(config, 12, 5));
    },
  );

  it.each(KINDS.map((c) => [c.kind, c] as const))(
    "%s: the single env agrees bit for bit with instance 0 of the vectorised env",
    (_, config) => {
      const single = new BanditEnv(config);
      const vec = new BanditVectorEnv(config, 4);
      let obs = single.reset(99).observations[PLAYER]!;
      vec.reset(99);
      const rng = new Rng(3);
      const actions = new Float32Array(4);
      const size = vec.observationSize;
      for (let t = 0; t < 60; t++) {
        expect(Array.from(vec.observations.subarray(0, size))).toEqual(Array.from(obs));
        for (let e = 0; e < 4; e++) actions[e] = rng.int(single.config.numArms);
        const r = single.step(act(actions[0]!));
        vec.step(actions);
        expect(vec.rewards[0]).toBe(r.rewards[PLAYER]);
        expect(vec.regrets[0]).toBe(r.infos[PLAYER]!.regret);
        obs = r.observations[PLAYER]!;
      }
      // The episode ended: the vectorised instance reset itself and kept the totals.
      expect(vec.terminated[0]).toBe(1);
      expect(vec.steps[0]).toBe(0);
      expect(vec.finalReturns[0]).toBe(single.engine.episodeReturns[0]);
      expect(vec.finalRegrets[0]).toBe(single.engine.episodeRegrets[0]);
    },
  );

  it("draws the same instance, changes and noise whatever the agent does (duplicate play)", () => {
    const config: BanditConfig = { kind: "switching", numArms: 4, horizon: 300, hazard: 0.05 };
    const a = new BanditEnv(config);
    const b = new BanditEnv(config);
    a.reset(5);
    b.reset(5);
    let changes = 0;
    let before = Array.from(a.engine.means);
    for (let t = 0; t < 300; t++) {
      a.step(act(0));
      b.step(act(t % 4));
      expect(Array.from(a.engine.means)).toEqual(Array.from(b.engine.means));
      if (a.engine.means[0] !== before[0]) changes++;
      before = Array.from(a.engine.means);
    }
    // hazard 0.05 over 300 steps: 15 changes expected; P(fewer than 5) < 1e-3.
    expect(changes).toBeGreaterThanOrEqual(5);
  });

  it("reports exact pseudo-regret and the oracle's return on a fixed Bernoulli instance", () => {
    const means = [0.2, 0.5, 0.8];
    const env = new BanditEnv({ kind: "bernoulli", numArms: 3, means, horizon: 4000 });
    env.reset(1);
    const pulls = [0, 0, 0];
    const wins = [0, 0, 0];
    let last: Record<string, unknown> = {};
    for (let t = 0; t < 4000; t++) {
      const arm = t % 3;
      const r = env.step(act(arm));
      pulls[arm]!++;
      wins[arm]! += r.rewards[PLAYER]!;
      last = r.infos[PLAYER]!;
      expect(r.infos[PLAYER]!.regret).toBeCloseTo(0.8 - means[arm]!, 12);
      expect(r.terminations[PLAYER]).toBe(t === 3999);
    }
    expect(last.oracleReturn).toBeCloseTo(0.8 * 4000, 6);
    // Each empirical mean over ~1333 pulls: standard error <= 0.014, so 0.05 is > 3.5 standard errors.
    for (let k = 0; k < 3; k++) expect(Math.abs(wins[k]! / pulls[k]! - means[k]!)).toBeLessThan(0.05);
    expect(() => env.step(act(0))).toThrow(/reset/);
  });

  it("lays out the observation as one-hot last arm, last reward, t / horizon", () => {
    const env = new BanditEnv({ kind: "bernoulli", numArms: 3, means: [0, 1, 0], horizon: 10 });
    expect(Array.from(env.reset(0).observations[PLAYER]!)).toEqual([0, 0, 0, 0, 0]);
    expect(Array.from(env.step(act(1)).observations[PLAYER]!)).toEqual([0, 1, 0, 1, Math.fround(0.1)]);
  });

  it("keeps drifting means in [0, 1], moving at most `drift` a step", () => {
    const env = new BanditEnv({ kind: "drifting", numArms: 6, drift: 0.05, horizon: 500 });
    env.reset(2);
    let prev = Array.from(env.engine.means);
    for (let t = 0; t < 500; t++) {
      env.step(act(0));
      const now = Array.from(env.engine.means);
      for (let k = 0; k < 6; k++) {
        expect(now[k]).toBeGreaterThanOrEqual(0);
        expect(now[k]).toBeLessThanOrEqual(1);
        expect(Math.abs(now[k]! - prev[k]!)).toBeLessThanOrEqual(0.05 + 1e-12);
      }
      prev = now;
    }
  });

  it("contextual: the observation is the context and rewards are linear in it", () => {
    const env = new BanditEnv({ kind: "contextual", numArms: 3, contextDim: 4, sigma: 0, horizon: 20 });
    let obs = env.reset(8).observations[PLAYER]!;
    expect(obs.length).toBe(4);
    for (let t = 0; t < 20; t++) {
      const theta = (k: number) => env.engine.theta.subarray(k * 4, k * 4 + 4);
      const value = (k: number) => theta(k).reduce((s, th, i) => s + th * env.engine.contexts[i]!, 0);
      expect(Array.from(obs)).toEqual(Array.from(env.engine.contexts, Math.fround));
      const best = Math.max(value(0), value(1), value(2));
      const expected = value(t % 3);
      const r = env.step(act(t % 3));
      expect(r.rewards[PLAYER]).toBe(Math.fround(expected)); // sigma = 0: no noise
      expect(r.infos[PLAYER]!.regret).toBeCloseTo(best - expected, 12);
      obs = r.observations[PLAYER]!;
    }
  });

  it("rejects bad parameters with the parameter and the value", () => {
    expect(() => new BanditEnv({ kind: "bernoulli", numArms: 1 })).toThrow(BanditConfigError);
    expect(() => new BanditEnv({ kind: "bernoulli", numArms: 1 })).toThrow(
      "K (numArms) must be an integer >= 2, got 1",
    );
    expect(() => new BanditEnv({ kind: "bernoulli", numArms: 2, means: [0.5, 1.5] })).toThrow(
      "means[1] must be a probability in [0, 1], got 1.5",
    );
    expect(() => new BanditEnv({ kind: "bernoulli", numArms: 3, means: [0.5, 0.5] })).toThrow(
      /means must be/,
    );
    expect(() => new BanditEnv({ kind: "switching", numArms: 3, hazard: -0.1 })).toThrow("hazard must be");
    expect(() => new BanditEnv({ kind: "gaussian", numArms: 3, sigma: 0 })).toThrow(
      "sigma must be a number > 0, got 0",
    );
    expect(() => new BanditEnv({ kind: "bernoulli", numArms: 3, horizon: 0 })).toThrow("horizon must be");
    expect(
      () =>
        new BanditEnv({
          kind: "lsd",
          numArms: 2,
          tauMax: 2,
          stay: [
            [0.5, 0.6],
            [0.5, 0.4],
          ],
          rest: [
            [0.1, 0.2],
            [0.1, 0.2],
          ],
        }),
    ).toThrow("stay[0] must be non-increasing (satiation), got 0.5 then 0.6 at index 1");
    expect(() => resolveBanditConfig({ kind: "nope", numArms: 2 } as unknown as BanditConfig)).toThrow(
      /kind must be/,
    );
    const env = new BanditEnv({ kind: "bernoulli", numArms: 3 });
    env.reset(0);
    expect(() => env.step(act(3))).toThrow("must be an arm index in [0, 3), got 3");
    expect(() => env.step(act(0.5))).toThrow(/got 0.5/);
  });

  it("builds every bandit of the catalogue, single and vectorised, with the catalogue's spec", () => {
    for (const id of Object.keys(BANDIT_CONFIGS)) {
      expect(ENV_SPECS[id]?.family).toBe("bandit");
      const env = makeDuplicateEnv(id);
      expect(env.spec).toBe(ENV_SPECS[id]);
      expect(makeDuplicateEnv(id, { horizon: 50 }).spec.maxEpisodeSteps).toBe(50);
      const vec = makeDuplicateVectorEnv(id, 8);
      vec.reset(1);
      vec.step(new Float32Array(8));
      expect(vec.rewards.length).toBe(8);
    }
  });
});

describe("last-switch-dependent bandit", () => {
  // Two arms, tauMax 2. Arm 0 satiates hard; arm 1 is steady but lower.
  const config: BanditConfig = {
    kind: "lsd",
    numArms: 2,
    tauMax: 2,
    horizon: 8,
    stay: [
      [0.5, 0.1],
      [0.4, 0.4],
    ],
    rest: [
      [0.6, 0.9],
      [0.4, 0.4],
    ],
  };

  it("pays by the last-switch state: satiation while staying, recharging while away", () => {
    const env = new BanditEnv(config);
    env.reset(0);
    const paid = [0, 0, 0, 1, 0, 1, 1, 0].map((arm) => env.step(act(arm)).infos[PLAYER]!.expectedReward);
    // t0 arm0 fresh (never pulled: rested tauMax) 0.9; t1 stay n=1 0.5; t2 stay n=2 0.1;
    // t3 arm1 fresh 0.4; t4 arm0 idle 1 round 0.6; t5 arm1 idle 1 round 0.4; t6 arm1 stay 0.4;
    // t7 arm0 idle 2 rounds 0.9.
    expect(paid).toEqual([0.9, 0.5, 0.1, 0.4, 0.6, 0.4, 0.4, 0.9]);
  });

  it("exposes the signed state of every arm in the observation", () => {
    const env = new BanditEnv(config);
    const obs0 = env.reset(0).observations[PLAYER]!;
    expect(Array.from(obs0.subarray(4))).toEqual([-1, -1]);
    env.step(act(0));
    const obs = env.step(act(0)).observations[PLAYER]!;
    expect(Array.from(obs.subarray(4))).toEqual([1, -1]); // arm 0: 2 pulls in a row = tauMax
    const obs2 = env.step(act(1)).observations[PLAYER]!;
    expect(Array.from(obs2.subarray(4))).toEqual([-0.5, 0.5]);
  });

  it("computes the exact optimal plan on a small instance (checked by exhaustive search)", () => {
    const model = resolveBanditConfig(config).lsd!;
    const oracle = lsdOracle(model, 8);
    expect(oracle.exact).toBe(true);
    let best = 0;
    for (let plan = 0; plan < 256; plan++) {
      const env = new BanditEnv(config);
      env.reset(0);
      let sum = 0;
      for (let t = 0; t < 8; t++)
        sum += env.step(act((plan >> t) & 1)).infos[PLAYER]!.expectedReward as number;
      best = Math.max(best, sum);
    }
    expect(oracle.episodeReturn).toBeCloseTo(best, 12);
    // Playing the oracle's plan has zero regret; the best cyclic schedule can only be worse.
    const env = new BanditEnv(config);
    env.reset(0);
    let last: Record<string, unknown> = {};
    for (let t = 0; t < 8; t++) last = env.step(act(oracle.cycle[t]!)).infos[PLAYER]!;
    expect(last.episodeRegret).toBeCloseTo(0, 12);
    expect(lsdCycleOracle(model, 8).episodeReturn).toBeLessThanOrEqual(oracle.episodeReturn + 1e-12);
  });

  it("falls back to the best cyclic schedule on the 10-arm catalogue instance, close to the exact optimum where both run", () => {
    const big = makeDuplicateEnv("bandit-lsd-10") as BanditEnv;
    expect(big.engine.lsdOracle!.exact).toBe(false);
    const mid = resolveBanditConfig(satiatingLsdConfig(3, 3, 4, 300)).lsd!;
    const exact = lsdOracle(mid, 300);
    const cyclic = lsdCycleOracle(mid, 300);
    expect(exact.exact).toBe(true);
    expect(cyclic.episodeReturn).toBeLessThanOrEqual(exact.episodeReturn + 1e-9);
    // Over 300 steps only the start and the end can differ from a cycle: within 1%.
    expect(cyclic.episodeReturn).toBeGreaterThan(0.99 * exact.episodeReturn);
  });
});
