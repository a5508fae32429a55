// The episode bookkeeping the duplicate-play vector envs share (bandits, recommender): each step's
// reward, regret, oracle and expected reward; the episode's running totals; the totals of the last
// finished episode (kept across the automatic reset); step counts; the done flags; and which seed
// stream each instance's next episode starts from. Subclasses own the dynamics; this owns the
// ledger, in typed arrays allocated once.
import { BanditActionError, BanditConfigError } from "./bandits/errors.js";

/**
 * A vector env whose bookkeeping is kept here. Subclasses implement `resetInstance` (draw the
 * instance's state, call `startEpisode`, write its observation) and book every step with `record`.
 */
export abstract class LedgerVectorEnv {
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  /** Last step, per instance: oracle's expected reward minus the chosen action's ("regret" in the field). */
  readonly regrets: Float64Array;
  readonly oracleRewards: Float64Array;
  readonly expectedRewards: Float64Array;
  /** Running totals of the current episode, per instance. */
  readonly episodeReturns: Float64Array;
  readonly episodeRegrets: Float64Array;
  readonly oracleReturns: Float64Array;
  /** Totals of the last episode each instance finished (kept across the automatic reset). */
  readonly finalReturns: Float64Array;
  readonly finalRegrets: Float64Array;
  readonly finalOracleReturns: Float64Array;
  /** Steps taken in the current episode, per instance. */
  readonly steps: Int32Array;
  private readonly episodes: Int32Array;
  private readonly ended: Uint8Array;
  private runSeed = 0;
  private started = false;

  constructor(
    private readonly instances: number,
    private readonly horizon: number,
    private readonly autoReset: boolean,
  ) {
    this.rewards = new Float32Array(instances);
    this.terminated = new Uint8Array(instances);
    this.truncated = new Uint8Array(instances);
    this.regrets = new Float64Array(instances);
    this.oracleRewards = new Float64Array(instances);
    this.expectedRewards = new Float64Array(instances);
    this.episodeReturns = new Float64Array(instances);
    this.episodeRegrets = new Float64Array(instances);
    this.oracleReturns = new Float64Array(instances);
    this.finalReturns = new Float64Array(instances);
    this.finalRegrets = new Float64Array(instances);
    this.finalOracleReturns = new Float64Array(instances);
    this.steps = new Int32Array(instances);
    this.episodes = new Int32Array(instances);
    this.ended = new Uint8Array(instances);
  }

  /** Instance e's next episode from (seed, stream): its state drawn, `startEpisode(e)`, its observation written. */
  protected abstract resetInstance(e: number, seed: number, stream: number): void;

  /** Every instance's first episode of a run seeded `seed`; episode k of instance e is stream e + k·N. */
  reset(seed: number): void {
    if (!Number.isSafeInteger(seed)) throw new BanditConfigError(`seed must be a safe integer, got ${seed}`);
    this.runSeed = seed;
    this.started = true;
    for (let e = 0; e < this.instances; e++) {
      this.episodes[e] = 0;
      this.resetInstance(e, seed, e);
    }
    this.rewards.fill(0);
    this.terminated.fill(0);
    this.truncated.fill(0);
  }

  /** Zeroes instance e's running totals and step count (its previous episode's finals stay). */
  protected startEpisode(e: number): void {
    this.steps[e] = 0;
    this.episodeReturns[e] = 0;
    this.episodeRegrets[e] = 0;
    this.oracleReturns[e] = 0;
    this.ended[e] = 0;
  }

  /** Throws unless a run has begun. */
  protected checkStarted(): void {
    if (!this.started) throw new BanditActionError("step before reset: call reset(seed) first");
  }

  /** Throws when instance e has ended an episode and waits for a reset (no automatic reset). */
  protected checkRunning(e: number): void {
    if (this.ended[e]) throw new BanditActionError(`instance ${e} ended its episode: call reset(seed) first`);
  }

  /**
   * Books instance e's step: reward (as stored, float32, so returns add up what agents saw), the
   * oracle's and the chosen action's expected rewards, the done flag at the horizon. Returns true
   * when the episode ended and the instance was reset (its next observation is written then).
   */
  protected record(e: number, reward: number, oracle: number, expected: number): boolean {
    this.rewards[e] = reward;
    const r = this.rewards[e]!;
    const t = this.steps[e]! + 1;
    this.steps[e] = t;
    const regret = oracle - expected;
    this.regrets[e] = regret;
    this.oracleRewards[e] = oracle;
    this.expectedRewards[e] = expected;
    this.episodeReturns[e]! += r;
    this.episodeRegrets[e]! += regret;
    this.oracleReturns[e]! += oracle;
    const done = t >= this.horizon;
    this.terminated[e] = done ? 1 : 0;
    this.truncated[e] = 0;
    if (!done) return false;
    this.finalReturns[e] = this.episodeReturns[e]!;
    this.finalRegrets[e] = this.episodeRegrets[e]!;
    this.finalOracleReturns[e] = this.oracleReturns[e]!;
    if (!this.autoReset) {
      this.ended[e] = 1;
      return false;
    }
    const episode = ++this.episodes[e]!;
    this.resetInstance(e, this.runSeed, e + episode * this.instances);
    return true;
  }
}
