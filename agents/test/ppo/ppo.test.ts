import { Rng } from "@league/envs";
import { describe, expect, it } from "vitest";
import { selectBackend } from "../../src/ppo/backend.js";
import { predictRows } from "../../src/ppo/network.js";
import { act, type PpoMetrics, trainPpo } from "../../src/ppo/ppo.js";
import { CueMatchEnv, EndlessEnv } from "./tiny-env.js";

describe("PPO", () => {
  it("learns a cue-matching task: return rises from chance (8/3) to near the optimum (8)", async () => {
    const runtime = await selectBackend({ prefer: ["wasm", "cpu"] });
    const env = new CueMatchEnv(16);
    const history: PpoMetrics[] = [];
    const state = await trainPpo(
      runtime,
      env,
      { seed: 3, totalSteps: 16 * 64 * 12, numSteps: 64, hidden: [32], learningRate: 3e-3, entCoef: 0.0 },
      { onIteration: (m) => void history.push(m) },
    );
    expect(history).toHaveLength(12);
    const first = history[0]!["charts/episodic_return"]!;
    const last = history.at(-1)!["charts/episodic_return"]!;
    // Chance is 8/3 ≈ 2.7; the margin: at least 6.5 of 8 after 12 iterations with this seed.
    expect(first).toBeLessThan(4);
    expect(last).toBeGreaterThan(6.5);
    for (const m of history) {
      expect(Number.isFinite(m["losses/value_loss"])).toBe(true);
      expect(m["losses/approx_kl"]).toBeGreaterThanOrEqual(-1e-6);
    }
    // The greedy policy now answers every cue.
    const cues = new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(Array.from(act(runtime, state, cues, 3))).toEqual([0, 1, 2]);
    expect(act(runtime, state, cues, 3, new Rng(1)).length).toBe(3);
  });
});

describe("learning-rate annealing", () => {
  it("anneals over the step budget, or over another budget spent faster", async () => {
    const runtime = await selectBackend({ prefer: ["wasm", "cpu"] });
    const rates = async (budgetSpent?: () => number) => {
      const seen: number[] = [];
      await trainPpo(
        runtime,
        new CueMatchEnv(4),
        { seed: 1, totalSteps: 4 * 16 * 4, numSteps: 16, hidden: [8], learningRate: 0.01, annealLr: true },
        {
          onIteration: (m) => void seen.push(m["charts/learning_rate"]!),
          ...(budgetSpent ? { budgetSpent } : {}),
        },
      );
      return seen.map((r) => Number(r.toFixed(6)));
    };
    // Four iterations over the steps alone: 1, 3/4, 1/2, 1/4 of the step size.
    expect(await rates()).toEqual([0.01, 0.0075, 0.005, 0.0025]);
    // A clock that is 30% further on each iteration wins from the second on, and never goes below 0.
    let calls = 0;
    expect(await rates(() => 0.3 * calls++)).toEqual([0.01, 0.007, 0.004, 0.001]);
    calls = 2;
    expect(await rates(() => 0.6 * calls++)).toEqual([0, 0, 0, 0]);
  });
});

describe("PPO at a time limit", () => {
  it("bootstraps a truncated episode from the critic, so values see past the limit", async () => {
    // Reward 1 forever, cut off every 5 steps: the value is 1 / (1 − 0.9) = 10. Ending the return
    // at the cut-off instead teaches the mean of the truncated sums, about 2.6.
    const runtime = await selectBackend({ prefer: ["wasm", "cpu"] });
    const valueAfter = async (bootstrapTruncated: boolean) => {
      const env = new EndlessEnv(8, 5);
      const state = await trainPpo(runtime, env, {
        seed: 2,
        totalSteps: 8 * 20 * 40,
        numSteps: 20,
        gamma: 0.9,
        hidden: [8],
        learningRate: 1e-2,
        normalizeReturns: false,
        normalizeObservations: false,
        bootstrapTruncated,
      });
      return predictRows(runtime.tf, state.critic, new Float32Array([1]), 1)[0]!;
    };
    const bootstrapped = await valueAfter(true);
    const ended = await valueAfter(false);
    expect(bootstrapped).toBeGreaterThan(8.5);
    expect(bootstrapped).toBeLessThan(11);
    expect(ended).toBeGreaterThan(2);
    expect(ended).toBeLessThan(3.5);
  });
});

describe("backend selection", () => {
  it("falls back past missing native packages to WebAssembly, saying why", async () => {
    const missing = (name: string) =>
      Object.assign(new Error(`Cannot find module '${name}'`), { code: "ERR_MODULE_NOT_FOUND" });
    const runtime = await selectBackend({
      importModule: async (specifier) => {
        if (specifier.startsWith("@tensorflow/tfjs-node")) throw missing(specifier);
        return import(specifier);
      },
    });
    expect(runtime.backend).toBe("wasm");
    expect(runtime.tf.getBackend()).toBe("wasm");
    expect(runtime.skipped.map((s) => s.backend)).toEqual(["tensorflow-gpu", "tensorflow"]);
    expect(runtime.skipped[0]!.reason).toMatch(/Cannot find module '@tensorflow\/tfjs-node-gpu'/);
  });

  it("reports every reason when nothing loads", async () => {
    await expect(
      selectBackend({
        prefer: ["tensorflow"],
        importModule: async () => Promise.reject(new Error("no libtensorflow")),
      }),
    ).rejects.toThrow(/no tfjs backend could be loaded: tensorflow: no libtensorflow/);
  });
});
