import { LedgerVectorEnv } from "../episode-ledger.js";
import { nextFloat, seedRngState } from "../rng.js";
import type { EnvSpec, Space, VectorEnv } from "../spec.js";
import { type BanditConfig, type ResolvedBanditConfig, resolveBanditConfig } from "./config.js";
import { BanditActionError, check, isInt } from "./errors.js";
import { type LsdOracle, lsdOracle, lsdPayoff } from "./lsd.js";
import { normalAt } from "./random.js";

export interface BanditEngineOptions {
  /** The spec the environment reports; defaults to a generated one (`bandit-<kind>-<K>`). */
  spec?: EnvSpec;
  /** Reset an instance as soon as its episode ends (VectorEnv behaviour). Defaults to true. */
  autoReset?: boolean;
}

/** A spec for a bandit built from a bare config (the catalogue's own specs are used where they exist). */
export function banditSpec(config: ResolvedBanditConfig, base?: EnvSpec): EnvSpec {
  if (base)
    return base.maxEpisodeSteps === config.horizon ? base : { ...base, maxEpisodeSteps: config.horizon };
  return {
    id: `bandit-${config.kind}-${config.numArms}`,
    version: 1,
    family: "bandit",
    title: `${config.kind} bandit, ${config.numArms} arms`,
    description: `${config.kind} ${config.numArms}-armed bandit, ${config.horizon} pulls.`,
    numAgents: 1,
    numTeams: 1,
    tickRate: 0,
    tickSkip: 1,
    maxEpisodeSteps: config.horizon,
    matchFormat: "duplicate",
  };
}

/**
 * Size of one observation. Layouts (Float32, per instance):
 * - bernoulli, gaussian, switching, drifting: [one-hot of the last arm pulled (K; all 0 before the
 *   first pull), last reward, t / horizon] — K + 2 numbers;
 * - lsd: the same, then per arm its signed last-switch state τ_k / tauMax: +n/tauMax for the arm
 *   pulled n times in a row just now, -m/tauMax for an arm idle m rounds (never pulled: -1) — 2K + 2;
 * - contextual: the context vector x_t shown for this step — d numbers.
 */
export function banditObservationSize(config: ResolvedBanditConfig): number {
  if (config.kind === "contextual") return config.contextDim;
  if (config.kind === "lsd") return 2 * config.numArms + 2;
  return config.numArms + 2;
}

export function banditObservationSpace(config: ResolvedBanditConfig): Space {
  const bounded = config.kind !== "gaussian" && config.kind !== "contextual";
  return {
    kind: "box",
    shape: [banditObservationSize(config)],
    low: bounded ? -1 : Number.NEGATIVE_INFINITY,
    high: bounded ? 1 : Number.POSITIVE_INFINITY,
  };
}

/**
 * N bandit instances stepped together, all state in struct-of-arrays typed buffers, one xoshiro
 * stream per instance (instance e of a run seeded s starts from seedRngState(·, 4e, s, e)), nothing
 * allocated per step. Each step draws the same number of random numbers whatever arm is pulled, so
 * two agents on the same seed meet the same instance, the same changes and the same noise
 * (common random numbers: duplicate play compares agents, not luck).
 *
 * Regret is pseudo-regret, exact: the oracle's expected reward (best current arm; for LSD the
 * searched cyclic schedule, see `lsdOracle`) minus the expected reward of the arm pulled.
 */
export class BanditVectorEnv extends LedgerVectorEnv implements VectorEnv {
  readonly spec: EnvSpec;
  readonly config: ResolvedBanditConfig;
  readonly numEnvs: number;
  readonly numAgents = 1;
  readonly observationSize: number;
  readonly actionSize = 1;
  readonly observations: Float32Array;
  readonly lastArms: Int32Array;
  /** Current arm means (numEnvs × K) for the Bernoulli, Gaussian, switching and drifting families. */
  readonly means: Float64Array;
  /** Arm parameters θ (numEnvs × K × d) and the context shown now (numEnvs × d), contextual family. */
  readonly theta: Float64Array;
  readonly contexts: Float64Array;
  /** The LSD oracle (searched once: the payoff tables are parameters, not drawn per episode). */
  readonly lsdOracle: LsdOracle | null;

