// How far apart two reward functions are, independently of potential shaping and positive
// scaling (which leave optimal policies unchanged), on tabular rewards R[s][a][s']: EPIC (Gleave et
// al. 2020) needs only coverage distributions over states and actions; STARC (Skalse et al. 2023)
// levels each reward by its own values under a policy, so it also needs the dynamics.

export interface TabularReward {
  numStates: number;
  numActions: number;
  /** R(s, a, s') at index (s * numActions + a) * numStates + s'. */
  values: Float64Array;
}

const at = (r: TabularReward, s: number, a: number, next: number) =>
  r.values[(s * r.numActions + a) * r.numStates + next]!;

/**
 * Canonicalised reward C(R)(s,a,s') = R(s,a,s') + E[γR(s',A,S') − R(s,A,S') − γR(S,A,S')],
 * S, S' ~ `states` and A ~ `actions` independently: it removes any potential shaping.
 */
export function canonicalize(
  r: TabularReward,
  gamma: number,
  states: ArrayLike<number>,
  actions: ArrayLike<number>,
): Float64Array {
  const { numStates: S, numActions: A } = r;
  // E_{A,S'}[R(x, A, S')] for every x, and E_{S,A,S'}[R].
  const fromState = new Float64Array(S);
  let overall = 0;
  for (let x = 0; x < S; x++) {
    let e = 0;
    for (let a = 0; a < A; a++) for (let y = 0; y < S; y++) e += actions[a]! * states[y]! * at(r, x, a, y);
    fromState[x] = e;
    overall += states[x]! * e;
  }
  const out = new Float64Array(r.values.length);
  for (let s = 0; s < S; s++) {
    for (let a = 0; a < A; a++) {
      for (let next = 0; next < S; next++) {
        out[(s * A + a) * S + next] =
          at(r, s, a, next) + gamma * fromState[next]! - fromState[s]! - gamma * overall;
      }
    }
  }
  return out;
}

/** Weights of each transition under the coverage distributions. */
function weights(r: TabularReward, states: ArrayLike<number>, actions: ArrayLike<number>): Float64Array {
  const w = new Float64Array(r.values.length);
  for (let s = 0; s < r.numStates; s++)
    for (let a = 0; a < r.numActions; a++)
      for (let n = 0; n < r.numStates; n++)
        w[(s * r.numActions + a) * r.numStates + n] = states[s]! * actions[a]! * states[n]!;
  return w;
}

/** EPIC: the Pearson distance sqrt((1 − ρ) / 2) between canonicalised rewards, in [0, 1]. */
export function epicDistance(
  r1: TabularReward,
  r2: TabularReward,
  gamma: number,
  states: ArrayLike<number>,
  actions: ArrayLike<number>,
): number {
  const c1 = canonicalize(r1, gamma, states, actions);
  const c2 = canonicalize(r2, gamma, states, actions);
  const w = weights(r1, states, actions);
  let m1 = 0;
  let m2 = 0;
  for (let i = 0; i < w.length; i++) {
    m1 += w[i]! * c1[i]!;
    m2 += w[i]! * c2[i]!;
  }
  let cov = 0;
  let v1 = 0;
  let v2 = 0;
  for (let i = 0; i < w.length; i++) {
    cov += w[i]! * (c1[i]! - m1) * (c2[i]! - m2);
    v1 += w[i]! * (c1[i]! - m1) ** 2;
    v2 += w[i]! * (c2[i]! - m2) ** 2;
  }
  if (v1 === 0 || v2 === 0) return v1 === v2 ? 0 : 1 / Math.SQRT2;
  const rho = Math.max(-1, Math.min(1, cov / Math.sqrt(v1 * v2)));
  return Math.sqrt((1 - rho) / 2);
}

/**
 * The dynamics STARC needs (EPIC does not): τ(s' | s, a) at index (s * numActions + a) * numStates + s'
 * (each (s, a) row sums to 1), the discount, and the policy π(a | s) at s * numActions + a whose
 * values level the reward.
 */
export interface TabularMdp {
  numStates: number;
  numActions: number;
  transitions: Float64Array;
  gamma: number;
}

/**
 * V^π of a reward: the solution of (I − γ P_π) V = r_π, with r_π(s) = Σ_a π(a|s) Σ_s' τ(s'|s,a) R(s,a,s')
 * and P_π(s, s') = Σ_a π(a|s) τ(s'|s,a). Gaussian elimination with partial pivoting: tabular MDPs are small.
 */
