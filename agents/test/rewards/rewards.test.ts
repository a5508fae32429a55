import { Rng } from "@league/envs";
import { describe, expect, it } from "vitest";
import {
  boundedCentred,
  distanceShape,
  epicDistance,
  GatedAccumulator,
  krc,
  potentialShaping,
  starcDistance,
  type TabularReward,
  teamSpirit,
  weightedSum,
} from "../../src/rewards/index.js";

describe("shapes and combinators", () => {
  it("distance shape matches hand-computed values", () => {
    expect(distanceShape(0, 2300)).toBe(1);
    // exp(-0.5 * 2300 / 2300) = e^-0.5 = 0.60653
    expect(distanceShape(2300, 2300)).toBeCloseTo(0.60653066, 7);
    // dispersion 2 halves the exponent: e^-0.25 = 0.77880; density 2 takes its square root: 0.88250
    expect(distanceShape(2300, 2300, 2)).toBeCloseTo(0.77880078, 7);
    expect(distanceShape(2300, 2300, 2, 2)).toBeCloseTo(Math.sqrt(0.77880078), 7);
    expect(() => distanceShape(1, 0)).toThrow(/must be > 0/);
  });

  it("KRC is the signed geometric mean, positive only when no term is negative", () => {
    expect(krc([0.25, 1])).toBeCloseTo(0.5, 12); // sqrt(0.25 * 1)
    expect(krc([0.5, 0.5, 0.5])).toBeCloseTo(0.5, 12);
    expect(krc([-0.25, 1])).toBeCloseTo(-0.5, 12);
    expect(krc([0, 0.9])).toBe(0); // a zero term: no reward, and no sign flip
    expect(krc([])).toBe(0);
    expect(weightedSum([1, 2], [0.5, 0.25])).toBe(1);
    expect(() => weightedSum([1], [1, 2])).toThrow(/1 terms but 2 weights/);
  });

  it("PAR, gated accumulation and team spirit follow their definitions", () => {
    expect(boundedCentred(3, 3)).toBe(0.5);
    expect(boundedCentred(5, 3)).toBeCloseTo(1 / (1 + Math.exp(-2)), 12);
    const gate = new GatedAccumulator(1);
    expect([gate.step(0, 0.2), gate.step(0, 0.3), gate.step(1, 0.1), gate.step(0, 0.4)]).toEqual([
      0, 0, 1.6, 0,
    ]);
    // Redoing the last step (nothing pending before it) with the gate open: 1 + 0.1, where a new
    // step would also pay the 0.4 it left pending.
    expect(gate.restep(1, 0.1)).toBeCloseTo(1.1, 12);
    // Two blue (0) and one orange (1): tau 0.5.
    const out = teamSpirit([1, 0, 3], [0, 0, 1], 0.5);
    expect(Array.from(out)).toEqual([0.5 * 1 + 0.5 * 0.5 - 3, 0.5 * 0.5 - 3, 0.5 * 3 + 0.5 * 3 - 0.5]);
    expect(potentialShaping(0.9, 2, 5)).toBeCloseTo(2.5, 12);
    expect(potentialShaping(0.9, 2, 5, true)).toBe(-2);
  });
});

/** A small MDP: a 6-state chain, actions left/right, reward at the right end; deterministic moves. */
const S = 6;
const A = 2;
const GAMMA = 0.9;
const nextOf = (s: number, a: number) => Math.max(0, Math.min(S - 1, s + (a === 0 ? -1 : 1)));

function reward(fn: (s: number, a: number, next: number) => number): TabularReward {
  const values = new Float64Array(S * A * S);
  for (let s = 0; s < S; s++)
    for (let a = 0; a < A; a++) for (let n = 0; n < S; n++) values[(s * A + a) * S + n] = fn(s, a, n);
  return { numStates: S, numActions: A, values };
}

