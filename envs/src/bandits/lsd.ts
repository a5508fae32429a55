import type { LsdModel } from "./config.js";

/**
 * Expected payoff of pulling `arm` at step `t` given the player's history, summarised by the arm
 * played last, how many times in a row (`run`), and when `arm` was last pulled (-1: never).
 */
export function lsdPayoff(
  model: LsdModel,
  arm: number,
  t: number,
  lastArm: number,
  run: number,
  lastPull: number,
): number {
  const T = model.tauMax;
  if (arm === lastArm) return model.stay[arm * T + Math.min(run, T) - 1]!;
  const idle = lastPull < 0 ? T : Math.min(t - lastPull - 1, T);
  return model.rest[arm * T + idle - 1]!;
}

/** The oracle an LSD environment measures regret against. */
export interface LsdOracle {
  /** true: the optimal plan by dynamic programming; false: the best cyclic schedule found. */
  exact: boolean;
  /** The arms the oracle pulls: the whole plan (exact), or one period of the cycle, repeated. */
  cycle: number[];
  /** Mean payoff per step: of the plan (exact) or the cycle's long-run rate. */
  rate: number;
  /** Expected payoff of the oracle at each step of an episode, played from the fresh state. */
  perStep: Float64Array;
  /** Sum of `perStep`: the oracle's expected episode return. */
  episodeReturn: number;
}

/** Plays `sequence(t)` from the fresh state for `steps` steps, writing expected payoffs into `out`. */
function playSchedule(
  model: LsdModel,
  steps: number,
  arms: ArrayLike<number>,
  out: Float64Array | null,
): number {
  const lastPull = new Int32Array(model.numArms).fill(-1);
  let lastArm = -1;
  let run = 0;
  let total = 0;
  const L = arms.length;
  for (let t = 0; t < steps; t++) {
    const arm = arms[t % L]!;
    const p = lsdPayoff(model, arm, t, lastArm, run, lastPull[arm]!);
    if (out) out[t] = p;
    total += p;
    run = arm === lastArm ? run + 1 : 1;
    lastArm = arm;
    lastPull[arm] = t;
  }
  return total;
}

/**
 * The fallback oracle for instances too big for dynamic programming: exhaustive search over every cycle of arms of length 1 … `model.maxCycleLength` (K + K² + … cycles),
 * scoring each by its long-run mean payoff (measured over one period after a warm-up long enough for
 * every capped counter to become periodic). The best cycle's rotation with the highest return from
 * the fresh state over `horizon` steps is the oracle. Exact for the best cyclic schedule of that
 * length, not the optimal non-cyclic plan (computing that is NP-hard): an agent may beat it slightly,
 * so LSD regret can be negative.
 */
export function lsdCycleOracle(model: LsdModel, horizon: number): LsdOracle {
  const K = model.numArms;
  const tauMax = model.tauMax;
  let bestRate = -1;
  let best: number[] = [0];
  const lastPull = new Int32Array(K);
  for (let L = 1; L <= model.maxCycleLength; L++) {
    const digits = new Int32Array(L);
    const warmup = (Math.ceil((tauMax + 1) / L) + 1) * L;
    for (;;) {
      lastPull.fill(-1);
      let lastArm = -1;
      let run = 0;
      let sum = 0;
      for (let t = 0; t < warmup + L; t++) {
        const arm = digits[t % L]!;
        const p = lsdPayoff(model, arm, t, lastArm, run, lastPull[arm]!);
        if (t >= warmup) sum += p;
        run = arm === lastArm ? run + 1 : 1;
        lastArm = arm;
        lastPull[arm] = t;
      }
      const rate = sum / L;
      if (rate > bestRate + 1e-12) {
        bestRate = rate;
        best = Array.from(digits);
      }
      let i = 0;
      while (i < L && ++digits[i]! === K) digits[i++] = 0;
      if (i === L) break;
    }
  }
  let bestCycle = best;
  let bestReturn = Number.NEGATIVE_INFINITY;
  for (let r = 0; r < best.length; r++) {
    const rotated = [...best.slice(r), ...best.slice(0, r)];
    const ret = playSchedule(model, horizon, rotated, null);
    if (ret > bestReturn) {
      bestReturn = ret;
      bestCycle = rotated;
    }
  }
  const perStep = new Float64Array(horizon);
  const episodeReturn = playSchedule(model, horizon, bestCycle, perStep);
  return { exact: false, cycle: bestCycle, rate: bestRate, perStep, episodeReturn };
}

