import { describe, expect, it } from "vitest";
import {
  type BanditEnv,
  BanditHistoryObs,
  historyObservationSize,
  makeDuplicateEnv,
  PLAYER,
} from "../../src/index.js";

/** A default Bernoulli observation for K = 3: one-hot of the last arm, its reward, t / horizon. */
const obs = (arm: number | null, reward: number, t: number, horizon = 4) => {
  const o = new Float32Array(5);
  if (arm !== null) o[arm] = 1;
  o[3] = reward;
  o[4] = t / horizon;
  return o;
};
const f32 = (xs: number[]) => Array.from(Float32Array.from(xs));

describe("history observation builder", () => {
  it("keeps per-arm posterior means and uncertainties from the default observations (hand-computed)", () => {
    const builder = new BanditHistoryObs(3);
    expect(builder.size).toBe(7);
    expect(historyObservationSize(3)).toBe(7);
    const out = new Float32Array(7);
    // t = 0: prior mean 1/2 and uncertainty 1 everywhere.
    expect(Array.from(builder.build(obs(null, 0, 0), out))).toEqual(f32([0.5, 0.5, 0.5, 1, 1, 1, 0]));
    // Pulled arm 1, reward 1: arm 1 has (1 + 1) / (1 + 2) = 2/3 and 1/sqrt(2).
    builder.build(obs(1, 1, 1), out);
    expect(Array.from(out)).toEqual(f32([0.5, 2 / 3, 0.5, 1, 1 / Math.SQRT2, 1, 0.25]));
    // Building again from the same observation counts nothing twice.
    builder.build(obs(1, 1, 1), out);
    expect(Array.from(out)).toEqual(f32([0.5, 2 / 3, 0.5, 1, 1 / Math.SQRT2, 1, 0.25]));
    // Arm 1 again, reward 0: 2 / 4; then arm 0, reward 0: 1 / 3.
    builder.build(obs(1, 0, 2), out);
    expect(Array.from(out)).toEqual(f32([0.5, 0.5, 0.5, 1, 1 / Math.sqrt(3), 1, 0.5]));
    builder.build(obs(0, 0, 3), out);
    expect(Array.from(out)).toEqual(f32([1 / 3, 0.5, 0.5, 1 / Math.SQRT2, 1 / Math.sqrt(3), 1, 0.75]));
    expect(Array.from(builder.counts)).toEqual([1, 2, 0]);
    // It writes at an offset of a larger buffer, reading at an offset of another.
    const wide = new Float32Array(9).fill(-1);
    const stream = new Float32Array(7);
    stream.set(obs(2, 1, 4), 2);
    builder.build(stream, wide, 1, 2);
    expect(Array.from(wide)).toEqual(
      f32([-1, 1 / 3, 0.5, 2 / 3, 1 / Math.SQRT2, 1 / Math.sqrt(3), 1 / Math.SQRT2, 1, -1]),
    );
  });

  it("starts afresh at reset() and at an episode's first observation (t = 0)", () => {
    const builder = new BanditHistoryObs(3);
    const out = new Float32Array(7);
    const fresh = f32([0.5, 0.5, 0.5, 1, 1, 1, 0]);
    builder.build(obs(null, 0, 0), out);
    builder.build(obs(2, 1, 1), out);
    builder.reset();
    expect(Array.from(builder.counts)).toEqual([0, 0, 0]);
    // After reset, the next episode's first pull (t = 1) counts: reset forgets the time seen too.
    builder.build(obs(0, 1, 1), out);
    expect(Array.from(out)).toEqual(f32([2 / 3, 0.5, 0.5, 1 / Math.SQRT2, 1, 1, 0.25]));
    // A t = 0 observation (a new episode; no reset called) clears it as well.
    expect(Array.from(builder.build(obs(null, 0, 0), out))).toEqual(fresh);
    expect(Array.from(builder.counts)).toEqual([0, 0, 0]);
  });

  it("refuses observations too short for its arms", () => {
    expect(() => new BanditHistoryObs(1)).toThrow(RangeError);
    expect(() => new BanditHistoryObs(3).build(new Float32Array(4), new Float32Array(7))).toThrow(
      /reads 5 numbers per observation \(K = 3\), got 4/,
    );
  });

  it("over a real episode, counts exactly the pulls and wins of the arms played", () => {
    const env = makeDuplicateEnv("bandit-bernoulli-10", { horizon: 30 }) as BanditEnv;
    const builder = new BanditHistoryObs(10);
    const out = new Float32Array(21);
    const pulls = new Array(10).fill(0);
    const wins = new Array(10).fill(0);
    let observation = env.reset(5).observations[PLAYER]!;
    for (let t = 0; t < 30; t++) {
      builder.build(observation, out);
      for (let a = 0; a < 10; a++) {
        expect(out[a]).toBe(Math.fround((wins[a] + 1) / (pulls[a] + 2)));
        expect(out[10 + a]).toBe(Math.fround(1 / Math.sqrt(pulls[a] + 1)));
      }
      expect(out[20]).toBe(Math.fround(t / 30));
      const arm = (t * 7) % 10;
      const step = env.step({ [PLAYER]: Float32Array.of(arm) });
      pulls[arm]++;
      wins[arm] += step.rewards[PLAYER]!;
      observation = step.observations[PLAYER]!;
    }
  });
});
