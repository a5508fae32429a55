import { makeDuplicateVectorEnv } from "@league/envs";
import { describe, expect, it } from "vitest";
import { selectBackend } from "../../src/ppo/backend.js";
import { BanditHistoryEnv, BanditHistoryPolicy } from "../../src/ppo/bandit-history.js";
import { buildMlp } from "../../src/ppo/network.js";

describe("bandit history summary", () => {
  it("summarises each instance's own pulls, rewards with negative regret, and starts afresh after the horizon", () => {
    const horizon = 5;
    const env = new BanditHistoryEnv(makeDuplicateVectorEnv("bandit-bernoulli-10", 2, { horizon }), horizon);
    expect(env.observationSize).toBe(21);
    env.reset(3);
    // Before any pull: prior mean 1/2, uncertainty 1, t = 0.
    expect(env.observations[0]).toBe(0.5);
    expect(env.observations[10]).toBe(1);
    expect(env.observations[20]).toBe(0);
    let wins = 0;
    for (let t = 1; t <= 3; t++) {
      env.step(new Float32Array([2, 7]));
      wins += env.inner.rewards[0]!;
      expect(env.rewards[0]).toBeCloseTo(-env.inner.regrets[0]!, 6);
      expect(env.rewards[0]).toBeLessThanOrEqual(0);
    }
    expect(env.observations[2]).toBeCloseTo((wins + 1) / 5, 6);
    expect(env.observations[12]).toBeCloseTo(1 / Math.sqrt(4), 6);
    expect(env.observations[20]).toBeCloseTo(3 / horizon, 6);
    expect(env.observations[21 + 17]).toBeCloseTo(1 / Math.sqrt(4), 6); // instance 1 pulled arm 7
    env.step(new Float32Array([2, 7]));
    env.step(new Float32Array([2, 7]));
    expect(env.terminated[0]).toBe(1);
    expect(env.observations[12]).toBe(1);
    expect(env.observations[20]).toBe(0);
  });

  it("as a player, feeds its network the same summary the trainer saw", async () => {
    const runtime = await selectBackend({ prefer: ["wasm", "cpu"] });
    const horizon = 50;
    const actor = buildMlp(runtime.tf, {
      inputSize: 21,
      hidden: [8],
      outputSize: 10,
      seed: 4,
      name: "actor",
    });
    const policy = new BanditHistoryPolicy(runtime, actor, null, 10, horizon);
    const env = new BanditHistoryEnv(makeDuplicateVectorEnv("bandit-bernoulli-10", 1, { horizon }), horizon);
    env.reset(9);
    policy.reset(9);
    const { tf } = runtime;
    for (let t = 0; t < 20; t++) {
      const logits = tf.tidy(() =>
        (actor.predict(tf.tensor2d(env.observations, [1, 21])) as typeof tf.Tensor.prototype).dataSync(),
      );
      let best = 0;
      for (let a = 1; a < 10; a++) if (logits[a]! > logits[best]!) best = a;
      const action = policy.act(new Float32Array(0));
      expect(action[0]).toBe(best);
      env.step(Float32Array.of(action[0]!));
      policy.update(action, env.inner.rewards[0]!);
    }
  });

  it("samples arms from its distribution when asked, reproducibly for a seed", async () => {
    const runtime = await selectBackend({ prefer: ["wasm", "cpu"] });
    const actor = buildMlp(runtime.tf, {
      inputSize: 21,
      hidden: [8],
      outputSize: 10,
      seed: 4,
      name: "actor",
    });
    const play = (seed: number) => {
      const policy = new BanditHistoryPolicy(runtime, actor, null, 10, 50, "sampled", true);
      policy.reset(seed);
      return Array.from({ length: 30 }, () => {
        const action = policy.act(new Float32Array(0));
        policy.update(action, 0);
        return action[0]!;
      });
    };
    const arms = play(5);
    expect(play(5)).toEqual(arms);
    // A fresh network is near uniform: sampling visits many arms, where argmax would repeat one.
    expect(new Set(arms).size).toBeGreaterThan(4);
  });
});
