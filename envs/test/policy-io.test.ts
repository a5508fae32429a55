import { describe, expect, it } from "vitest";
import {
  actionFromOutputs,
  carSoccerParts,
  describePolicyIO,
  duplicateObsBuilder,
  PolicyIOError,
} from "../src/index.js";

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

  it("give the history builder of the Bernoulli bandits 2K + 1 numbers, and no other environment one", () => {
    expect(describePolicyIO("bandit-bernoulli-10", "history", "discrete")).toEqual({
      observationSize: 21,
      actionCount: 10,
    });
    expect(duplicateObsBuilder("bandit-bernoulli-10", "history")?.size).toBe(21);
    expect(duplicateObsBuilder("bandit-bernoulli-10", "default")).toBeNull();
    for (const env of ["bandit-gaussian-10", "bandit-switching-10", "bandit-lsd-10", "recsim-slate-5"]) {
      expect(() => describePolicyIO(env, "history", "discrete")).toThrow(
        new RegExp(`unknown observation builder "history" for ${env}; known: default$`),
      );
      expect(() => duplicateObsBuilder(env, "history")).toThrow(PolicyIOError);
    }
    expect(() => describePolicyIO("bandit-bernoulli-10", "x-ray", "discrete")).toThrow(
      /known: default, history/,
    );
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

describe("model outputs to actions", () => {
  it("take the argmax, one per branch, or clamp to the box", () => {
    expect(
      Array.from(actionFromOutputs({ kind: "discrete", n: 3 }, [0.1, 2, -1], new Float32Array(1))),
    ).toEqual([1]);
    expect(
      Array.from(
        actionFromOutputs({ kind: "multi-discrete", nvec: [3, 2] }, [0, 0, 5, 1, 0], new Float32Array(2)),
      ),
    ).toEqual([2, 0]);
    expect(
      Array.from(
        actionFromOutputs({ kind: "box", shape: [3], low: -1, high: 1 }, [3, -0.5, -7], new Float32Array(3)),
      ),
    ).toEqual([1, -0.5, -1]);
    const { obsBuilder, actionParser } = carSoccerParts("advanced", "lookup");
    expect([obsBuilder.name, actionParser.name]).toEqual(["advanced", "lookup"]);
  });
});
