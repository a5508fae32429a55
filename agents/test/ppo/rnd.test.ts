import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { selectBackend } from "../../src/ppo/backend.js";
import { loadTrainerState, saveCheckpoint } from "../../src/ppo/checkpoint.js";
import { type PpoMetrics, trainPpo } from "../../src/ppo/ppo.js";
import { RandomNetworkDistillation } from "../../src/rewards/novelty.js";
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
const CONFIG = { seed: 4, totalSteps: 8 * 32 * 8, numSteps: 32, hidden: [16], updateEpochs: 2 };

describe("random network distillation in PPO", () => {
  it("pays novelty: the predictor learns the states PPO visits, and unseen ones stay novel", async () => {
    const runtime = await selectBackend({ prefer: ["wasm", "cpu"] });
    const history: PpoMetrics[] = [];
    const state = await trainPpo(
      runtime,
      new CueMatchEnv(8),
      { ...CONFIG, rndCoef: 0.5 },
      { onIteration: (m) => void history.push(m) },
    );
    // Logged each iteration, and the predictor's loss falls as it learns the three cues.
    for (const m of history) {
      expect(m["charts/intrinsic_return"]).toEqual(expect.any(Number));
      expect(m["losses/intrinsic_value_loss"]).toEqual(expect.any(Number));
    }
    const loss = history.map((m) => m["losses/rnd_predictor_loss"]!);
    expect(loss.at(-1)!).toBeLessThan(loss[0]! * 0.5);

    // The trained RND, as the checkpoint keeps it: the cues the env showed against states it never did.
    const rnd = new RandomNetworkDistillation(runtime.tf, { inputSize: 3, seed: CONFIG.seed });
    await rnd.restore(state.intrinsic!.rnd);
    const seen = rnd.rawNovelty(new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1]), 3);
    const unseen = rnd.rawNovelty(new Float32Array([1, 1, 0, 0, 1, 1, -1, 0, 1]), 3);
    expect(Math.min(...unseen)).toBeGreaterThan(5 * Math.max(...seen));
    rnd.dispose();
  });

  it("is off by default: no intrinsic head, metrics or checkpoint files; on, it goes into the checkpoint and back", async () => {
    const runtime = await selectBackend({ prefer: ["wasm", "cpu"] });
    const short = { ...CONFIG, totalSteps: 8 * 32 * 2 };
    const offMetrics: PpoMetrics[] = [];
    const off = await trainPpo(runtime, new CueMatchEnv(8), short, {
      onIteration: (m) => void offMetrics.push(m),
    });
    expect(off.intrinsic).toBeUndefined();
    expect(Object.keys(offMetrics[0]!).filter((k) => /intrinsic|rnd/.test(k))).toEqual([]);
    const offDir = path.join(await mkdtemp(path.join(tmpdir(), "league-rnd-")), "latest");
    dirs.push(path.dirname(offDir));
    await saveCheckpoint(runtime, offDir, off, AGENT);
    expect((await readdir(path.join(offDir, "trainer"))).sort()).toEqual([
      "critic",
      "optimizer.bin",
      "optimizer.json",
      "state.json",
    ]);

    const on = await trainPpo(runtime, new CueMatchEnv(8), { ...short, rndCoef: 0.5 });
    const dir = path.join(path.dirname(offDir), "on");
    await saveCheckpoint(runtime, dir, on, AGENT);
    const loaded = await loadTrainerState(runtime, dir);
    const saved = on.intrinsic!.rnd;
    const back = loaded.intrinsic!.rnd;
    expect(back.intrinsicReturn).toEqual(saved.intrinsicReturn);
    expect(back.returnStats).toEqual(saved.returnStats);
    expect(back.optimizer.iterations).toBe(saved.optimizer.iterations);
    for (const part of ["target", "predictor"] as const)
      expect(back[part].map((w) => Array.from(w.values))).toEqual(
        saved[part].map((w) => Array.from(w.values)),
      );
    expect(loaded.intrinsic!.critic.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(
      on.intrinsic!.critic.getWeights().map((w) => Array.from(w.dataSync())),
    );
    // And training goes on from it to the run's total.
    const resumed = await trainPpo(
      runtime,
      new CueMatchEnv(8),
      { ...short, totalSteps: 8 * 32 * 3, rndCoef: 0.5 },
      {
        initial: loaded,
      },
    );
    expect(resumed.globalStep).toBe(8 * 32 * 3);
    expect(resumed.intrinsic!.rnd.optimizer.iterations).toBeGreaterThan(saved.optimizer.iterations);
  });
});
