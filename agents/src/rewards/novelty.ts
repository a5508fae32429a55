// Intrinsic novelty by random network distillation (Burda et al. 2018): a fixed, randomly
// initialised target network embeds each observation; a predictor learns to imitate it on the
// observations it is trained on. Its error is small where the agent has been and large where it
// has not, so the error is a novelty bonus. As in the paper, observations are standardised with
// running statistics and clipped to [-5, 5] before both networks, and the bonus is divided by a
// running standard deviation so that its scale does not drift as the predictor improves.
import type * as Tf from "@tensorflow/tfjs";
import type { TfModule } from "../ppo/backend.js";
import { buildMlp } from "../ppo/network.js";
import { type AdamSnapshot, type AnnealedAdam, annealedAdam } from "../ppo/optimizer.js";
import { RunningMeanStd } from "../ppo/running-stats.js";

export interface NoveltyConfig {
  /** Length of one observation. */
  inputSize: number;
  /** Embedding size of the target network (Burda et al.: 512 on Atari; small bodies need less). */
  embeddingSize: number;
  hidden: number[];
  learningRate: number;
  /** Seeds both networks; the same seed gives the same bonus for the same training. */
  seed: number;
}

export const DEFAULT_NOVELTY_CONFIG: Omit<NoveltyConfig, "inputSize"> = {
  embeddingSize: 32,
  hidden: [64, 64],
  learningRate: 1e-3,
  seed: 1,
};

/** Everything an RND module learned or accumulated, as plain data: what a checkpoint keeps. */
export interface RndSnapshot {
  /** Weights of the target, then of the predictor, in layer order. */
  target: { shape: number[]; values: Float32Array }[];
  predictor: { shape: number[]; values: Float32Array }[];
  optimizer: AdamSnapshot;
  observationStats: { mean: number[]; var: number[]; count: number };
  bonusStats: { mean: number[]; var: number[]; count: number };
  returnStats: { mean: number[]; var: number[]; count: number };
  intrinsicReturn: number[] | null;
}

/** Observations are clipped to this many standard deviations, as in the RND paper. */
const OBS_CLIP = 5;

export class RandomNetworkDistillation {
  readonly config: NoveltyConfig;
  private readonly target: Tf.LayersModel;
  private readonly predictor: Tf.LayersModel;
  private readonly optimizer: AnnealedAdam;
  private observationStats: RunningMeanStd;
  /** Running statistics of the raw bonus (one dimension), for its normalisation. */
  private bonusStats = new RunningMeanStd(1);
  /** Running discounted intrinsic return per env and its statistics, for `rolloutNovelty`. */
  private intrinsicReturn: Float64Array | null = null;
  private returnStats = new RunningMeanStd(1);

  constructor(
    private readonly tf: TfModule,
    config: Partial<NoveltyConfig> & { inputSize: number },
  ) {
    this.config = { ...DEFAULT_NOVELTY_CONFIG, ...config };
    const { inputSize, embeddingSize, hidden, seed, learningRate } = this.config;
    if (!(Number.isInteger(inputSize) && inputSize > 0))
      throw new RangeError(`novelty: inputSize must be a positive integer, got ${inputSize}`);
    // The target's last layer at full scale, so its embedding is not nearly constant.
    this.target = buildMlp(tf, {
      inputSize,
      hidden,
      outputSize: embeddingSize,
      seed: seed * 7919,
      name: "rnd_target",
      outputScale: 20,
    });
    this.target.trainable = false;
    this.predictor = buildMlp(tf, {
      inputSize,
      hidden,
      outputSize: embeddingSize,
      seed: seed * 7919 + 17,
      name: "rnd_predictor",
    });
    this.optimizer = annealedAdam(tf, learningRate);
    this.observationStats = new RunningMeanStd(inputSize);
  }

  private input(observations: Float32Array, rows: number): Tf.Tensor2D {
    this.checkBatch(observations, rows);
    const normalised = this.observationStats.normalize(
      observations,
      rows,
      new Float32Array(rows * this.config.inputSize),
      OBS_CLIP,
    );
    return this.tf.tensor2d(normalised, [rows, this.config.inputSize]);
  }

  private checkBatch(observations: Float32Array, rows: number): void {
    if (observations.length !== rows * this.config.inputSize)
      throw new RangeError(
        `novelty: expected ${rows} observations of ${this.config.inputSize} numbers (${rows * this.config.inputSize}), got ${observations.length}`,
      );
  }

  /** The raw bonus: mean squared error of the predictor against the target, per observation. */
  rawNovelty(observations: Float32Array, rows: number): Float32Array {
    return this.tf.tidy(() => {
      const x = this.input(observations, rows);
      const error = (this.predictor.predict(x) as Tf.Tensor2D).sub(this.target.predict(x) as Tf.Tensor2D);
      return error.square().mean(1).dataSync() as Float32Array;
    });
  }

  /**
   * The bonus for a batch, divided by the running standard deviation of the bonuses seen so far
   * (updated with this batch first). Burda et al. divide by the running deviation of the
   * discounted intrinsic return, which needs each env's steps in order (`rolloutNovelty`); a bare
   * batch has no order, so the bonus's own deviation stands in: a scale that does not drift.
   */
  novelty(observations: Float32Array, rows: number): Float32Array {
    const raw = this.rawNovelty(observations, rows);
    this.bonusStats.update(raw, rows);
    const std = Math.sqrt(this.bonusStats.var[0]! + 1e-8);
    return raw.map((r) => r / std);
  }

