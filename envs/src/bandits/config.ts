import { Rng } from "../rng.js";
import { BanditConfigError, check, isInt } from "./errors.js";

/**
 * The bandit families. Every family draws a fresh instance (arm means, or arm parameters) from the
 * episode seed, except `lsd`, whose payoff functions are parameters of the environment (the oracle
 * is searched once per environment) and whose seed drives only the Bernoulli draws.
 */
export type BanditKind = "bernoulli" | "gaussian" | "switching" | "drifting" | "lsd" | "contextual";

interface BanditConfigBase {
  /** K, the number of arms. */
  numArms: number;
  /** Pulls per episode; the episode terminates at the horizon. Defaults to 1,000. */
  horizon?: number;
}

/** Stationary Bernoulli arms; means fixed by `means`, otherwise drawn U(0, 1) per episode. */
export interface BernoulliBanditConfig extends BanditConfigBase {
  kind: "bernoulli";
  means?: readonly number[];
}

/** Stationary Gaussian arms N(mean, sigma²); means fixed by `means`, otherwise drawn N(0, 1). */
export interface GaussianBanditConfig extends BanditConfigBase {
  kind: "gaussian";
  means?: readonly number[];
  /** Reward noise standard deviation, known to agents. Defaults to 1. */
  sigma?: number;
}

/** Piecewise-stationary Bernoulli arms: each step, with probability `hazard`, every mean is redrawn U(0, 1). */
export interface SwitchingBanditConfig extends BanditConfigBase {
  kind: "switching";
  /** Probability per step of an abrupt change. Defaults to 1/250. */
  hazard?: number;
}

/** Bernoulli arms whose means follow reflected random walks in [0, 1], increments U(-drift, drift). */
export interface DriftingBanditConfig extends BanditConfigBase {
  kind: "drifting";
  /** Largest change of a mean per step. Defaults to 0.02. */
  drift?: number;
}

/**
 * Last-switch-dependent Bernoulli arms (Laforgue, Clerici, d'Alché-Buc and Garivier, "A Last
 * Switch Dependent Analysis of Satiation and Seasonality in Bandits", AISTATS 2022; monotone
 * payoffs as in Foussoul, Goyal, Papadigenopoulos and Zeevi, "Last Switch Dependent Bandits with
 * Monotone Payoff Functions", 2023). τ_k counts the rounds since the last switch to or from arm k,
 * capped at `tauMax`:
 * - pulling the arm played last, after n consecutive pulls, pays `stay[k][min(n, tauMax) - 1]`
 *   (satiation: non-increasing in n);
 * - pulling any other arm, left m rounds ago (never pulled: m = tauMax), pays
 *   `rest[k][min(m, tauMax) - 1]` (deprivation or recharging: non-decreasing in m).
 */
export interface LsdBanditConfig extends BanditConfigBase {
  kind: "lsd";
  tauMax: number;
  stay: readonly (readonly number[])[];
  rest: readonly (readonly number[])[];
  /** Longest cycle the oracle's exhaustive search tries; defaults to the longest that fits 200,000 cycles. */
  maxCycleLength?: number;
}

/**
 * Linear contextual arms (disjoint model): each step a context x ~ N(0, I_d / d) is shown, arm k pays
 * θ_k·x + N(0, sigma²), with θ_k ~ N(0, I_d) drawn per episode.
 */
export interface ContextualBanditConfig extends BanditConfigBase {
  kind: "contextual";
  /** d, the context dimension. Defaults to 8. */
  contextDim?: number;
  /** Reward noise standard deviation. Defaults to 0.5. */
  sigma?: number;
}

export type BanditConfig =
  | BernoulliBanditConfig
  | GaussianBanditConfig
  | SwitchingBanditConfig
  | DriftingBanditConfig
  | LsdBanditConfig
  | ContextualBanditConfig;

/** A config with every default filled in and every value checked. */
export interface ResolvedBanditConfig {
  kind: BanditKind;
  numArms: number;
  horizon: number;
  means: Float64Array | null;
  sigma: number;
  hazard: number;
  drift: number;
  contextDim: number;
  lsd: LsdModel | null;
}

/** LSD payoff tables flattened: `stay[k * tauMax + n - 1]`, `rest[k * tauMax + m - 1]`. */
export interface LsdModel {
  numArms: number;
  tauMax: number;
  stay: Float64Array;
  rest: Float64Array;
  maxCycleLength: number;
}

export const DEFAULT_HORIZON = 1000;
const KINDS: readonly BanditKind[] = ["bernoulli", "gaussian", "switching", "drifting", "lsd", "contextual"];

