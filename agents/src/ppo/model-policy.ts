// A trained model as a player: observation → (the manifest's observation builder) → standardised
// input → logits → action, within a time budget per action. The league's match runner drives it
// like any baseline.
import { type DuplicateObsBuilder, Rng } from "@league/envs";
import type * as Tf from "@tensorflow/tfjs";
import type { BaselinePolicy } from "../baselines/types.js";
import type { TfRuntime } from "./backend.js";
import { predictRows } from "./network.js";
import { sampleCategorical } from "./ppo.js";

/** How a model's arm is chosen from its logits: the most likely one, or drawn from their softmax. */
export type ActionSelection = "argmax" | "sample";

/** Salt of the sampling stream: the draws of an episode come from `new Rng(seed, SAMPLE_SALT)`. */
export const SAMPLE_SALT = 0xba4d;

export class ModelTimeoutError extends Error {
  constructor(
    readonly policy: string,
    readonly overruns: number,
    budgetMs: number,
  ) {
    super(`${policy} exceeded its ${budgetMs} ms inference budget ${overruns} times`);
    this.name = "ModelTimeoutError";
  }
}

export interface ModelPolicyOptions {
  name: string;
  /** How the outputs become an action: one arm (argmax), or the k best-scored items (a slate). */
  output: { kind: "argmax" } | { kind: "top-k"; k: number };
  /**
   * With `argmax` output, `sample` draws the arm from the softmax of the logits instead (as PPO
   * does in training), from a stream seeded by `reset(seed)`: the same seed, the same arms.
   */
  actionSelection?: ActionSelection;
  /**
   * Turns each observation into the model's input (the manifest's observation builder; none for
   * `default`). It is reset by `reset(seed)`, at every episode's start.
   */
  observationBuilder?: DuplicateObsBuilder | null;
  observationNormalization?: { mean: number[]; var: number[]; clip: number } | null;
  /** Milliseconds one action may take; an agent over budget more than `maxOverruns` times is timed out. */
  timeBudgetMs?: number;
  maxOverruns?: number;
  /** Clock, injectable for tests. */
  now?: () => number;
}

export class ModelPolicy implements BaselinePolicy {
  readonly name: string;
  actions = 0;
  overruns = 0;
  slowestMs = 0;
  private readonly input: Float32Array;
  private readonly built: Float32Array | null;
  private readonly now: () => number;
  private rng = new Rng(0, SAMPLE_SALT);

  constructor(
    private readonly runtime: TfRuntime,
    private readonly model: Tf.LayersModel,
    private readonly options: ModelPolicyOptions,
  ) {
    this.name = options.name;
    const inputShape = model.inputs[0]?.shape;
    this.input = new Float32Array(Number(inputShape?.[1] ?? 0));
    this.now = options.now ?? (() => performance.now());
    const builder = options.observationBuilder;
    if (builder && builder.size !== this.input.length)
      throw new TypeError(
        `${this.name}: the ${builder.name} observation builder writes ${builder.size} numbers, the model takes ${this.input.length}`,
      );
    this.built = builder ? new Float32Array(builder.size) : null;
    if (options.actionSelection === "sample" && options.output.kind !== "argmax")
      throw new TypeError(`${this.name}: sampled actions need a single discrete choice (argmax output)`);
  }

  reset(seed: number): void {
    // Nothing learned carries over between episodes: only the builder's history and the sampling stream restart.
    this.options.observationBuilder?.reset();
    this.rng = new Rng(seed, SAMPLE_SALT);
  }

  /** The model's raw outputs for one model input (an observation after the observation builder, if any). */
  logits(observation: Float32Array): Float32Array {
    if (observation.length !== this.input.length) {
      throw new TypeError(
        `${this.name}: observation has ${observation.length} numbers, the model takes ${this.input.length}`,
      );
    }
    const norm = this.options.observationNormalization;
    for (let i = 0; i < observation.length; i++) {
      const x = norm ? (observation[i]! - norm.mean[i]!) / Math.sqrt(norm.var[i]! + 1e-8) : observation[i]!;
      this.input[i] = norm ? Math.min(norm.clip, Math.max(-norm.clip, x)) : x;
    }
    const { tf } = this.runtime;
    return predictRows(tf, this.model, this.input, 1);
  }

  act(observation: Float32Array): Float32Array {
    const started = this.now();
    const builder = this.options.observationBuilder;
    const scores = this.logits(builder ? builder.build(observation, this.built!) : observation);
    const out = this.options.output;
    let action: Float32Array;
    if (out.kind === "argmax" && this.options.actionSelection === "sample") {
      action = Float32Array.of(sampleCategorical(scores, 0, scores.length, this.rng)[0]);
    } else if (out.kind === "argmax") {
      let best = 0;
      for (let i = 1; i < scores.length; i++) if (scores[i]! > scores[best]!) best = i;
      action = Float32Array.of(best);
    } else {
      const order = Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]! || a - b);
      action = Float32Array.from(order.slice(0, out.k));
    }
    const elapsed = this.now() - started;
    this.actions++;
    this.slowestMs = Math.max(this.slowestMs, elapsed);
    const budget = this.options.timeBudgetMs ?? 50;
    if (elapsed > budget) {
      this.overruns++;
      if (this.overruns > (this.options.maxOverruns ?? 10))
        throw new ModelTimeoutError(this.name, this.overruns, budget);
    }
    return action;
  }

  update(): void {
    // Learned policies do not learn during a league match.
  }

  dispose(): void {
    this.model.dispose();
  }
}
