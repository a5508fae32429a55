/**
 * Running mean and variance per dimension, merged batch by batch (Chan et al.'s parallel
 * algorithm, as in CleanRL's RunningMeanStd); used to standardise observations and returns.
 */
export class RunningMeanStd {
  readonly mean: Float64Array;
  readonly var: Float64Array;
  count: number;

  constructor(
    readonly size: number,
    epsilon = 1e-4,
  ) {
    this.mean = new Float64Array(size);
    this.var = new Float64Array(size).fill(1);
    this.count = epsilon;
  }

  /** Adds `rows` rows of `size` numbers each, row-major. */
  update(batch: ArrayLike<number>, rows: number): void {
    if (rows === 0) return;
    const { size } = this;
    for (let d = 0; d < size; d++) {
      let sum = 0;
      for (let r = 0; r < rows; r++) sum += batch[r * size + d]!;
      const batchMean = sum / rows;
      let sq = 0;
      for (let r = 0; r < rows; r++) sq += (batch[r * size + d]! - batchMean) ** 2;
      const batchVar = sq / rows;
      const delta = batchMean - this.mean[d]!;
      const total = this.count + rows;
      this.mean[d] = this.mean[d]! + (delta * rows) / total;
      const m2 = this.var[d]! * this.count + batchVar * rows + (delta * delta * this.count * rows) / total;
      this.var[d] = m2 / total;
    }
    this.count += rows;
  }

  /** Standardises `rows` rows in place into `out`, clipped to ±clip. */
  normalize(input: ArrayLike<number>, rows: number, out: Float32Array, clip = 10): Float32Array {
    const { size } = this;
    for (let r = 0; r < rows; r++) {
      for (let d = 0; d < size; d++) {
        const z = (input[r * size + d]! - this.mean[d]!) / Math.sqrt(this.var[d]! + 1e-8);
        out[r * size + d] = Math.min(clip, Math.max(-clip, z));
      }
    }
    return out;
  }

  toJSON(): { mean: number[]; var: number[]; count: number } {
    return { mean: Array.from(this.mean), var: Array.from(this.var), count: this.count };
  }

  static fromJSON(json: { mean: number[]; var: number[]; count: number }): RunningMeanStd {
    const stats = new RunningMeanStd(json.mean.length);
    stats.mean.set(json.mean);
    stats.var.set(json.var);
    stats.count = json.count;
    return stats;
  }
}