export function resolveBanditConfig(config: BanditConfig): ResolvedBanditConfig {
  check(KINDS.includes(config.kind), "kind", `one of ${KINDS.join(", ")}`, config.kind);
  const K = config.numArms;
  check(isInt(K, 2, 1_000_000), "K (numArms)", "an integer >= 2", K);
  const horizon = config.horizon ?? DEFAULT_HORIZON;
  check(isInt(horizon, 1, 1e9), "horizon", "an integer >= 1", horizon);
  const resolved: ResolvedBanditConfig = {
    kind: config.kind,
    numArms: K,
    horizon,
    means: null,
    sigma: 0,
    hazard: 0,
    drift: 0,
    contextDim: 0,
    lsd: null,
  };
  switch (config.kind) {
    case "bernoulli":
      if (config.means) {
        check(config.means.length === K, "means", `an array of K = ${K} probabilities`, config.means);
        config.means.forEach((p, k) => {
          check(Number.isFinite(p) && p >= 0 && p <= 1, `means[${k}]`, "a probability in [0, 1]", p);
        });
        resolved.means = Float64Array.from(config.means);
      }
      break;
    case "gaussian":
      if (config.means) {
        check(config.means.length === K, "means", `an array of K = ${K} numbers`, config.means);
        config.means.forEach((m, k) => {
          check(Number.isFinite(m), `means[${k}]`, "a finite number", m);
        });
        resolved.means = Float64Array.from(config.means);
      }
      resolved.sigma = config.sigma ?? 1;
      check(Number.isFinite(resolved.sigma) && resolved.sigma > 0, "sigma", "a number > 0", config.sigma);
      break;
    case "switching":
      resolved.hazard = config.hazard ?? 1 / 250;
      check(resolved.hazard >= 0 && resolved.hazard <= 1, "hazard", "a probability in [0, 1]", config.hazard);
      break;
    case "drifting":
      resolved.drift = config.drift ?? 0.02;
      check(resolved.drift >= 0 && resolved.drift <= 1, "drift", "a number in [0, 1]", config.drift);
      break;
    case "contextual":
      resolved.contextDim = config.contextDim ?? 8;
      check(isInt(resolved.contextDim, 1, 4096), "contextDim", "an integer >= 1", config.contextDim);
      resolved.sigma = config.sigma ?? 0.5;
      check(Number.isFinite(resolved.sigma) && resolved.sigma >= 0, "sigma", "a number >= 0", config.sigma);
      break;
    case "lsd":
      resolved.lsd = resolveLsd(config);
      break;
  }
  return resolved;
}

function resolveLsd(config: LsdBanditConfig): LsdModel {
  const K = config.numArms;
  const T = config.tauMax;
  check(isInt(T, 1, 10_000), "tauMax", "an integer >= 1", T);
  const stay = new Float64Array(K * T);
  const rest = new Float64Array(K * T);
  for (const [name, table, out, sign] of [
    ["stay", config.stay, stay, -1],
    ["rest", config.rest, rest, 1],
  ] as const) {
    check(Array.isArray(table) && table.length === K, name, `an array of K = ${K} payoff tables`, table);
    for (let k = 0; k < K; k++) {
      const row = table[k]!;
      check(
        Array.isArray(row) && row.length === T,
        `${name}[${k}]`,
        `an array of tauMax = ${T} payoffs`,
        row,
      );
      for (let i = 0; i < T; i++) {
        const p = row[i]!;
        check(Number.isFinite(p) && p >= 0 && p <= 1, `${name}[${k}][${i}]`, "a probability in [0, 1]", p);
        if (i > 0) {
          const ok = sign < 0 ? p <= row[i - 1]! : p >= row[i - 1]!;
          if (!ok)
            throw new BanditConfigError(
              `${name}[${k}] must be ${sign < 0 ? "non-increasing (satiation)" : "non-decreasing (recharging)"}, ` +
                `got ${row[i - 1]} then ${p} at index ${i}`,
            );
        }
        out[k * T + i] = p;
      }
    }
  }
  let maxCycleLength = config.maxCycleLength;
  if (maxCycleLength === undefined) {
    maxCycleLength = 1;
    let cycles = K;
    while (maxCycleLength < 12 && cycles + K ** (maxCycleLength + 1) <= 200_000) {
      maxCycleLength++;
      cycles += K ** maxCycleLength;
    }
  }
  check(isInt(maxCycleLength, 1, 64), "maxCycleLength", "an integer in [1, 64]", maxCycleLength);
  check(
    K ** maxCycleLength <= 5e6,
    "maxCycleLength",
    `small enough that K^length <= 5e6 (K = ${K})`,
    maxCycleLength,
  );
  return { numArms: K, tauMax: T, stay, rest, maxCycleLength };
}

/**
 * A satiating and recharging LSD instance drawn from `seed`: fresh payoff μ_k ~ U(0.3, 0.9), each
 * extra consecutive pull multiplies it by γ_k ~ U(0.55, 0.85), and rest recovers it geometrically
 * (half the gap closed per idle round).
 */
export function satiatingLsdConfig(
  numArms: number,
  tauMax: number,
  seed: number,
  horizon?: number,
): LsdBanditConfig {
  check(isInt(numArms, 2, 1_000_000), "K (numArms)", "an integer >= 2", numArms);
  check(isInt(tauMax, 1, 10_000), "tauMax", "an integer >= 1", tauMax);
  const rng = new Rng(seed, 0x15d);
  const stay: number[][] = [];
  const rest: number[][] = [];
  for (let k = 0; k < numArms; k++) {
    const mu = rng.uniform(0.3, 0.9);
    const gamma = rng.uniform(0.55, 0.85);
    stay.push(Array.from({ length: tauMax }, (_, i) => mu * gamma ** (i + 1)));
    // m = 1 (idle one round) pays μγ, the same as one more pull would have; m → ∞ pays μ.
    rest.push(Array.from({ length: tauMax }, (_, i) => mu * (1 - (1 - gamma) * 0.5 ** i)));
    rest[k]![tauMax - 1] = mu; // "never pulled" and "rested tauMax rounds" both pay the fresh payoff
  }
  return { kind: "lsd", numArms, tauMax, stay, rest, ...(horizon === undefined ? {} : { horizon }) };
}
