// Seeded randomness for every environment: xoshiro128** (Blackman and Vigna) seeded by SplitMix32.
// 32-bit integer arithmetic only, so results are identical on every JavaScript engine, and the
// state is four uint32 words, so a vectorised runner keeps one per instance in a Uint32Array.

const TWO_POW_32 = 4294967296;

function splitMix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Writes the state for `seed` (and an optional stream, e.g. the instance index) at `state[offset..offset+4)`. */
export function seedRngState(state: Uint32Array, offset: number, seed: number, stream = 0): void {
  // Mix both halves of a seed up to 2^53 so that nearby seeds give unrelated streams.
  let x = splitMix32(
    (seed >>> 0) ^ splitMix32(Math.floor(seed / TWO_POW_32) ^ Math.imul(stream, 0x632be5ab)),
  );
  for (let i = 0; i < 4; i++) {
    x = splitMix32(x + i);
    state[offset + i] = x;
  }
  // The all-zero state is the one state xoshiro cannot leave.
  if ((state[offset]! | state[offset + 1]! | state[offset + 2]! | state[offset + 3]!) === 0)
    state[offset] = 1;
}

/** Next uint32 from the state at `offset`, advancing it. */
export function nextUint32(state: Uint32Array, offset: number): number {
  const s0 = state[offset]!;
  const s1 = state[offset + 1]!;
  const s2 = state[offset + 2]!;
  const s3 = state[offset + 3]!;
  const t = (s1 << 9) >>> 0;
  const r5 = Math.imul(s1, 5);
  const result = Math.imul((r5 << 7) | (r5 >>> 25), 9) >>> 0;
  const n2 = (s2 ^ s0) >>> 0;
  const n3 = (s3 ^ s1) >>> 0;
  state[offset + 1] = s1 ^ n2;
  state[offset] = s0 ^ n3;
  state[offset + 2] = n2 ^ t;
  state[offset + 3] = (n3 << 11) | (n3 >>> 21);
  return result;
}

/** Uniform in [0, 1) with 32 bits of resolution. */
export function nextFloat(state: Uint32Array, offset: number): number {
  return nextUint32(state, offset) / TWO_POW_32;
}

/** A single random stream: the convenient form of the functions above. */
export class Rng {
  readonly state = new Uint32Array(4);

  constructor(seed: number, stream = 0) {
    seedRngState(this.state, 0, seed, stream);
  }

  uint32(): number {
    return nextUint32(this.state, 0);
  }

  /** Uniform in [0, 1). */
  float(): number {
    return nextFloat(this.state, 0);
  }

  /** Uniform in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.float();
  }

  /** Uniform integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!(n >= 1 && n <= TWO_POW_32 && Number.isInteger(n)))
      throw new RangeError(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const x = this.uint32();
      if (x < limit) return x % n;
    }
  }

  /** Standard normal (Box-Muller; one of the pair is dropped to keep the stream stateless). */
  normal(mean = 0, std = 1): number {
    const u = 1 - this.float(); // (0, 1]: log(0) never happens
    const v = this.float();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  bernoulli(p: number): boolean {
    return this.float() < p;
  }

  /** Index drawn with probability proportional to `weights` (non-negative, not all zero). */
  weighted(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i]!;
    if (!(total > 0)) throw new RangeError("Rng.weighted: weights must be non-negative and not all zero");
    let x = this.float() * total;
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i]!;
      if (x < 0) return i;
    }
    return weights.length - 1;
  }
}
