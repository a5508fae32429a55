import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { selectBackend } from "../../src/ppo/backend.js";
import { CheckpointError, loadPolicy, loadTrainerState, saveCheckpoint } from "../../src/ppo/checkpoint.js";
import { act, type PpoState, trainPpo } from "../../src/ppo/ppo.js";
import { CueMatchEnv } from "./tiny-env.js";

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

const AGENT = {
  name: "cue-matcher",
  env: "bandit-bernoulli-10",
  observationBuilder: "cue-one-hot",
  actionParser: "discrete",
  tickSkip: 1,
};

describe("checkpoints", () => {
  it("load back to the same actions, with the manifest the league reads, and resume the step count", async () => {
    const runtime = await selectBackend({ prefer: ["wasm", "cpu"] });
    const env = new CueMatchEnv(8);
    const config = { seed: 5, totalSteps: 8 * 32 * 2, numSteps: 32, hidden: [16] };
    const state = await trainPpo(runtime, env, config);
    const dir = path.join(await mkdtemp(path.join(tmpdir(), "league-ckpt-")), "latest");
    dirs.push(path.dirname(dir));
    const manifest = await saveCheckpoint(runtime, dir, state, AGENT);
    expect(manifest).toMatchObject({
      kind: "model",
      format: 1,
      observationSize: 3,
      actionCount: 3,
      training: { backend: runtime.backend, globalStep: 512 },
    });

    const onDisk = JSON.parse(await readFile(path.join(dir, "agent.json"), "utf8"));
    expect(onDisk).toEqual(manifest);
    const modelJson = JSON.parse(await readFile(path.join(dir, "model.json"), "utf8"));
    expect(modelJson.format).toBe("layers-model");
    expect(modelJson.weightsManifest[0].paths).toEqual(["weights.bin"]);

    const observations = Float32Array.from({ length: 3 * 50 }, (_, i) => Math.sin(i * 1.7) * 2);
    const loaded = await loadPolicy(runtime, dir);
    expect(Array.from(act(runtime, loaded, observations, 50))).toEqual(
      Array.from(act(runtime, state, observations, 50)),
    );

    // Resume: the step count continues from the checkpoint, to the run's total.
    const resumed: PpoState = await loadTrainerState(runtime, dir);
    expect(resumed.globalStep).toBe(512);
    expect(await trainPpo(runtime, env, config, { initial: resumed })).toBe(resumed);
    const continued = await trainPpo(runtime, env, { ...config, totalSteps: 1024 }, { initial: resumed });
    expect(continued.globalStep).toBe(1024);

    // Saving again replaces the checkpoint whole.
    await saveCheckpoint(runtime, dir, continued, AGENT);
    expect(JSON.parse(await readFile(path.join(dir, "agent.json"), "utf8")).training.globalStep).toBe(1024);
  });

  it("says what is wrong with a damaged checkpoint", async () => {
    const runtime = await selectBackend({ prefer: ["wasm", "cpu"] });
    const dir = await mkdtemp(path.join(tmpdir(), "league-bad-"));
    dirs.push(dir);
    await expect(loadPolicy(runtime, dir)).rejects.toThrow(/cannot read .*agent\.json/);
    await writeFile(path.join(dir, "agent.json"), JSON.stringify({ format: 99 }));
    await expect(loadPolicy(runtime, dir)).rejects.toThrow(CheckpointError);
    await expect(loadPolicy(runtime, dir)).rejects.toThrow(/format 99, this version reads 1/);
  });
});
