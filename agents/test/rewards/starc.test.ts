import { describe, expect, it } from "vitest";
import {
  epicDistance,
  policyValue,
  starcDistance,
  type TabularMdp,
  type TabularReward,
  valueAdjustedLevelling,
} from "../../src/rewards/index.js";

// A two-state MDP worked by hand: action a moves to state a (deterministically), γ = 1/2, and
// STARC levels under the uniform policy π(a|s) = 1/2. EPIC's coverage is uniform over states
// and actions, so it also weighs the transitions τ never makes (s' ≠ a); STARC does not.
const S = 2;
const A = 2;
const mdp: TabularMdp = {
  numStates: S,
  numActions: A,
  gamma: 0.5,
  transitions: Float64Array.from({ length: S * A * S }, (_, i) => (i % S === Math.floor(i / S) % A ? 1 : 0)),
};
const uniformPolicy = [0.5, 0.5, 0.5, 0.5];
const uniform = [0.5, 0.5];

function reward(fn: (s: number, a: number, next: number) => number): TabularReward {
  const values = new Float64Array(S * A * S);
  for (let s = 0; s < S; s++)
    for (let a = 0; a < A; a++) for (let n = 0; n < S; n++) values[(s * A + a) * S + n] = fn(s, a, n);
  return { numStates: S, numActions: A, values };
}

/** R1: 1 for arriving in state 1. */
const arrive = reward((_s, _a, n) => (n === 1 ? 1 : 0));
/** R2: R1 plus 1 on every transition that cannot happen (s' ≠ a). */
const arrivePlusImpossible = reward((_s, a, n) => (n === 1 ? 1 : 0) + (n !== a ? 1 : 0));
/** R3: 1 for the move from state 0 to state 1 only. */
const crossing = reward((s, a) => (s === 0 && a === 1 ? 1 : 0));

/** The canonicalised reward at each (s, a), read at s' = a (it does not depend on s'). */
const perStateAction = (c: Float64Array) => [0, 1, 2, 3].map((i) => c[i * S + (i % A)]!);

describe("STARC (value-adjusted levelling) against EPIC, on a two-state MDP worked by hand", () => {
  it("levels a reward to its advantage under the policy", () => {
    // R1: r_π(s) = 1/2 everywhere, so V = (1/2) / (1 − 1/2) = 1 in both states;
    // c(s, a) = R(s, a, a) + γV(a) − V(s) = [a = 1] + 1/2 − 1 = ±1/2.
    expect(Array.from(policyValue(arrive, mdp, uniformPolicy))).toEqual([1, 1]);
    expect(perStateAction(valueAdjustedLevelling(arrive, mdp, uniformPolicy))).toEqual([
      -0.5, 0.5, -0.5, 0.5,
    ]);
    // R3: r_π = (1/2, 0); V0 = 1/2 + m/2, V1 = m/2 with m = (V0 + V1)/2 = 1/2, so V = (3/4, 1/4);
    // c(0,0) = 0 + 3/8 − 3/4 = −3/8, c(0,1) = 1 + 1/8 − 3/4 = 3/8, c(1,0) = 3/8 − 1/4 = 1/8, c(1,1) = 1/8 − 1/4 = −1/8.
    const v = policyValue(crossing, mdp, uniformPolicy);
    expect(v[0]).toBeCloseTo(0.75, 12);
    expect(v[1]).toBeCloseTo(0.25, 12);
    const c = perStateAction(valueAdjustedLevelling(crossing, mdp, uniformPolicy));
    for (const [i, x] of [-0.375, 0.375, 0.125, -0.125].entries()) expect(c[i]).toBeCloseTo(x, 12);
  });

  it("ignores what a reward pays on transitions that cannot happen, which EPIC counts", () => {
    // STARC: τ never makes s' ≠ a, so R2 levels to exactly R1's advantage: distance 0.
    expect(starcDistance(arrive, arrivePlusImpossible, mdp, uniformPolicy)).toBeCloseTo(0, 12);
    // EPIC: C(R1) = [s'=1] − 1/2 (every expectation of R1 is 1/2), C(X) = [s'≠a] − 1/2 for the extra
    // X, so over (a, s') C(R1) = (−½, ½, −½, ½) and C(R2) = (−1, 1, 0, 0), both of mean 0:
    // cov = 1/4, var1 = 1/4, var2 = 1/2, ρ = (1/4) / √(1/8) = √2/2, EPIC = √((1 − ρ)/2) = sin(π/8).
    expect(epicDistance(arrive, arrivePlusImpossible, 0.5, uniform, uniform)).toBeCloseTo(
      Math.sin(Math.PI / 8),
      12,
    );
  });

  it("sees two rewards for reaching state 1 as aligned where EPIC sees them opposed", () => {
    // STARC: (−½, ½, −½, ½) has norm 1, (−3, 3, 1, −1)/8 norm √5/4, their dot product is 1/4: the
    // cosine is 1/√5 (aligned), and the distance of the unit vectors √(2 − 2/√5) / 2 = 0.52573.
    // (Over (s, a, s') both norms gain the same √2, which the normalisation cancels.)
    expect(starcDistance(arrive, crossing, mdp, uniformPolicy)).toBeCloseTo(
      Math.sqrt(2 - 2 / Math.sqrt(5)) / 2,
      12,
    );
    // EPIC: E[R3(x, A, S')] = [x = 0]/2, overall 1/4, so C(R3) = [s=0][a=1] + [s'=0]/4 − [s=0]/2 − 1/8;
    // over its 8 transitions Σ C(R1)·C(R3) = −1/2, Σ C(R1)² = 2, Σ C(R3)² = 9/8 (both means 0),
    // ρ = −(1/2) / √(9/4) = −1/3: EPIC = √((1 + 1/3) / 2) = √(2/3) = 0.8165 — it counts R3's pay for
    // (s=0, a=1, s'=0), a move that never happens.
    expect(epicDistance(arrive, crossing, 0.5, uniform, uniform)).toBeCloseTo(Math.sqrt(2 / 3), 12);
  });

  it("rejects a policy or reward that does not fit the MDP", () => {
    expect(() => starcDistance(arrive, crossing, mdp, [1, 0])).toThrow(/policy holds 2 numbers, expected 4/);
    expect(() => policyValue(arrive, { ...mdp, gamma: 1 }, uniformPolicy)).toThrow(/gamma/);
  });
});
