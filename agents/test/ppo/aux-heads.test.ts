import { describe, expect, it } from "vitest";
import { selectBackend } from "../../src/ppo/backend.js";
import { type PpoMetrics, trainPpo } from "../../src/ppo/ppo.js";
import { CueMatchEnv } from "./tiny-env.js";

describe("auxiliary heads", () => {
  it("log reward-sign and reconstruction losses that fall while PPO still learns, and stay out of the policy", async () => {
    const runtime = await selectBackend({ prefer: ["wasm", "cpu"] });
    const env = new CueMatchEnv(16);
    const history: PpoMetrics[] = [];
    const state = await trainPpo(
      runtime,
      env,
      {
        seed: 3,
        totalSteps: 16 * 64 * 12,
        numSteps: 64,
        hidden: [32],
        learningRate: 3e-3,
        entCoef: 0,
        normalizeObservations: false,
        auxCoef: 0.5,
      },
      { onIteration: (m) => void history.push(m) },
    );
    const first = history[0]!;
    const last = history.at(-1)!;
    // The reward sign (paid: cue matched, else zero) becomes predictable as the policy and heads learn.
    expect(last["losses/aux_reward_sign"]!).toBeLessThan(first["losses/aux_reward_sign"]! * 0.8);
    expect(last["losses/aux_reconstruction"]!).toBeLessThan(first["losses/aux_reconstruction"]! * 0.5);
    expect(last["charts/episodic_return"]!).toBeGreaterThan(6.5);
    // The saved policy is the actor alone: observation in, one logit per action out.
    expect(state.actor.outputs[0]!.shape).toEqual([null, 3]);
    expect(state.actor.layers.map((l) => l.name).some((n) => n.startsWith("aux_"))).toBe(false);
  });

  it("are off by default and need a hidden layer when on", async () => {
    const runtime = await selectBackend({ prefer: ["wasm", "cpu"] });
    const history: PpoMetrics[] = [];
    await trainPpo(
      runtime,
      new CueMatchEnv(4),
      { seed: 1, totalSteps: 4 * 16, numSteps: 16, hidden: [8] },
      {
        onIteration: (m) => void history.push(m),
      },
    );
    expect(history[0]!["losses/aux_reward_sign"]).toBeUndefined();
    await expect(
      trainPpo(runtime, new CueMatchEnv(4), {
        seed: 1,
        totalSteps: 64,
        numSteps: 16,
        hidden: [],
        auxCoef: 1,
      }),
    ).rejects.toThrow(/auxCoef > 0 needs at least one hidden layer/);
  });
});