  private readonly rngState: Uint32Array;
  private readonly lastRewards: Float32Array;
  private readonly runLengths: Int32Array;
  private readonly lastPulls: Int32Array;

  constructor(config: BanditConfig, numEnvs: number, options: BanditEngineOptions = {}) {
    check(isInt(numEnvs, 1, 1 << 24), "numEnvs", "an integer >= 1", numEnvs);
    const c = resolveBanditConfig(config);
    super(numEnvs, c.horizon, options.autoReset ?? true);
    this.config = c;
    this.spec = banditSpec(c, options.spec);
    this.numEnvs = numEnvs;
    const K = c.numArms;
    this.observationSize = banditObservationSize(c);
    this.observations = new Float32Array(numEnvs * this.observationSize);
    this.lastArms = new Int32Array(numEnvs);
    this.lastRewards = new Float32Array(numEnvs);
    this.rngState = new Uint32Array(numEnvs * 4);
    const stateful = c.kind === "contextual" || c.kind === "lsd";
    this.means = new Float64Array(stateful ? 0 : numEnvs * K);
    this.theta = new Float64Array(c.kind === "contextual" ? numEnvs * K * c.contextDim : 0);
    this.contexts = new Float64Array(c.kind === "contextual" ? numEnvs * c.contextDim : 0);
    this.runLengths = new Int32Array(c.kind === "lsd" ? numEnvs : 0);
    this.lastPulls = new Int32Array(c.kind === "lsd" ? numEnvs * K : 0);
    this.lsdOracle = c.lsd ? lsdOracle(c.lsd, c.horizon) : null;
  }

  get observationSpace(): Space {
    return banditObservationSpace(this.config);
  }

  step(actions: Float32Array): void {
    this.checkStarted();
    if (actions.length < this.numEnvs)
      throw new BanditActionError(`actions must hold numEnvs = ${this.numEnvs} arms, got ${actions.length}`);
    const K = this.config.numArms;
    for (let e = 0; e < this.numEnvs; e++) {
      const arm = actions[e]!;
      if (!(arm >= 0 && arm < K && Number.isInteger(arm)))
        throw new BanditActionError(`action of instance ${e} must be an arm index in [0, ${K}), got ${arm}`);
      this.checkRunning(e);
      this.stepInstance(e, arm);
    }
  }

  protected override resetInstance(e: number, seed: number, stream: number): void {
    const c = this.config;
    const K = c.numArms;
    const rng = this.rngState;
    const o = e * 4;
    seedRngState(rng, o, seed, stream);
    this.startEpisode(e);
    this.lastArms[e] = -1;
    this.lastRewards[e] = 0;
    switch (c.kind) {
      case "bernoulli":
      case "gaussian":
      case "switching":
      case "drifting":
        for (let k = 0; k < K; k++) {
          this.means[e * K + k] = c.means
            ? c.means[k]!
            : c.kind === "gaussian"
              ? normalAt(rng, o)
              : nextFloat(rng, o);
        }
        break;
      case "lsd":
        this.runLengths[e] = 0;
        this.lastPulls.fill(-1, e * K, (e + 1) * K);
        break;
      case "contextual": {
        const d = c.contextDim;
        for (let i = e * K * d; i < (e + 1) * K * d; i++) this.theta[i] = normalAt(rng, o);
        this.drawContext(e);
        break;
      }
    }
    this.writeObservation(e);
  }

  private drawContext(e: number): void {
    const d = this.config.contextDim;
    const scale = 1 / Math.sqrt(d);
    for (let i = e * d; i < (e + 1) * d; i++) this.contexts[i] = scale * normalAt(this.rngState, e * 4);
  }