/** Greedy policy of value iteration under the reward `r`. */
function optimalPolicy(r: TabularReward): number[] {
  let v = new Float64Array(S);
  const q = (s: number, a: number, values: Float64Array) => {
    const n = nextOf(s, a);
    return r.values[(s * A + a) * S + n]! + GAMMA * values[n]!;
  };
  for (let iter = 0; iter < 500; iter++) {
    const next = new Float64Array(S);
    for (let s = 0; s < S; s++) next[s] = Math.max(q(s, 0, v), q(s, 1, v));
    v = next;
  }
  return Array.from({ length: S }, (_, s) => (q(s, 1, v) >= q(s, 0, v) ? 1 : 0));
}

const goal = reward((s, _a, n) => (n === S - 1 && s !== S - 1 ? 1 : 0));
const phi = [3, -1, 4, 1, -5, 9]; // an arbitrary potential

describe("potential-based shaping (Ng, Harada and Russell 1999)", () => {
  it("leaves the optimal policy unchanged, while a bonus that is not a potential changes it", () => {
    const shaped = reward(
      (s, a, n) => goal.values[(s * A + a) * S + n]! + potentialShaping(GAMMA, phi[s]!, phi[n]!),
    );
    // A bonus for stepping left from state 2: not of the form γΦ(s') − Φ(s), so it can (and does) lure the agent.
    const lured = reward((s, a, n) => goal.values[(s * A + a) * S + n]! + (s === 2 && a === 0 ? 0.9 : 0));
    const base = optimalPolicy(goal);
    expect(base.slice(0, S - 1)).toEqual([1, 1, 1, 1, 1]);
    expect(optimalPolicy(shaped)).toEqual(base);
    expect(optimalPolicy(lured)).not.toEqual(base);
  });
});

describe("reward distances", () => {
  const uniformStates = new Array(S).fill(1 / S);
  const uniformActions = new Array(A).fill(1 / A);
  // STARC levels by values: the chain's deterministic moves and the uniform policy.
  const chain = {
    numStates: S,
    numActions: A,
    gamma: GAMMA,
    transitions: reward((s, a, n) => (n === nextOf(s, a) ? 1 : 0)).values,
  };
  const uniformPolicy = new Array(S * A).fill(1 / A);

  it("EPIC and STARC are zero for a potential-shaped, positively scaled reward, and positive for another", () => {
    const shapedScaled = reward(
      (s, a, n) => 3 * goal.values[(s * A + a) * S + n]! + potentialShaping(GAMMA, phi[s]!, phi[n]!),
    );
    expect(epicDistance(goal, shapedScaled, GAMMA, uniformStates, uniformActions)).toBeLessThan(1e-7);
    expect(starcDistance(goal, shapedScaled, chain, uniformPolicy)).toBeLessThan(1e-7);
    const leftGoal = reward((s, _a, n) => (n === 0 && s !== 0 ? 1 : 0));
    expect(epicDistance(goal, leftGoal, GAMMA, uniformStates, uniformActions)).toBeGreaterThan(0.3);
    expect(starcDistance(goal, leftGoal, chain, uniformPolicy)).toBeGreaterThan(0.3);
    // The opposite reward is as far as EPIC can measure.
    const negated = reward((s, a, n) => -goal.values[(s * A + a) * S + n]!);
    expect(epicDistance(goal, negated, GAMMA, uniformStates, uniformActions)).toBeCloseTo(1, 6);
    expect(starcDistance(goal, negated, chain, uniformPolicy)).toBeCloseTo(1, 6);
  });

  it("does not depend on which potential, on random rewards", () => {
    const rng = new Rng(9);
    const random = reward(() => rng.normal());
    const potential = Array.from({ length: S }, () => rng.normal(0, 5));
    const shaped = reward(
      (s, a, n) =>
        0.5 * random.values[(s * A + a) * S + n]! + potentialShaping(GAMMA, potential[s]!, potential[n]!),
    );
    expect(epicDistance(random, shaped, GAMMA, uniformStates, uniformActions)).toBeLessThan(1e-7);
  });
});
