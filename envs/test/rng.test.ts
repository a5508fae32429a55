import { describe, expect, it } from "vitest";
import { nextUint32, Rng, seedRngState } from "../src/index.js";

describe("seeded random streams", () => {
  it("repeat exactly for the same seed and stream, and differ otherwise", () => {
    const draw = (seed: number, stream = 0) => {
      const rng = new Rng(seed, stream);
      return Array.from({ length: 8 }, () => rng.uint32());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(draw(42, 0)).not.toEqual(draw(42, 1));
    expect(draw(2 ** 40)).not.toEqual(draw(2 ** 40 + 2 ** 32));
  });

  it("match between the class and a struct-of-arrays state buffer", () => {
    const states = new Uint32Array(3 * 4);
    for (let e = 0; e < 3; e++) seedRngState(states, e * 4, 7, e);
    const fromBuffer = [nextUint32(states, 4), nextUint32(states, 4)];
    const rng = new Rng(7, 1);
    expect(fromBuffer).toEqual([rng.uint32(), rng.uint32()]);
  });

  it("give uniform floats in [0, 1) with the right mean, and unbiased integers", () => {
    const rng = new Rng(1);
    let sum = 0;
    const counts = new Array(6).fill(0);
    let min = 1;
    let max = 0;
    for (let i = 0; i < 60_000; i++) {
      const x = rng.float();
      min = Math.min(min, x);
      max = Math.max(max, x);
      sum += x;
      counts[rng.int(6)]++;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(sum / 60_000).toBeCloseTo(0.5, 2);
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400); // ~4 standard deviations
  });

  it("give normals with mean 0 and variance 1", () => {
    const rng = new Rng(3);
    const xs = Array.from({ length: 50_000 }, () => rng.normal());
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(variance - 1)).toBeLessThan(0.03);
  });

  it("reject impossible ranges and weights", () => {
    const rng = new Rng(0);
    expect(() => rng.int(0)).toThrow(/integer in \[1, 2\^32\]/);
    expect(() => rng.weighted([0, 0])).toThrow(/not all zero/);
    expect(rng.weighted([0, 1, 0])).toBe(1);
  });
});
