import { describe, expect, it } from "vitest";
import { computeGae } from "../../src/ppo/gae.js";
import { RunningMeanStd } from "../../src/ppo/running-stats.js";

describe("generalised advantage estimation", () => {
  it("matches a hand-computed three-step rollout, bootstrapping from the last value", () => {
    // gamma 0.9, lambda 0.8; one slot; no episode end.
    // delta2 = 1 + 0.9*4 - 3 = 1.6;      A2 = 1.6
    // delta1 = 0 + 0.9*3 - 2 = 0.7;      A1 = 0.7 + 0.72*1.6 = 1.852
    // delta0 = 2 + 0.9*2 - 1 = 2.8;      A0 = 2.8 + 0.72*1.852 = 4.13344
    const { advantages, returns } = computeGae(
      Float32Array.of(2, 0, 1),
      Float32Array.of(1, 2, 3),
      Uint8Array.of(0, 0, 0),
      Float32Array.of(4),
      3,
      1,
      0.9,
      0.8,
    );
    expect(Array.from(advantages)).toEqual([4.13344, 1.852, 1.6].map((x) => Math.fround(x)));
    expect(returns[0]).toBeCloseTo(5.13344, 5);
    expect(returns[2]).toBeCloseTo(4.6, 5);
  });

  it("does not bootstrap across an episode end, slot by slot", () => {
    // Two slots, two steps, time-major. Slot 0 ends at step 0; slot 1 never ends.
    const { advantages } = computeGae(
      Float32Array.of(1, 1, 1, 1),
      Float32Array.of(0.5, 0.5, 0.5, 0.5),
      Uint8Array.of(1, 0, 0, 0),
      Float32Array.of(10, 10),
      2,
      2,
      1,
      1,
    );
    // slot 0: step 1: 1 + 10 - 0.5 = 10.5; step 0 ends: 1 - 0.5 = 0.5 (nothing from step 1).
    expect(advantages[0]).toBeCloseTo(0.5, 6);
    expect(advantages[2]).toBeCloseTo(10.5, 6);
    // slot 1: step 1: 10.5; step 0: (1 + 0.5 - 0.5) + 10.5 = 11.5.
    expect(advantages[1]).toBeCloseTo(11.5, 6);
  });

  it("refuses buffers of the wrong size", () => {
    expect(() =>
      computeGae(
        new Float32Array(3),
        new Float32Array(3),
        new Uint8Array(3),
        new Float32Array(2),
        3,
        1,
        0.99,
        0.95,
      ),
    ).toThrow(/3 steps x 1 slots/);
  });
});

describe("running mean and variance", () => {
  it("merges batches to the statistics of all the data", () => {
    const stats = new RunningMeanStd(2, 0);
    const data = [1, 10, 2, 20, 3, 30, 4, 40, 5, 50];
    stats.update(data.slice(0, 4), 2);
    stats.update(data.slice(4), 3);
    expect(stats.mean[0]).toBeCloseTo(3, 10);
    expect(stats.var[0]).toBeCloseTo(2, 10);
    expect(stats.mean[1]).toBeCloseTo(30, 10);
    expect(stats.var[1]).toBeCloseTo(200, 8);
    const out = stats.normalize([3 + Math.sqrt(2), 30], 1, new Float32Array(2));
    expect(out[0]).toBeCloseTo(1, 5);
    expect(out[1]).toBeCloseTo(0, 5);
  });
});
