import { describe, expect, it } from "vitest";
import { describePolicyIO, PolicyIOError } from "../src/index.js";

describe("policy input and output sizes", () => {
  it("follow the car-soccer builder and parser, padded to the team size", () => {
    const oneVsOne = describePolicyIO("car-soccer-1v1", "default", "lookup");
    expect(oneVsOne.actionCount).toBe(90);
    expect(describePolicyIO("car-soccer-2v2", "default", "lookup").observationSize).toBeGreaterThan(
      oneVsOne.observationSize,
    );
    expect(describePolicyIO("car-soccer-1v1", "default", "multi-discrete").actionCount).toBe(3 * 5 + 2 * 3);
    expect(describePolicyIO("car-soccer-1v1", "advanced", "continuous").actionCount).toBe(8);
  });

  it("give bandits one logit per arm and the recommender one score per item", () => {
    expect(describePolicyIO("bandit-bernoulli-10", "default", "discrete")).toEqual({
      observationSize: 12,
      actionCount: 10,
    });
    expect(describePolicyIO("recsim-slate-5", "default", "slate-scores").actionCount).toBe(100);
  });

  it("name what is unknown and what is known", () => {
    expect(() => describePolicyIO("car-soccer-1v1", "x-ray", "lookup")).toThrow(PolicyIOError);
    expect(() => describePolicyIO("car-soccer-1v1", "x-ray", "lookup")).toThrow(
      /unknown observation builder "x-ray" for car-soccer-1v1; known: default, advanced/,
    );
    expect(() => describePolicyIO("bandit-lsd-10", "default", "lookup")).toThrow(/known: discrete/);
    expect(() => describePolicyIO("chess", "default", "discrete")).toThrow(/unknown environment "chess"/);
  });
});