/** Most states × horizon the exact dynamic programme may visit (its decision table is that big). */
const EXACT_BUDGET = 4_000_000;

/**
 * The optimal plan by backward dynamic programming, when the state space is small enough. The
 * state before a pull: the arm pulled last (or none), its run length (capped at τ_max) and every
 * other arm's idle time (capped at τ_max): (K + 1) · τ_max^(K+1) states. Null when too big.
 */
export function lsdExactOracle(model: LsdModel, horizon: number): LsdOracle | null {
  const K = model.numArms;
  const tau = model.tauMax;
  const powK = tau ** K;
  const numStates = (K + 1) * tau * powK;
  if (!(numStates * horizon <= EXACT_BUDGET)) return null;
  const pow = Array.from({ length: K }, (_, j) => tau ** j);
  // Decode/encode: state = (a * tau + (r - 1)) * powK + Σ_j (idle_j - 1) * tau^j.
  const nextState = new Int32Array(numStates * K);
  const payoff = new Float64Array(numStates * K);
  const idle = new Int32Array(K);
  for (let s = 0; s < numStates; s++) {
    const a = Math.floor(s / (tau * powK));
    const r = (Math.floor(s / powK) % tau) + 1;
    let rest = s % powK;
    for (let j = 0; j < K; j++) {
      idle[j] = (rest % tau) + 1;
      rest = Math.floor(rest / tau);
    }
    for (let k = 0; k < K; k++) {
      payoff[s * K + k] = k === a ? model.stay[k * tau + r - 1]! : model.rest[k * tau + idle[k]! - 1]!;
      const r2 = k === a ? Math.min(r + 1, tau) : 1;
      let code = 0;
      for (let j = 0; j < K; j++) {
        const m = j === k ? 1 : j === a ? 1 : Math.min(idle[j]! + 1, tau);
        code += (m - 1) * pow[j]!;
      }
      nextState[s * K + k] = (k * tau + r2 - 1) * powK + code;
    }
  }
  let value = new Float64Array(numStates);
  let next = new Float64Array(numStates);
  const choice = new Uint16Array(numStates * horizon);
  for (let t = horizon - 1; t >= 0; t--) {
    for (let s = 0; s < numStates; s++) {
      let best = Number.NEGATIVE_INFINITY;
      let arg = 0;
      for (let k = 0; k < K; k++) {
        const v = payoff[s * K + k]! + value[nextState[s * K + k]!]!;
        if (v > best + 1e-12) {
          best = v;
          arg = k;
        }
      }
      next[s] = best;
      choice[t * numStates + s] = arg;
    }
    [value, next] = [next, value];
  }
  // The fresh state: no arm pulled last (a = K), every arm rested tau_max.
  let s = (K * tau + 0) * powK + (powK - 1);
  const perStep = new Float64Array(horizon);
  const plan: number[] = [];
  let total = 0;
  for (let t = 0; t < horizon; t++) {
    const k = choice[t * numStates + s]!;
    plan.push(k);
    perStep[t] = payoff[s * K + k]!;
    total += perStep[t]!;
    s = nextState[s * K + k]!;
  }
  return { exact: true, cycle: plan, rate: total / horizon, perStep, episodeReturn: total };
}

/**
 * The LSD oracle: the exact optimal plan when the state space is small (`lsdExactOracle`),
 * otherwise the best cyclic schedule (`lsdCycleOracle`, below the true optimum at most by what a
 * non-cyclic plan gains).
 */
export function lsdOracle(model: LsdModel, horizon: number): LsdOracle {
  return lsdExactOracle(model, horizon) ?? lsdCycleOracle(model, horizon);
}
