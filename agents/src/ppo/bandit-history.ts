// A meta-learned bandit policy: PPO trained over many random Bernoulli instances, acting on a
// summary of its own history in the episode — per arm the Beta(1, 1) posterior mean and
// 1/sqrt(pulls + 1), plus the elapsed fraction t / horizon — so one network explores and
// exploits on instances it has never seen (meta-RL in the spirit of RL², with the history
// condensed into sufficient statistics instead of a recurrent state). The summary is the league's
// "history" observation builder (BanditHistoryObs in @league/envs), so a checkpoint trained here
// with observationBuilder "history" plays in the Bernoulli bandit leagues as it was trained.
import {
  BanditHistoryObs,
  BanditVectorEnv,
  type EnvSpec,
  historyObservationSize,
  type VectorEnv,
} from "@league/envs";
import type * as Tf from "@tensorflow/tfjs";
import type { TfRuntime } from "./backend.js";
import { ModelPolicy } from "./model-policy.js";
import type { RunningMeanStd } from "./running-stats.js";

/**
 * Bernoulli bandits seen through the history builder: one BanditHistoryObs per instance reads the
 * instance's default observations (after an automatic reset, a t = 0 observation starts its
 * history afresh). The training reward is the step's negative pseudo-regret (the pulled arm's
 * expected reward minus the best arm's): the same optimal policy as the raw 0/1 reward, with far
 * less noise — it uses the instance's means, which only training sees; the policy itself never does.
 */
export class BanditHistoryEnv implements VectorEnv {
  readonly spec: EnvSpec;
  readonly numEnvs: number;
  readonly numAgents = 1;
  readonly observationSize: number;
  readonly actionSize = 1;
  readonly actionCount: number;
  readonly observations: Float32Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  private readonly builders: BanditHistoryObs[];

  readonly inner: BanditVectorEnv;

  constructor(inner: VectorEnv) {
    if (!(inner instanceof BanditVectorEnv) || inner.config.kind !== "bernoulli")
      throw new TypeError(`BanditHistoryEnv needs a Bernoulli bandit vector env, got ${inner.spec.id}`);
    this.inner = inner;
    this.spec = inner.spec;
    this.numEnvs = inner.numEnvs;
    this.actionCount = inner.config.numArms;
    this.observationSize = historyObservationSize(this.actionCount);
    this.observations = new Float32Array(this.numEnvs * this.observationSize);
    this.rewards = new Float32Array(this.numEnvs);
    this.terminated = inner.terminated;
    this.truncated = inner.truncated;
    this.builders = Array.from({ length: this.numEnvs }, () => new BanditHistoryObs(this.actionCount));
  }

  reset(seed: number): void {
    this.inner.reset(seed);
    for (const builder of this.builders) builder.reset();
    for (let e = 0; e < this.numEnvs; e++) this.observe(e);
  }

  step(actions: Float32Array): void {
    this.inner.step(actions);
    for (let e = 0; e < this.numEnvs; e++) {
      this.rewards[e] = -this.inner.regrets[e]!;
      this.observe(e);
    }
  }

  private observe(e: number): void {
    this.builders[e]!.build(
      this.inner.observations,
      this.observations,
      e * this.observationSize,
      e * this.inner.observationSize,
    );
  }
}

/**
 * The trained network as a bandit player, exactly as the league plays its checkpoint: a
 * ModelPolicy reading the default observations through the history builder. `sample` draws the
 * arm from the policy's distribution (seeded by `reset(seed)`), as in training, where the
 * exploration lives; otherwise it takes the most likely arm.
 */
export class BanditHistoryPolicy extends ModelPolicy {
  constructor(
    runtime: TfRuntime,
    actor: Tf.LayersModel,
    observationStats: RunningMeanStd | null,
    numArms: number,
    name = "ppo-history",
    sample = false,
  ) {
    super(runtime, actor, {
      name,
      output: { kind: "argmax" },
      actionSelection: sample ? "sample" : "argmax",
      observationBuilder: new BanditHistoryObs(numArms),
      observationNormalization: observationStats
        ? { mean: Array.from(observationStats.mean), var: Array.from(observationStats.var), clip: 10 }
        : null,
      timeBudgetMs: Number.POSITIVE_INFINITY,
    });
  }
}
