import { describe, expect, it } from "vitest";
import { selectBackend } from "../../src/ppo/backend.js";
import { addNovelty, RandomNetworkDistillation } from "../../src/rewards/novelty.js";

const SIZE = 6;

/** Observations near one corner of the space (the "visited" region) or another (unvisited). */
function batch(rows: number, centre: number, seed: number): Float32Array {
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  return Float32Array.from(
    { length: rows * SIZE },
    (_, i) => centre * (i % 2 === 0 ? 1 : -1) + (rand() - 0.5) * 0.2,
  );
}

const mean = (a: Float32Array) => a.reduce((s, x) => s + x, 0) / a.length;

describe("random network distillation", () => {
  it("gives repeatedly seen observations a falling bonus while unseen ones stay novel", async () => {
    const { tf } = await selectBackend({ prefer: ["wasm", "cpu"] });
    const rnd = new RandomNetworkDistillation(tf, { inputSize: SIZE, seed: 3, learningRate: 3e-3 });
    const seen = batch(64, 1, 1);
    const unseen = batch(64, -2, 2);
    // Both regions enter the observation statistics, so only the predictor's training differs.
    rnd.update(unseen, 64);
    const seenBefore = mean(rnd.rawNovelty(seen, 64));
    const unseenBefore = mean(rnd.rawNovelty(unseen, 64));
    const losses: number[] = [];
    for (let i = 0; i < 200; i++) losses.push(rnd.update(seen, 64));
    const seenAfter = mean(rnd.rawNovelty(seen, 64));
    const unseenAfter = mean(rnd.rawNovelty(unseen, 64));
    expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.2);
    expect(seenAfter).toBeLessThan(seenBefore * 0.2);
    // The unvisited region keeps most of its error and ends far more novel than the visited one.
    expect(unseenAfter).toBeGreaterThan(unseenBefore * 0.3);
    expect(unseenAfter).toBeGreaterThan(seenAfter * 5);
    rnd.dispose();
  });

  it("is deterministic for a seed, and normalises the bonus by its running scale", async () => {
    const { tf } = await selectBackend({ prefer: ["wasm", "cpu"] });
    const run = () => {
      const rnd = new RandomNetworkDistillation(tf, { inputSize: SIZE, seed: 9 });
      const obs = batch(16, 1, 4);
      rnd.update(obs, 16);
      const raw = rnd.rawNovelty(obs, 16);
      const normalised = rnd.novelty(obs, 16);
      rnd.dispose();
      return { raw, normalised };
    };
    const a = run();
    const b = run();
    expect(Array.from(a.raw)).toEqual(Array.from(b.raw));
    // One batch seen: the running variance is this batch's, so the bonus has unit-ish spread.
    const m = mean(a.normalised);
    const sd = Math.sqrt(a.normalised.reduce((s, x) => s + (x - m) ** 2, 0) / a.normalised.length);
    expect(sd).toBeCloseTo(1, 1);
    expect(a.normalised[0]! / a.raw[0]!).toBeCloseTo(a.normalised[1]! / a.raw[1]!, 5);
  });

  it("normalises a rollout's bonus by the deviation of each env's discounted intrinsic return", async () => {
    const { tf } = await selectBackend({ prefer: ["wasm", "cpu"] });
    const rnd = new RandomNetworkDistillation(tf, { inputSize: SIZE, seed: 2 });
    const obs = batch(6, 1, 5); // 3 steps × 2 envs, step-major
    rnd.update(obs, 6);
    const raw = Array.from(rnd.rawNovelty(obs, 6));
    const gamma = 0.5;
    // By hand: env e's return at step t is raw[t·2+e] + γ·(its return at t−1).
    const returns: number[] = [];
    const running = [0, 0];
    for (let t = 0; t < 3; t++)
      for (let e = 0; e < 2; e++) {
        running[e] = running[e]! * gamma + raw[t * 2 + e]!;
        returns.push(running[e]!);
      }
    const m = returns.reduce((s, x) => s + x, 0) / 6;
    const sd = Math.sqrt(returns.reduce((s, x) => s + (x - m) ** 2, 0) / 6);
    const bonus = rnd.rolloutNovelty(obs, 3, 2, gamma);
    for (let i = 0; i < 6; i++) expect(bonus[i]!).toBeCloseTo(raw[i]! / sd, 3);
    // The returns run on into the next rollout: a second call sees larger returns, not a reset.
    const again = rnd.rolloutNovelty(obs, 3, 2, gamma);
    expect(again[0]! / raw[0]!).not.toBeCloseTo(bonus[0]! / raw[0]!, 3);
    expect(() => rnd.rolloutNovelty(obs, 2, 3, gamma)).toThrow(/this rollout has 3 envs, earlier ones had 2/);
    expect(() => rnd.rolloutNovelty(obs, 3, 2, 1.5)).toThrow(/gamma must be in \[0, 1\], got 1.5/);
    rnd.dispose();
  });

  it("refuses a batch of the wrong size, saying what it expected", async () => {
    const { tf } = await selectBackend({ prefer: ["wasm", "cpu"] });
    const rnd = new RandomNetworkDistillation(tf, { inputSize: SIZE });
    expect(() => rnd.update(new Float32Array(10), 2)).toThrow(
      /expected 2 observations of 6 numbers \(12\), got 10/,
    );
    rnd.dispose();
  });

  it("adds a weighted bonus and reports both components", () => {
    const { total, components } = addNovelty(Float32Array.of(1, 0, -1), Float32Array.of(2, 4, 0), 0.5);
    expect(Array.from(total)).toEqual([2, 2, -1]);
    expect(Array.from(components.novelty)).toEqual([1, 2, 0]);
    expect(() => addNovelty(Float32Array.of(1), Float32Array.of(1, 2), 1)).toThrow(
      /1 extrinsic rewards but 2/,
    );
  });
});