  /**
   * The bonus of a vectorised rollout laid out step-major (row `t * envs + e` is env e at step t),
   * normalised as Burda et al. do: each env's discounted intrinsic return runs on across calls
   * with no reset at episode ends (novelty is not episodic), and the bonus is divided by the
   * running standard deviation of those returns.
   */
  rolloutNovelty(observations: Float32Array, steps: number, envs: number, gamma = 0.99): Float32Array {
    if (!(Number.isInteger(steps) && steps > 0 && Number.isInteger(envs) && envs > 0))
      throw new RangeError(`novelty: steps and envs must be positive integers, got ${steps} and ${envs}`);
    if (!(gamma >= 0 && gamma <= 1)) throw new RangeError(`novelty: gamma must be in [0, 1], got ${gamma}`);
    this.intrinsicReturn ??= new Float64Array(envs);
    if (this.intrinsicReturn.length !== envs)
      throw new RangeError(
        `novelty: this rollout has ${envs} envs, earlier ones had ${this.intrinsicReturn.length}`,
      );
    const rows = steps * envs;
    const raw = this.rawNovelty(observations, rows);
    const returns = new Float64Array(rows);
    for (let t = 0; t < steps; t++)
      for (let e = 0; e < envs; e++) {
        this.intrinsicReturn[e] = this.intrinsicReturn[e]! * gamma + raw[t * envs + e]!;
        returns[t * envs + e] = this.intrinsicReturn[e]!;
      }
    this.returnStats.update(returns, rows);
    const std = Math.sqrt(this.returnStats.var[0]! + 1e-8);
    return raw.map((r) => r / std);
  }

  /**
   * Trains the predictor on a batch (one Adam step on the mean squared error) after folding the
   * batch into the observation statistics; returns the loss before the step.
   */
  update(observations: Float32Array, rows: number): number {
    this.checkBatch(observations, rows);
    this.observationStats.update(observations, rows);
    const x = this.input(observations, rows);
    const target = this.target.predict(x) as Tf.Tensor;
    const loss = this.optimizer.minimize(
      () => (this.predictor.predict(x) as Tf.Tensor).sub(target).square().mean() as Tf.Scalar,
      true,
      this.predictor.trainableWeights.map((w) => w.read() as Tf.Variable),
    );
    const value = loss?.dataSync()[0] ?? Number.NaN;
    this.tf.dispose([x, target, loss as Tf.Tensor]);
    return value;
  }

  async snapshot(): Promise<RndSnapshot> {
    const weights = (model: Tf.LayersModel) =>
      model.getWeights().map((w) => ({ shape: w.shape.slice(), values: Float32Array.from(w.dataSync()) }));
    return {
      target: weights(this.target),
      predictor: weights(this.predictor),
      optimizer: await this.optimizer.snapshot(),
      observationStats: this.observationStats.toJSON(),
      bonusStats: this.bonusStats.toJSON(),
      returnStats: this.returnStats.toJSON(),
      intrinsicReturn: this.intrinsicReturn ? Array.from(this.intrinsicReturn) : null,
    };
  }

  /** Continues from a snapshot of a module with the same config. */
  async restore(snapshot: RndSnapshot): Promise<void> {
    const set = (model: Tf.LayersModel, weights: RndSnapshot["target"], which: string) => {
      const current = model.getWeights();
      if (
        weights.length !== current.length ||
        weights.some((w, i) => w.shape.join("x") !== current[i]!.shape.join("x"))
      )
        throw new RangeError(`novelty: the snapshot's ${which} does not fit this module's networks`);
      const tensors = weights.map((w) => this.tf.tensor(w.values, w.shape));
      model.setWeights(tensors);
      this.tf.dispose(tensors);
    };
    set(this.target, snapshot.target, "target");
    set(this.predictor, snapshot.predictor, "predictor");
    await this.optimizer.restore(snapshot.optimizer);
    this.observationStats = RunningMeanStd.fromJSON(snapshot.observationStats);
    this.bonusStats = RunningMeanStd.fromJSON(snapshot.bonusStats);
    this.returnStats = RunningMeanStd.fromJSON(snapshot.returnStats);
    this.intrinsicReturn = snapshot.intrinsicReturn ? Float64Array.from(snapshot.intrinsicReturn) : null;
  }

  dispose(): void {
    this.target.dispose();
    this.predictor.dispose();
    this.optimizer.dispose();
  }
}

/**
 * Extrinsic reward plus a weighted novelty bonus, reported per component as every combined
 * reward is: `total[i] = extrinsic[i] + coef * novelty[i]`.
 */
export function addNovelty(
  extrinsic: Float32Array,
  novelty: Float32Array,
  coef: number,
): { total: Float32Array; components: { extrinsic: Float32Array; novelty: Float32Array } } {
  if (extrinsic.length !== novelty.length)
    throw new RangeError(
      `novelty: ${extrinsic.length} extrinsic rewards but ${novelty.length} novelty bonuses`,
    );
  const weighted = novelty.map((n) => coef * n);
  const total = extrinsic.map((r, i) => r + weighted[i]!);
  return { total, components: { extrinsic, novelty: weighted } };
}
