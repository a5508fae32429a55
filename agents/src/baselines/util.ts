import type { Rng } from "@league/envs";
import { BaselineConfigError, type BaselineParams } from "./types.js";

export function requireInt(
  params: BaselineParams,
  key: keyof BaselineParams,
  policy: string,
  min: number,
): number {
  const v = params[key];
  if (typeof v !== "number" || !Number.isInteger(v) || v < min)
    throw new BaselineConfigError(`${policy}: ${key} must be an integer >= ${min}, got ${String(v)}`);
  return v;
}

export function numberIn(
  params: BaselineParams,
  key: keyof BaselineParams,
  policy: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const v = params[key] ?? fallback;
  if (typeof v !== "number" || !(v >= min && v <= max))
    throw new BaselineConfigError(`${policy}: ${key} must be a number in [${min}, ${max}], got ${String(v)}`);
  return v;
}

/** Index of the largest value; ties go to a uniformly random one among them (reservoir sampling). */
export function argmaxRandomTie(values: ArrayLike<number>, rng: Rng): number {
  let best = 0;
  let ties = 1;
  for (let i = 1; i < values.length; i++) {
    if (values[i]! > values[best]!) {
      best = i;
      ties = 1;
    } else if (values[i] === values[best]) {
      ties++;
      if (rng.int(ties) === 0) best = i;
    }
  }
  return best;
}

/** Writes the indices of the `out.length` largest scores into `out`, best first (ties: lower index). */
export function topK(scores: ArrayLike<number>, out: Float32Array): Float32Array {
  const k = out.length;
  const best = new Float64Array(k).fill(Number.NEGATIVE_INFINITY);
  out.fill(-1);
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (s <= best[k - 1]! && out[k - 1] !== -1) continue;
    let j = k - 1;
    while (j > 0 && (best[j - 1]! < s || out[j - 1] === -1)) {
      best[j] = best[j - 1]!;
      out[j] = out[j - 1]!;
      j--;
    }
    best[j] = s;
    out[j] = i;
  }
  return out;
}

/** Gamma(shape, 1) by Marsaglia and Tsang (2000), boosted for shape < 1. */
export function sampleGamma(rng: Rng, shape: number): number {
  if (shape < 1) return sampleGamma(rng, shape + 1) * (1 - rng.float()) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng.float();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

export function sampleBeta(rng: Rng, a: number, b: number): number {
  const x = sampleGamma(rng, a);
  const y = sampleGamma(rng, b);
  return x / (x + y);
}

/** Solves nothing: keeps A⁻¹ of A = λI + Σ xxᵀ by Sherman-Morrison rank-one updates. */
export class InverseGram {
  readonly inv: Float64Array;
  private readonly tmp: Float64Array;

  constructor(
    readonly dim: number,
    lambda = 1,
  ) {
    this.inv = new Float64Array(dim * dim);
    this.tmp = new Float64Array(dim);
    for (let i = 0; i < dim; i++) this.inv[i * dim + i] = 1 / lambda;
  }

  /** xᵀ A⁻¹ x. */
  quad(x: ArrayLike<number>): number {
    const n = this.dim;
    let q = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += this.inv[i * n + j]! * x[j]!;
      q += x[i]! * s;
    }
    return q;
  }

  /** out = A⁻¹ b. */
  mul(b: ArrayLike<number>, out: Float64Array): Float64Array {
    const n = this.dim;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += this.inv[i * n + j]! * b[j]!;
      out[i] = s;
    }
    return out;
  }

  /** A ← A + xxᵀ. */
  add(x: ArrayLike<number>): void {
    const n = this.dim;
    const u = this.mul(x, this.tmp);
    let denom = 1;
    for (let i = 0; i < n; i++) denom += x[i]! * u[i]!;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) this.inv[i * n + j]! -= (u[i]! * u[j]!) / denom;
  }
}
