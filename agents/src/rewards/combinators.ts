// Reward shapes and combinators: pure functions of numbers, documented with their ranges.

/**
 * Lucy-SKG's distance shape: exp(-0.5 · d / (c · dispersion)) ^ (1 / density), in (0, 1], 1 at d = 0.
 * `c` is the normalising speed (2300 for player-to-ball, 6000 for ball-to-goal); a larger
 * dispersion spreads the reward over longer distances, a larger density sharpens it.
 */
export function distanceShape(d: number, c: number, dispersion = 1, density = 1): number {
  if (!(c > 0 && dispersion > 0 && density > 0))
    throw new RangeError("distanceShape: c, dispersion and density must be > 0");
  return Math.exp((-0.5 * d) / (c * dispersion)) ** (1 / density);
}

/**
 * Kinesthetic reward combination (Lucy-SKG): sign · (∏ |r_i|)^(1/n), the geometric mean of the
 * magnitudes, so every term must be non-zero for any reward at all.
 * Sign rule: positive only when every term is >= 0, else negative, as the authors' code does.
 * Why: KRC is an AND of its terms, so one term going wrong (negative) turns the whole into a
 * penalty the others cannot buy off; >= 0 (not > 0) only decides a zero term's 0, which stays +0.
 */
export function krc(terms: ArrayLike<number>): number {
  const n = terms.length;
  if (n === 0) return 0;
  let product = 1;
  let allNonNegative = true;
  for (let i = 0; i < n; i++) {
    const r = terms[i]!;
    if (r < 0) allNonNegative = false;
    product *= Math.abs(r);
  }
  return (allNonNegative ? 1 : -1) * product ** (1 / n);
}

export function weightedSum(terms: ArrayLike<number>, weights: ArrayLike<number>): number {
  if (terms.length !== weights.length)
    throw new RangeError(`weightedSum: ${terms.length} terms but ${weights.length} weights`);
  let sum = 0;
  for (let i = 0; i < terms.length; i++) sum += terms[i]! * weights[i]!;
  return sum;
}

/** Potential-based shaping (Ng, Harada and Russell 1999): F = γ Φ(s') − Φ(s); Φ(s') = 0 at a terminal state. */
export function potentialShaping(
  gamma: number,
  phiBefore: number,
  phiAfter: number,
  terminal = false,
): number {
  return gamma * (terminal ? 0 : phiAfter) - phiBefore;
}

/** PAR's bounded and centred transform: σ(r − reference), in (0, 1), 0.5 at the reference. */
export function boundedCentred(reward: number, reference: number): number {
  return 1 / (1 + Math.exp(-(reward - reference)));
}

/**
 * Gated accumulation (G-RA): dense terms accumulate silently and are paid out only when the
 * outcome term reaches the threshold; the gate keeps shaping from paying for behaviour that
 * never leads to the outcome.
 */
export class GatedAccumulator {
  private pending = 0;
  /** What was pending before the last step, so that step can be redone. */
  private before = 0;

  constructor(private readonly threshold: number) {}

  /** The reward paid this step: the outcome, plus everything accumulated when the gate opens. */
  step(outcome: number, dense: number): number {
    this.before = this.pending;
    this.pending += dense;
    if (outcome >= this.threshold) {
      const paid = outcome + this.pending;
      this.pending = 0;
      return paid;
    }
    return outcome;
  }

  /** Redoes the last step with these values, as if it had been called with them instead. */
  restep(outcome: number, dense: number): number {
    this.pending = this.before;
    return this.step(outcome, dense);
  }

  reset(): void {
    this.pending = 0;
    this.before = 0;
  }
}

/**
 * Team spirit: r_i' = (1 − τ) r_i + τ · mean(own team) − mean(opponents). τ = 0 is selfish,
 * τ = 1 fully shared; subtracting the opponents' mean makes the game zero-sum between teams.
 */
export function teamSpirit(
  rewards: ArrayLike<number>,
  teams: ArrayLike<number>,
  tau: number,
  out = new Float64Array(rewards.length),
): Float64Array {
  // Called per car and per component each step: scalars, no allocation.
  let sum0 = 0;
  let sum1 = 0;
  let count0 = 0;
  let count1 = 0;
  for (let i = 0; i < rewards.length; i++) {
    if (teams[i] === 0) {
      sum0 += rewards[i]!;
      count0++;
    } else {
      sum1 += rewards[i]!;
      count1++;
    }
  }
  const mean0 = count0 ? sum0 / count0 : 0;
  const mean1 = count1 ? sum1 / count1 : 0;
  for (let i = 0; i < rewards.length; i++) {
    const first = teams[i] === 0;
    out[i] = (1 - tau) * rewards[i]! + tau * (first ? mean0 : mean1) - (first ? mean1 : mean0);
  }
  return out;
}
