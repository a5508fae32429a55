import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { BanditHistoryObs, makeDuplicateEnv, makeDuplicateVectorEnv, PLAYER } from "@league/envs";
import { afterAll, describe, expect, it } from "vitest";
import { playDuplicate } from "../../src/baselines/duplicate.js";
import { duplicateEntrant } from "../../src/cli/players.js";
import { loadTf, selectBackend } from "../../src/ppo/backend.js";
import { BanditHistoryEnv, BanditHistoryPolicy } from "../../src/ppo/bandit-history.js";
import { saveCheckpoint } from "../../src/ppo/checkpoint.js";
import { ModelPolicy } from "../../src/ppo/model-policy.js";
import { buildMlp } from "../../src/ppo/network.js";
import { trainPpo } from "../../src/ppo/ppo.js";

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

const argmax = (xs: ArrayLike<number>) => {
  let best = 0;
  for (let a = 1; a < xs.length; a++) if (xs[a]! > xs[best]!) best = a;
  return best;
};

describe("bandit history summary", () => {
  it("summarises each instance's own pulls, rewards with negative regret, and starts afresh after the horizon", () => {
    const horizon = 5;
    const env = new BanditHistoryEnv(makeDuplicateVectorEnv("bandit-bernoulli-10", 2, { horizon }));
    expect(env.observationSize).toBe(21);
    env.reset(3);
    // Before any pull: prior mean 1/2, uncertainty 1, t = 0.
    expect(env.observations[0]).toBe(0.5);
    expect(env.observations[10]).toBe(1);
    expect(env.observations[20]).toBe(0);
    let wins = 0;
    for (let t = 1; t <= 3; t++) {
      env.step(new Float32Array([2, 7]));
      wins += env.inner.rewards[0]!;
      expect(env.rewards[0]).toBeCloseTo(-env.inner.regrets[0]!, 6);
      expect(env.rewards[0]).toBeLessThanOrEqual(0);
    }
    expect(env.observations[2]).toBeCloseTo((wins + 1) / 5, 6);
    expect(env.observations[12]).toBeCloseTo(1 / Math.sqrt(4), 6);
    expect(env.observations[20]).toBeCloseTo(3 / horizon, 6);
    expect(env.observations[21 + 17]).toBeCloseTo(1 / Math.sqrt(4), 6); // instance 1 pulled arm 7
    env.step(new Float32Array([2, 7]));
    env.step(new Float32Array([2, 7]));
    expect(env.terminated[0]).toBe(1);
    expect(env.observations[12]).toBe(1);
    expect(env.observations[20]).toBe(0);
    // The next episode's history is its own.
    env.step(new Float32Array([4, 7]));
    expect(env.observations[12]).toBe(1);
    expect(env.observations[14]).toBeCloseTo(1 / Math.SQRT2, 6);
  });

  it("as a player, feeds its network the summary the trainer saw, from the league's default observations", async () => {
    const runtime = await selectBackend({ prefer: ["wasm", "cpu"] });
    const horizon = 50;
    const actor = buildMlp(runtime.tf, {
      inputSize: 21,
      hidden: [8],
      outputSize: 10,
      seed: 4,
      name: "actor",
    });
    const policy = new BanditHistoryPolicy(runtime, actor, null, 10);
    // The trainer's view (instance 0 of a vectorised run) and the league's (one env, default observations).
    const trainer = new BanditHistoryEnv(makeDuplicateVectorEnv("bandit-bernoulli-10", 1, { horizon }));
    const league = makeDuplicateEnv("bandit-bernoulli-10", { horizon });
    trainer.reset(9);
    let observation = league.reset(9).observations[PLAYER]!;
    policy.reset(9);
    const { tf } = runtime;
    for (let t = 0; t < horizon + 10; t++) {
      const logits = tf.tidy(() =>
        (actor.predict(tf.tensor2d(trainer.observations, [1, 21])) as typeof tf.Tensor.prototype).dataSync(),
      );
      const action = policy.act(observation);
      expect(action[0]).toBe(argmax(logits));
      if (t === horizon - 1) {
        // The episode ends; the next one is another instance, and the policy is reset, as duplicate play does.
        trainer.reset(10);
        observation = league.reset(10).observations[PLAYER]!;
        policy.reset(10);
      } else {
        trainer.step(Float32Array.of(action[0]!));
        const step = league.step({ [PLAYER]: action });
        observation = step.observations[PLAYER]!;
        expect(step.rewards[PLAYER]).toBe(trainer.inner.rewards[0]);
      }
    }
  });

  it("samples arms from its distribution when asked, reproducibly for a seed", async () => {
    const runtime = await selectBackend({ prefer: ["wasm", "cpu"] });
    const actor = buildMlp(runtime.tf, {
      inputSize: 21,
      hidden: [8],
      outputSize: 10,
      seed: 4,
      name: "actor",
    });
    const play = (seed: number) => {
      const policy = new BanditHistoryPolicy(runtime, actor, null, 10, "sampled", true);
      const env = makeDuplicateEnv("bandit-bernoulli-10", { horizon: 30 });
      let observation = env.reset(seed).observations[PLAYER]!;
      policy.reset(seed);
      return Array.from({ length: 30 }, () => {
        const action = policy.act(observation);
        observation = env.step({ [PLAYER]: action }).observations[PLAYER]!;
        return action[0]!;
      });
    };
    const arms = play(5);
    expect(play(5)).toEqual(arms);
    expect(play(6)).not.toEqual(arms);
    // A fresh network is near uniform: sampling visits many arms, where argmax would repeat one.
    expect(new Set(arms).size).toBeGreaterThan(4);
  });

  it("saved as a league checkpoint, plays through `league eval`'s entrant exactly as in training's evaluation", async () => {
    const runtime = await loadTf();
    const env = new BanditHistoryEnv(makeDuplicateVectorEnv("bandit-bernoulli-10", 4, { horizon: 40 }));
    const state = await trainPpo(runtime, env, {
      seed: 3,
      totalSteps: 4 * 32 * 2,
      numSteps: 32,
      hidden: [16],
    });
    expect(state.observationStats).not.toBeNull();
    const root = await mkdtemp(path.join(tmpdir(), "league-history-"));
    dirs.push(root);
    for (const selection of ["sample", "argmax"] as const) {
      const dir = path.join(root, selection);
      const manifest = await saveCheckpoint(runtime, dir, state, {
        name: `history-${selection}`,
        env: "bandit-bernoulli-10",
        observationBuilder: "history",
        actionParser: "discrete",
        tickSkip: 1,
        actionSelection: selection,
      });
      expect(manifest).toMatchObject({ observationSize: 21, actionCount: 10, actionSelection: selection });
      expect(JSON.parse(await readFile(path.join(dir, "agent.json"), "utf8")).observationBuilder).toBe(
        "history",
      );
      const trained = new BanditHistoryPolicy(
        runtime,
        state.actor,
        state.observationStats,
        10,
        "trained",
        selection === "sample",
      );
      const loaded = await duplicateEntrant(dir, "bandit-bernoulli-10");
      expect(loaded).toBeInstanceOf(ModelPolicy);
      // Action by action on one episode, then whole duplicate matches over several seeds.
      const single = makeDuplicateEnv("bandit-bernoulli-10");
      let observation = single.reset(77).observations[PLAYER]!;
      trained.reset(77);
      (loaded as ModelPolicy).reset(77);
      for (let t = 0; t < 1000; t++) {
        const action = trained.act(observation);
        expect((loaded as ModelPolicy).act(observation)[0]).toBe(action[0]);
        observation = single.step({ [PLAYER]: action }).observations[PLAYER]!;
      }
      const seeds = [1_000_001, 1_000_002, 1_000_003];
      const a = playDuplicate({ env: "bandit-bernoulli-10", policies: [trained], seeds });
      const b = playDuplicate({ env: "bandit-bernoulli-10", policies: [loaded], seeds });
      expect(b.entries[0]!.regrets).toEqual(a.entries[0]!.regrets);
    }
  }, 120_000);

  it("refuses a builder whose size does not fit the model", async () => {
    const runtime = await selectBackend({ prefer: ["wasm", "cpu"] });
    const actor = buildMlp(runtime.tf, {
      inputSize: 12,
      hidden: [8],
      outputSize: 10,
      seed: 4,
      name: "actor",
    });
    expect(
      () =>
        new ModelPolicy(runtime, actor, {
          name: "m",
          output: { kind: "argmax" },
          observationBuilder: new BanditHistoryObs(10),
        }),
    ).toThrow(/the history observation builder writes 21 numbers, the model takes 12/);
  });
});