export function policyValue(r: TabularReward, mdp: TabularMdp, policy: ArrayLike<number>): Float64Array {
  const { numStates: S, numActions: A, transitions: tau, gamma } = mdp;
  if (r.numStates !== S || r.numActions !== A)
    throw new RangeError(`STARC: reward is ${r.numStates}×${r.numActions}, the MDP ${S}×${A}`);
  if (policy.length !== S * A)
    throw new RangeError(`STARC: policy holds ${policy.length} numbers, expected ${S * A}`);
  if (!(gamma >= 0 && gamma < 1)) throw new RangeError(`STARC: gamma must be in [0, 1), got ${gamma}`);
  // Augmented matrix [I − γP_π | r_π], row-major, S rows of S + 1.
  const m = new Float64Array(S * (S + 1));
  for (let s = 0; s < S; s++) {
    m[s * (S + 1) + s] = 1;
    for (let a = 0; a < A; a++) {
      const p = policy[s * A + a]!;
      if (p === 0) continue;
      for (let n = 0; n < S; n++) {
        const t = tau[(s * A + a) * S + n]!;
        m[s * (S + 1) + n]! -= gamma * p * t;
        m[s * (S + 1) + S]! += p * t * at(r, s, a, n);
      }
    }
  }
  for (let col = 0; col < S; col++) {
    let pivot = col;
    for (let row = col + 1; row < S; row++)
      if (Math.abs(m[row * (S + 1) + col]!) > Math.abs(m[pivot * (S + 1) + col]!)) pivot = row;
    if (pivot !== col)
      for (let k = 0; k <= S; k++) {
        const x = m[col * (S + 1) + k]!;
        m[col * (S + 1) + k] = m[pivot * (S + 1) + k]!;
        m[pivot * (S + 1) + k] = x;
      }
    const d = m[col * (S + 1) + col]!;
    for (let row = 0; row < S; row++) {
      if (row === col) continue;
      const f = m[row * (S + 1) + col]! / d;
      if (f !== 0) for (let k = col; k <= S; k++) m[row * (S + 1) + k]! -= f * m[col * (S + 1) + k]!;
    }
  }
  return Float64Array.from({ length: S }, (_, s) => m[s * (S + 1) + S]! / m[s * (S + 1) + s]!);
}

/**
 * STARC's value-adjusted levelling (Skalse et al. 2023): c(R)(s,a,s') = E_{S'~τ(s,a)}[R(s,a,S') + γV^π(S')] − V^π(s),
 * V^π computed under R itself: the advantage A^π_R(s, a), the same for every s'. It removes potential
 * shaping and anything R pays on transitions τ never makes (S'-redistribution), which EPIC keeps.
 */
export function valueAdjustedLevelling(
  r: TabularReward,
  mdp: TabularMdp,
  policy: ArrayLike<number>,
): Float64Array {
  const { numStates: S, numActions: A, transitions: tau, gamma } = mdp;
  const v = policyValue(r, mdp, policy);
  const out = new Float64Array(S * A * S);
  for (let s = 0; s < S; s++)
    for (let a = 0; a < A; a++) {
      let q = 0;
      for (let n = 0; n < S; n++) {
        const t = tau[(s * A + a) * S + n]!;
        if (t !== 0) q += t * (at(r, s, a, n) + gamma * v[n]!);
      }
      out.fill(q - v[s]!, (s * A + a) * S, (s * A + a + 1) * S);
    }
  return out;
}

/** Scales to unit L2 norm (over every (s, a, s')); the zero reward stays zero, as in the paper. */
function unitNorm(c: Float64Array): Float64Array {
  let norm = 0;
  for (const x of c) norm += x * x;
  norm = Math.sqrt(norm);
  return norm === 0 ? c : c.map((x) => x / norm);
}

/**
 * STARC distance (Skalse et al. 2023): canonicalise by value-adjusted levelling under `policy`,
 * normalise to unit L2 norm, then the L2 distance of the two, halved so that it lies in [0, 1]
 * (0: the same ordering of policies; 1: the opposite one).
 */
export function starcDistance(
  r1: TabularReward,
  r2: TabularReward,
  mdp: TabularMdp,
  policy: ArrayLike<number>,
): number {
  const a = unitNorm(valueAdjustedLevelling(r1, mdp, policy));
  const b = unitNorm(valueAdjustedLevelling(r2, mdp, policy));
  let d = 0;
  for (let i = 0; i < a.length; i++) d += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(d) / 2;
}
