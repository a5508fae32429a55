// A trained model as a player: observation → standardised input → logits → action, within a
// time budget per action. The league's match runner drives it like any baseline.
import type * as Tf from "@tensorflow/tfjs";
import type { BaselinePolicy } from "../baselines/types.js";
import type { TfRuntime } from "./backend.js";

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
  private readonly now: () => number;

  constructor(
    private readonly runtime: TfRuntime,
    private readonly model: Tf.LayersModel,
    private readonly options: ModelPolicyOptions,
  ) {
    this.name = options.name;
    const inputShape = model.inputs[0]?.shape;
    this.input = new Float32Array(Number(inputShape?.[1] ?? 0));
    this.now = options.now ?? (() => performance.now());
  }

  reset(_seed: number): void {
    // A trained policy carries no state between episodes; the model is deterministic (argmax).
  }

  /** The model's raw outputs for one observation. */
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
    return tf.tidy(
      () =>
        (
          this.model.predict(tf.tensor2d(this.input, [1, this.input.length])) as Tf.Tensor
        ).dataSync() as Float32Array,
    );
  }

  act(observation: Float32Array): Float32Array {
    const started = this.now();
    const scores = this.logits(observation);
    const out = this.options.output;
    let action: Float32Array;
    if (out.kind === "argmax") {
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
