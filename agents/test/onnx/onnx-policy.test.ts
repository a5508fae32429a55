// The shipped PyTorch export (agents/fixtures/onnx-torch-1v1, made by clients/python/export_policy.py)
// run by the league: its outputs and argmax equal PyTorch's on the saved observations.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { loadCarPolicy } from "../../src/car-policy.js";
import { InferenceHost, inspectOnnx, OnnxPolicy, OnnxProtoError } from "../../src/onnx/index.js";

const FIXTURE = fileURLToPath(new URL("../../fixtures/onnx-torch-1v1", import.meta.url));
const probes = JSON.parse(readFileSync(`${FIXTURE}/probes.json`, "utf8")) as {
  torch: string;
  probes: { observation: number[]; outputs: number[]; argmax: number }[];
};
const modelBytes = new Uint8Array(readFileSync(`${FIXTURE}/model.onnx`));

describe("an ONNX checkpoint exported from PyTorch", () => {
  let policy: OnnxPolicy | undefined;
  afterAll(() => policy?.dispose());

  it("gives PyTorch's outputs and argmax on every saved observation", async () => {
    policy = await OnnxPolicy.load(FIXTURE);
    expect(policy.manifest).toMatchObject({ format: "onnx", observationSize: 91, actionCount: 90 });
    expect(probes.probes.length).toBeGreaterThanOrEqual(16);
    for (const probe of probes.probes) {
      const outputs = policy.logits(Float32Array.from(probe.observation));
      expect(outputs.length).toBe(90);
      let best = 0;
      for (let i = 1; i < outputs.length; i++) if (outputs[i]! > outputs[best]!) best = i;
      expect(best).toBe(probe.argmax);
      for (let i = 0; i < outputs.length; i++) expect(outputs[i]).toBeCloseTo(probe.outputs[i]!, 4);
    }
    expect(policy.host.stats).toMatchObject({ errors: 0, restarts: 0 });
    expect(policy.host.stats.answered).toBe(probes.probes.length);
  });

  it("answers without blocking too (run), the same numbers", async () => {
    const host = await InferenceHost.start(
      { format: "onnx", bytes: modelBytes },
      { inputSize: 91, outputSize: 90, budgetMs: 5000 },
    );
    try {
      const probe = probes.probes[3]!;
      const outputs = await host.run(Float32Array.from(probe.observation));
      expect(Array.from(outputs!).map((x) => Number(x.toFixed(4)))).toEqual(
        probe.outputs.map((x) => Number(Math.fround(x).toFixed(4))),
      );
    } finally {
      host.dispose();
    }
  });
});

describe("loadCarPolicy (what league eval, play and connect load)", () => {
  it("plays the ONNX folder as a car-soccer policy: PyTorch's argmax is the lookup index it takes", async () => {
    const policy = await loadCarPolicy(FIXTURE, { envId: "car-soccer-1v1" });
    try {
      expect(policy.observationSize).toBe(91);
      for (const probe of probes.probes.slice(0, 6))
        expect(Array.from(policy.decide(Float32Array.from(probe.observation))!)).toEqual([probe.argmax]);
    } finally {
      policy.dispose();
    }
  });
});

describe("inspectOnnx", () => {
  it("reads the exported graph: standard operators of opset 13, weights inside the file", () => {
    const info = inspectOnnx(modelBytes);
    expect(info.opsetImports).toEqual([{ domain: "", version: 13 }]);
    expect(info.operators.map((o) => o.opType)).toEqual(["Gemm", "Tanh", "Gemm", "Tanh", "Gemm"]);
    expect(info.externalTensors).toEqual([]);
    expect(info.functionCount).toBe(0);
  });

  it("throws on truncated and on random bytes", () => {
    expect(() => inspectOnnx(modelBytes.subarray(0, modelBytes.length - 100))).toThrow(OnnxProtoError);
    let seed = 7;
    const noise = Uint8Array.from({ length: 4096 }, () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed >>> 16;
    });
    expect(() => inspectOnnx(noise)).toThrow(OnnxProtoError);
  });

  it("a model that does not load makes InferenceHost.start throw with ORT's reason", async () => {
    const corrupted = modelBytes.slice();
    corrupted.fill(0xff, 200, 400);
    await expect(
      InferenceHost.start(
        { format: "onnx", bytes: corrupted },
        { inputSize: 91, outputSize: 90, budgetMs: 1000 },
      ),
    ).rejects.toThrow(/did not load/);
  });
});
