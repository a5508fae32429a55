import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type * as Tf from "@tensorflow/tfjs";
import { afterAll, describe, expect, it } from "vitest";
import { selectBackend } from "../../src/ppo/backend.js";
import { loadTrainerState, saveCheckpoint } from "../../src/ppo/checkpoint.js";
import { annealedAdam } from "../../src/ppo/optimizer.js";
import { type PpoState, trainPpo } from "../../src/ppo/ppo.js";
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

describe("Adam's moments on resume", () => {
  it("a restored Adam makes the same next update as one never stopped; a fresh one does not", async () => {
    const { tf } = await selectBackend({ prefer: ["wasm", "cpu"] });
    const start = [0.5, -1, 2];
    const g1 = tf.tensor1d([0.3, -0.2, 0.05]);
    const g2 = tf.tensor1d([-0.1, 0.4, 0.2]);
    const step = (opt: ReturnType<typeof annealedAdam>, v: Tf.Variable, g: Tf.Tensor) =>
      opt.applyGradients([{ name: v.name, tensor: g }]);
    const uninterrupted = tf.variable(tf.tensor1d(start));
    const never = annealedAdam(tf, 0.1);
    step(never, uninterrupted, g1);
    const snapshot = await never.snapshot();
    expect(snapshot.iterations).toBe(1);
    expect(snapshot.moments.map((m) => m.name)).toEqual([
      `${uninterrupted.name}/m`,
      `${uninterrupted.name}/v`,
    ]);
    step(never, uninterrupted, g2);

    const afterFirst = tf.variable(tf.tensor1d(start));
    step(annealedAdam(tf, 0.1), afterFirst, g1);
    const atResume = Array.from(afterFirst.dataSync());
    const restored = annealedAdam(tf, 0.1);
    await restored.restore(snapshot);
    step(restored, afterFirst, g2);
    const fresh = tf.variable(tf.tensor1d(atResume));
    step(annealedAdam(tf, 0.1), fresh, g2);

    const expected = Array.from(uninterrupted.dataSync());
    for (const [i, x] of Array.from(afterFirst.dataSync()).entries()) expect(x).toBeCloseTo(expected[i]!, 6);
    // A fresh Adam's first step is a full step size against the sign of the gradient: another update.
    const off = Array.from(fresh.dataSync()).map((x, i) => Math.abs(x - expected[i]!));
    expect(Math.max(...off)).toBeGreaterThan(0.01);
  });

  it("go into the checkpoint exactly and carry on counting when training resumes", async () => {
    const runtime = await selectBackend({ prefer: ["wasm", "cpu"] });
    const env = new CueMatchEnv(8);
    const config = {
      seed: 5,
      totalSteps: 8 * 32 * 2,
      numSteps: 32,
      hidden: [16],
      numMinibatches: 4,
      updateEpochs: 1,
    };
    let afterFirst: PpoState | null = null;
    const dir = path.join(await mkdtemp(path.join(tmpdir(), "league-adam-")), "latest");
    dirs.push(path.dirname(dir));
    const state = await trainPpo(runtime, env, config, {
      onIteration: async (_m, s) => {
        afterFirst ??= s;
        return "stop";
      },
    });
    expect(state.globalStep).toBe(256);
    // Four minibatches, one epoch: four Adam updates, and two moments per variable.
    const moments = state.optimizer!;
    expect(moments.iterations).toBe(4);
    expect(moments.moments).toHaveLength(
      2 * (state.actor.trainableWeights.length + state.critic.trainableWeights.length),
    );
    await saveCheckpoint(runtime, dir, afterFirst!, AGENT);
    const loaded = await loadTrainerState(runtime, dir);
    expect(loaded.optimizer!.iterations).toBe(4);
    loaded.optimizer!.moments.forEach((m, i) => {
      expect(m.name).toBe(moments.moments[i]!.name);
      expect(m.shape).toEqual(moments.moments[i]!.shape);
      expect(Array.from(m.values)).toEqual(Array.from(moments.moments[i]!.values));
    });

    // The run's total is 512 steps: the resume does the one iteration left and stops there.
    const seen: number[] = [];
    const resumed = await trainPpo(runtime, env, config, {
      initial: loaded,
      onIteration: (m) => void seen.push(m.iteration),
    });
    expect(seen).toEqual([2]);
    expect(resumed.globalStep).toBe(512);
    expect(resumed.optimizer!.iterations).toBe(8);
  });
});
