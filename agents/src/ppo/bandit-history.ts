// A meta-learned bandit policy: PPO trained over many random Bernoulli instances, acting on a
// summary of its own history in the episode — per arm the Beta(1, 1) posterior mean and
// 1/sqrt(pulls + 1), plus the elapsed fraction t / horizon — so one network explores and
// exploits on instances it has never seen (meta-RL in the spirit of RL², with the history
// condensed into sufficient statistics instead of a recurrent state).
import { BanditVectorEnv, type EnvSpec, Rng, type VectorEnv } from "@league/envs";
import type * as Tf from "@tensorflow/tfjs";
import type { BaselinePolicy } from "../baselines/types.js";
import type { TfRuntime } from "./backend.js";
import { sampleCategorical } from "./ppo.js";
import type { RunningMeanStd } from "./running-stats.js";

/** Observation numbers for K arms: posterior mean and uncertainty per arm, then t / horizon. */
export const historyObservationSize = (numArms: number) => 2 * numArms + 1;

function writeHistory(
  pulls: Float64Array,
  wins: Float64Array,
  from: number,
  k: number,
  t: number,
  horizon: number,
  out: Float32Array,
  offset: number,
): void {
  for (let a = 0; a < k; a++) {
    const n = pulls[from + a]!;
    out[offset + a] = (wins[from + a]! + 1) / (n + 2);
    out[offset + k + a] = 1 / Math.sqrt(n + 1);
  }
  out[offset + 2 * k] = t / horizon;
}

/**
 * Bernoulli bandits seen through the history summary. The training reward is the step's negative
 * pseudo-regret (the pulled arm's expected reward minus the best arm's): the same optimal policy
 * as the raw 0/1 reward, with far less noise — it uses the instance's means, which only training
 * sees; the policy itself never does.
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
  private readonly pulls: Float64Array;
  private readonly wins: Float64Array;
  private readonly t: Int32Array;

  readonly inner: BanditVectorEnv;

  constructor(
    inner: VectorEnv,
    readonly horizon: number,
  ) {
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
    this.pulls = new Float64Array(this.numEnvs * this.actionCount);
    this.wins = new Float64Array(this.numEnvs * this.actionCount);
    this.t = new Int32Array(this.numEnvs);
  }

  reset(seed: number): void {
    this.inner.reset(seed);
    this.pulls.fill(0);
    this.wins.fill(0);
    this.t.fill(0);
    for (let e = 0; e < this.numEnvs; e++) this.observe(e);
  }

  step(actions: Float32Array): void {
    this.inner.step(actions);
    const k = this.actionCount;
    for (let e = 0; e < this.numEnvs; e++) {
      this.rewards[e] = -this.inner.regrets[e]!;
      if (this.terminated[e] || this.truncated[e]) {
        // The instance was replaced by a fresh one: its history starts empty.
        this.pulls.fill(0, e * k, (e + 1) * k);
        this.wins.fill(0, e * k, (e + 1) * k);
        this.t[e] = 0;
      } else {
        const arm = Math.min(k - 1, Math.max(0, Math.trunc(actions[e]!)));
        this.pulls[e * k + arm]! += 1;
        this.wins[e * k + arm]! += this.inner.rewards[e]!;
        this.t[e]! += 1;
      }
      this.observe(e);
    }
  }

  private observe(e: number): void {
    const k = this.actionCount;
    writeHistory(
      this.pulls,
      this.wins,
      e * k,
      k,
      this.t[e]!,
      this.horizon,
      this.observations,
      e * this.observationSize,
    );
  }
}

/**
 * The trained network as a league bandit player: it keeps its own history summary. `sample`
 * draws the arm from the policy's distribution (seeded by `reset(seed)`), as in training, where
 * the exploration lives; otherwise it takes the most likely arm.
 */
export class BanditHistoryPolicy implements BaselinePolicy {
  private readonly pulls: Float64Array;
  private readonly wins: Float64Array;
  private readonly input: Float32Array;
  private t = 0;
  private rng = new Rng(0);

  constructor(
    private readonly runtime: TfRuntime,
    private readonly actor: Tf.LayersModel,
    private readonly observationStats: RunningMeanStd | null,
    private readonly numArms: number,
    private readonly horizon: number,
    readonly name = "ppo-history",
    private readonly sample = false,
  ) {
    this.pulls = new Float64Array(numArms);
    this.wins = new Float64Array(numArms);
    this.input = new Float32Array(historyObservationSize(numArms));
  }

  reset(seed: number): void {
    this.rng = new Rng(seed, 0xba4d);
    this.pulls.fill(0);
    this.wins.fill(0);
    this.t = 0;
  }

  act(_observation: Float32Array): Float32Array {
    writeHistory(this.pulls, this.wins, 0, this.numArms, this.t, this.horizon, this.input, 0);
    if (this.observationStats) this.observationStats.normalize(this.input, 1, this.input);
    const { tf } = this.runtime;
    const logits = tf.tidy(
      () =>
        (
          this.actor.predict(tf.tensor2d(this.input, [1, this.input.length])) as Tf.Tensor
        ).dataSync() as Float32Array,
    );
    if (this.sample) return Float32Array.of(sampleCategorical(logits, 0, logits.length, this.rng)[0]);
    let best = 0;
    for (let a = 1; a < logits.length; a++) if (logits[a]! > logits[best]!) best = a;
    return Float32Array.of(best);
  }

  update(action: Float32Array, reward: number): void {
    const arm = action[0]!;
    this.pulls[arm]! += 1;
    this.wins[arm]! += reward;
    this.t++;
  }
}
