import { describe, expect, it } from "vitest";
import { ENV_SPECS, getEnvSpec, UnknownEnvError } from "../src/index.js";

describe("environment catalogue", () => {
  it("keys every spec by its own id", () => {
    for (const [id, spec] of Object.entries(ENV_SPECS)) expect(spec.id).toBe(id);
  });

  it("describes car-soccer at 120 Hz with 8-tick decisions and both teams filled", () => {
    const spec = getEnvSpec("car-soccer-2v2");
    expect(spec.tickRate).toBe(120);
    expect(spec.tickSkip).toBe(8);
    expect(spec.numAgents).toBe(4);
    expect(spec.maxEpisodeSteps).toBe(4500);
  });

  it("plays bandits and recommenders as duplicate matches", () => {
    for (const spec of Object.values(ENV_SPECS)) {
      expect(spec.matchFormat).toBe(spec.family === "car-soccer" ? "head-to-head" : "duplicate");
    }
  });

  it("names the known ids when asked for an unknown one", () => {
    expect(() => getEnvSpec("car-soccer-9v9")).toThrow(UnknownEnvError);
    expect(() => getEnvSpec("car-soccer-9v9")).toThrow(/known: car-soccer-1v1/);
  });

  it("cannot be changed by a caller", () => {
    expect(() => {
      (getEnvSpec("car-soccer-1v1") as { tickSkip: number }).tickSkip = 1;
    }).toThrow(TypeError);
  });
});
