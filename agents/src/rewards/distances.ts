// How far apart two reward functions are, independently of potential shaping and positive
// scaling (which leave optimal policies unchanged): EPIC (Gleave et al. 2020) and a STARC-style
// distance, on tabular rewards R[s][a][s'] with coverage distributions over states and actions.

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

/** STARC-style: canonicalise, normalise to unit weighted L2 norm, then the weighted L2 distance / 2, in [0, 1]. */
export function starcDistance(
  r1: TabularReward,
  r2: TabularReward,
  gamma: number,
  states: ArrayLike<number>,
  actions: ArrayLike<number>,
): number {
  const w = weights(r1, states, actions);
  const normalised = (r: TabularReward) => {
    const c = canonicalize(r, gamma, states, actions);
    let norm = 0;
    for (let i = 0; i < c.length; i++) norm += w[i]! * c[i]! ** 2;
    norm = Math.sqrt(norm);
    return norm === 0 ? c : c.map((x) => x / norm);
  };
  const a = normalised(r1);
  const b = normalised(r2);
  let d = 0;
  for (let i = 0; i < a.length; i++) d += w[i]! * (a[i]! - b[i]!) ** 2;
  return Math.sqrt(d) / 2;
}
