import { getEnvSpec, Rng, type VectorEnv } from "@league/envs";

/**
 * A tiny task with a known answer: the observation is a one-hot "cue" among `numActions`;
 * choosing the cued action pays 1, anything else 0. Episodes last `length` steps, so a random
 * policy earns length/numActions and the optimum is `length`.
 */
export class CueMatchEnv implements VectorEnv {
  readonly spec = getEnvSpec("bandit-bernoulli-10");
  readonly numAgents = 1;
  readonly actionSize = 1;
  readonly observationSize: number;
  readonly observations: Float32Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  private readonly cue: Int32Array;
  private readonly t: Int32Array;
  private rng = new Rng(0);

  constructor(
    readonly numEnvs: number,
    readonly actionCount = 3,
    private readonly length = 8,
  ) {
    this.observationSize = actionCount;
    this.observations = new Float32Array(numEnvs * actionCount);
    this.rewards = new Float32Array(numEnvs);
    this.terminated = new Uint8Array(numEnvs);
    this.truncated = new Uint8Array(numEnvs);
    this.cue = new Int32Array(numEnvs);
    this.t = new Int32Array(numEnvs);
  }

  private draw(e: number): void {
    this.observations.fill(0, e * this.actionCount, (e + 1) * this.actionCount);
    this.cue[e] = this.rng.int(this.actionCount);
    this.observations[e * this.actionCount + this.cue[e]!] = 1;
  }

  reset(seed: number): void {
    this.rng = new Rng(seed);
    for (let e = 0; e < this.numEnvs; e++) {
      this.t[e] = 0;
      this.draw(e);
    }
  }

  step(actions: Float32Array): void {
    for (let e = 0; e < this.numEnvs; e++) {
      this.rewards[e] = actions[e] === this.cue[e] ? 1 : 0;
      this.t[e] = this.t[e]! + 1;
      this.terminated[e] = this.t[e]! >= this.length ? 1 : 0;
      if (this.terminated[e]) this.t[e] = 0;
      this.draw(e);
    }
  }
}

/**
 * One observation, reward 1 on every step, cut off by a time limit every `limit` steps: the true
 * value is 1 / (1 − γ) whatever the limit, as the task never ends. Gives final observations.
 */
export class EndlessEnv implements VectorEnv {
  readonly spec = getEnvSpec("bandit-bernoulli-10");
  readonly numAgents = 1;
  readonly actionSize = 1;
  readonly actionCount = 2;
  readonly observationSize = 1;
  readonly observations: Float32Array;
  readonly finalObservations: Float32Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  private readonly t: Int32Array;

  constructor(
    readonly numEnvs: number,
    private readonly limit: number,
  ) {
    this.observations = new Float32Array(numEnvs).fill(1);
    this.finalObservations = new Float32Array(numEnvs).fill(1);
    this.rewards = new Float32Array(numEnvs);
    this.terminated = new Uint8Array(numEnvs);
    this.truncated = new Uint8Array(numEnvs);
    this.t = new Int32Array(numEnvs);
  }

  reset(_seed: number): void {
    this.t.fill(0);
  }

  step(_actions: Float32Array): void {
    for (let e = 0; e < this.numEnvs; e++) {
      this.rewards[e] = 1;
      // Staggered, so every rollout holds every distance to the limit.
      this.t[e] = this.t[e]! + 1;
      this.truncated[e] = (this.t[e]! + e) % this.limit === 0 ? 1 : 0;
    }
  }
}
