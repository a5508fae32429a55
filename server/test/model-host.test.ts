// The model host runs a stored model in its own process with a time budget per action: a model
// that takes too long is cut off (no answer, counted) and its process replaced, a process that
// dies is replaced, and the caller carries on meanwhile.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadPolicy, loadTf, ModelPolicy } from "@league/agents";
import { afterEach, describe, expect, it } from "vitest";
import { createModelHost, type ModelHost } from "../src/match/model-host.js";
import { packArtifact } from "../src/submissions/validate.js";

const TORCH = fileURLToPath(new URL("../../agents/fixtures/onnx-torch-1v1/", import.meta.url));
const manifest = JSON.parse(readFileSync(`${TORCH}agent.json`, "utf8")) as Record<string, unknown>;
const torchModel = new Uint8Array(readFileSync(`${TORCH}model.onnx`));
const probes = (
  JSON.parse(readFileSync(`${TORCH}probes.json`, "utf8")) as {
    probes: { observation: number[]; argmax: number }[];
  }
).probes;
// A Loop of max(observation) x 10^15 steps in front of the output: none on the all-zero
// observation its process warms up with, without end on ones (validation refuses Loop; here it
// stands for a model that hangs in native code on some inputs).
const hangModel = new Uint8Array(
  readFileSync(fileURLToPath(new URL("./fixtures/onnx/hang.onnx", import.meta.url))),
);

const until = async (check: () => boolean) => {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 50));
};

describe("model host", () => {
  const hosts: ModelHost[] = [];
  afterEach(() => {
    for (const host of hosts.splice(0)) host.dispose();
  });
  const start = async (artifact: Uint8Array, budgetMs: number) => {
    const host = await createModelHost({ id: `v${hosts.length}`, manifest, artifact }, { budgetMs });
    hosts.push(host);
    return host;
  };

  it("answers as PyTorch did, synchronously and not", async () => {
    const host = await start(torchModel, 2000);
    for (const probe of probes.slice(0, 4)) {
      const sync = host.logits(Float32Array.from(probe.observation))!;
      const async = (await host.act(Float32Array.from(probe.observation)))!;
      expect(sync.indexOf(Math.max(...sync))).toBe(probe.argmax);
      expect(Array.from(async)).toEqual(Array.from(sync));
    }
    expect(host.stats).toMatchObject({ requests: 8, answered: 8, crashes: 0, restarts: 0 });
  });

  it("cuts off a model over budget, kills a process that owes an answer past killAfterMs and starts another, the caller carrying on", async () => {
    const host = await createModelHost(
      { id: "hang", manifest, artifact: hangModel },
      { budgetMs: 100, killAfterMs: 400 },
    );
    hosts.push(host);
    const first = host.pid;
    // A run that never ends: no answer within 100 ms, nothing, one overrun.
    expect(host.logits(new Float32Array(91).fill(1))).toBeNull();
    expect(host.stats).toMatchObject({ requests: 1, answered: 0, overruns: 1, kills: 0 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Still owing that answer, past killAfterMs: the request is refused, the process killed and replaced.
    const zeros = new Float32Array(91);
    expect(host.logits(zeros)).toBeNull();
    expect(host.stats).toMatchObject({ requests: 2, answered: 0, overruns: 2, kills: 1 });
    await until(() => host.stats.restarts === 1 && host.pid !== first);
    expect(() => process.kill(first, 0)).toThrow();
    // Its replacement loads the model (meanwhile requests get nothing at once), then answers.
    let answer: Float32Array | null = null;
    while (!answer) {
      answer = await host.act(zeros);
      if (!answer) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(Array.from(answer)).toEqual(new Array(90).fill(0));
    expect(host.stats).toMatchObject({ answered: 1, kills: 1, crashes: 0, restarts: 1 });
  });

  it("replaces a process that dies and answers again", async () => {
    const host = await start(torchModel, 2000);
    const observation = Float32Array.from(probes[0]!.observation);
    expect(host.logits(observation)).not.toBeNull();
    const first = host.pid;
    process.kill(first, "SIGKILL");
    await until(() => host.stats.crashes === 1);
    let answer: Float32Array | null = null;
    while (!answer) {
      answer = host.logits(observation);
      if (!answer) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(answer.indexOf(Math.max(...answer))).toBe(probes[0]!.argmax);
    expect(host.pid).not.toBe(first);
    expect(host.stats).toMatchObject({ crashes: 1, restarts: 1 });
  });

  it("runs a tfjs model too (the shipped ppo-selfplay), giving the outputs it gives in this thread", async () => {
    const dir = fileURLToPath(new URL("../builtins/ppo-selfplay-1v1/", import.meta.url));
    const runtime = await loadTf();
    const { manifest: tfjsManifest, actor } = await loadPolicy(runtime, dir);
    const local = new ModelPolicy(runtime, actor, {
      name: "local",
      output: { kind: "argmax" },
      observationNormalization: tfjsManifest.observationNormalization,
    });
    const modelJson = JSON.parse(readFileSync(`${dir}model.json`, "utf8")) as { weightsManifest: unknown };
    const artifact = packArtifact(modelJson, new Uint8Array(readFileSync(`${dir}weights.bin`)));
    const host = await createModelHost({ id: "tfjs", manifest: tfjsManifest, artifact }, { budgetMs: 2000 });
    hosts.push(host);
    for (let i = 0; i < 4; i++) {
      const observation = Float32Array.from({ length: 103 }, (_, k) => Math.sin(k * 0.37 + i));
      const hosted = host.logits(observation)!;
      const here = local.logits(observation);
      expect(hosted.length).toBe(90);
      for (let k = 0; k < 90; k++) expect(hosted[k]).toBeCloseTo(here[k]!, 4);
    }
    local.dispose();
  });

  it("refuses a model that does not load, with the reason", async () => {
    const corrupted = torchModel.slice();
    corrupted.fill(0xff, 40, 4000);
    await expect(start(corrupted, 1000)).rejects.toThrow(/did not load/);
  });
});