  private armValue(e: number, arm: number): number {
    const d = this.config.contextDim;
    const th = (e * this.config.numArms + arm) * d;
    let v = 0;
    for (let i = 0; i < d; i++) v += this.theta[th + i]! * this.contexts[e * d + i]!;
    return v;
  }

  private stepInstance(e: number, arm: number): void {
    const c = this.config;
    const K = c.numArms;
    const rng = this.rngState;
    const o = e * 4;
    const t = this.steps[e]!;
    let expected: number;
    let oracle: number;
    let reward: number;
    switch (c.kind) {
      case "bernoulli":
      case "gaussian":
      case "switching":
      case "drifting": {
        const base = e * K;
        expected = this.means[base + arm]!;
        oracle = this.means[base]!;
        for (let k = 1; k < K; k++) if (this.means[base + k]! > oracle) oracle = this.means[base + k]!;
        reward =
          c.kind === "gaussian"
            ? expected + c.sigma * normalAt(rng, o)
            : nextFloat(rng, o) < expected
              ? 1
              : 0;
        if (c.kind === "switching") {
          // Drawn every step, switch or not, so the change points do not depend on the agent.
          if (nextFloat(rng, o) < c.hazard)
            for (let k = 0; k < K; k++) this.means[base + k] = nextFloat(rng, o);
        } else if (c.kind === "drifting") {
          for (let k = 0; k < K; k++) {
            let m = this.means[base + k]! + c.drift * (2 * nextFloat(rng, o) - 1);
            if (m < 0) m = -m;
            if (m > 1) m = 2 - m;
            this.means[base + k] = m;
          }
        }
        break;
      }
      case "lsd": {
        const model = c.lsd!;
        const lastArm = this.lastArms[e]!;
        const run = this.runLengths[e]!;
        expected = lsdPayoff(model, arm, t, lastArm, run, this.lastPulls[e * K + arm]!);
        oracle = this.lsdOracle!.perStep[t]!;
        reward = nextFloat(rng, o) < expected ? 1 : 0;
        this.runLengths[e] = arm === lastArm ? run + 1 : 1;
        this.lastPulls[e * K + arm] = t;
        break;
      }
      case "contextual": {
        expected = this.armValue(e, arm);
        oracle = this.armValue(e, 0);
        for (let k = 1; k < K; k++) {
          const v = this.armValue(e, k);
          if (v > oracle) oracle = v;
        }
        reward = expected + c.sigma * normalAt(rng, o);
        this.drawContext(e);
        break;
      }
    }
    this.lastRewards[e] = reward; // float32, as the ledger stores it
    this.lastArms[e] = arm;
    // An ended episode with automatic reset has its next observation written already.
    if (this.record(e, reward, oracle, expected)) return;
    this.writeObservation(e);
  }

  private writeObservation(e: number): void {
    const c = this.config;
    const K = c.numArms;
    const size = this.observationSize;
    const obs = this.observations;
    const base = e * size;
    if (c.kind === "contextual") {
      for (let i = 0; i < size; i++) obs[base + i] = this.contexts[e * size + i]!;
      return;
    }
    obs.fill(0, base, base + K);
    const lastArm = this.lastArms[e]!;
    if (lastArm >= 0) obs[base + lastArm] = 1;
    obs[base + K] = this.lastRewards[e]!;
    obs[base + K + 1] = this.steps[e]! / c.horizon;
    if (c.kind === "lsd") {
      const tauMax = c.lsd!.tauMax;
      const t = this.steps[e]!;
      for (let k = 0; k < K; k++) {
        const last = this.lastPulls[e * K + k]!;
        obs[base + K + 2 + k] =
          k === lastArm
            ? Math.min(this.runLengths[e]!, tauMax) / tauMax
            : last < 0
              ? -1
              : -Math.min(t - last - 1, tauMax) / tauMax;
      }
    }
  }
}
