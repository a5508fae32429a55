import { describe, expect, it } from "vitest";
import { playDuplicate } from "../../src/baselines/duplicate.js";
import { selectBackend } from "../../src/ppo/backend.js";
import { ModelPolicy, ModelTimeoutError } from "../../src/ppo/model-policy.js";
import { buildMlp } from "../../src/ppo/network.js";

describe("a model as a player", async () => {
  const runtime = await selectBackend({ prefer: ["wasm", "cpu"] });
  const model = buildMlp(runtime.tf, {
    inputSize: 12,
    hidden: [8],
    outputSize: 10,
    seed: 4,
    name: "actor",
    outputScale: 20,
  });

  it("picks the highest-scoring arm, or the k best items as a slate", () => {
    const policy = new ModelPolicy(runtime, model, { name: "m", output: { kind: "argmax" } });
    const obs = Float32Array.from({ length: 12 }, (_, i) => Math.cos(i));
    const logits = Array.from(policy.logits(obs));
    const best = logits.indexOf(Math.max(...logits));
    expect(Array.from(policy.act(obs))).toEqual([best]);
    const slate = new ModelPolicy(runtime, model, { name: "s", output: { kind: "top-k", k: 3 } }).act(obs);
    const sorted = [...logits.keys()].sort((a, b) => logits[b]! - logits[a]!);
    expect(Array.from(slate)).toEqual(sorted.slice(0, 3));
  });

  it("standardises observations as the checkpoint says, and refuses the wrong size", () => {
    const norm = { mean: new Array(12).fill(1), var: new Array(12).fill(4), clip: 10 };
    const raw = new ModelPolicy(runtime, model, { name: "raw", output: { kind: "argmax" } });
    const standardised = new ModelPolicy(runtime, model, {
      name: "std",
      output: { kind: "argmax" },
      observationNormalization: norm,
    });
    const obs = Float32Array.from({ length: 12 }, (_, i) => i);
    const expected = raw.logits(obs.map((x) => (x - 1) / Math.sqrt(4 + 1e-8)));
    expect(Array.from(standardised.logits(obs))).toEqual(Array.from(expected));
    expect(() => raw.act(new Float32Array(5))).toThrow(/observation has 5 numbers, the model takes 12/);
  });

  it("is timed out after too many actions over its budget", () => {
    let t = 0;
    const slow = new ModelPolicy(runtime, model, {
      name: "slowpoke",
      output: { kind: "argmax" },
      timeBudgetMs: 5,
      maxOverruns: 2,
      now: () => (t += 10), // every action appears to take 10 ms
    });
    const obs = new Float32Array(12);
    slow.act(obs);
    slow.act(obs);
    expect(() => slow.act(obs)).toThrow(ModelTimeoutError);
    expect(() => slow.act(obs)).toThrow(/slowpoke exceeded its 5 ms inference budget/);
  });

  it("plays duplicate bandit episodes beside the baselines", () => {
    const policy = new ModelPolicy(runtime, model, { name: "model", output: { kind: "argmax" } });
    const result = playDuplicate({
      env: "bandit-bernoulli-10",
      envOverrides: { horizon: 50 },
      policies: [policy, "ucb1"],
      seeds: [1, 2],
    });
    expect(result.entries.map((e) => e.name)).toEqual(["model", "ucb1"]);
    expect(result.entries[0]!.returns).toHaveLength(2);
    expect(policy.actions).toBe(100);
  });
});
