// The "history" observation builder of the Bernoulli bandit leagues: a policy that declares it in
// its agent.json is fed, instead of the raw observation, a summary of its own episode so far, kept
// from the stream of default observations (each one names the arm just pulled and its reward).

/** Observation builder names of the duplicate (bandit and recommender) leagues. */
export const BANDIT_HISTORY_BUILDER = "history";

/** Numbers in a history observation for K arms: posterior mean and uncertainty per arm, then t / horizon. */
export const historyObservationSize = (numArms: number) => 2 * numArms + 1;

/**
 * What a duplicate-league player may put between the environment's observation and its model:
 * `reset()` at the start of every episode, then `build(observation)` once per decision.
 */
export interface DuplicateObsBuilder {
  readonly name: string;
  /** Numbers it writes. */
  readonly size: number;
  reset(): void;
  build(
    observation: ArrayLike<number>,
    out: Float32Array,
    outOffset?: number,
    obsOffset?: number,
  ): Float32Array;
}

/**
 * Per-arm sufficient statistics of a Bernoulli bandit episode, rebuilt from the default observation
 * stream ([one-hot of the last arm pulled (K; all 0 before the first pull), last reward, t / horizon]).
 * It writes, for K arms, 2K + 1 numbers:
 * - `[a]`, a < K: the Beta(1, 1) posterior mean of arm a, (wins_a + 1) / (pulls_a + 2);
 * - `[K + a]`: 1 / sqrt(pulls_a + 1);
 * - `[2K]`: t / horizon, copied from the observation.
 *
 * A pull is counted when the observation's t / horizon has advanced since the last one built, so
 * building twice from the same observation counts it once; an observation with t = 0 (an
 * episode's first) starts the counts afresh, as does `reset()`. Exact for horizons below 2^24
 * (t / horizon is a float32 in the observation).
 */
export class BanditHistoryObs implements DuplicateObsBuilder {
  readonly name = BANDIT_HISTORY_BUILDER;
  readonly size: number;
  private readonly pulls: Float64Array;
  private readonly wins: Float64Array;
  private time = 0;

  constructor(readonly numArms: number) {
    if (!(Number.isInteger(numArms) && numArms >= 2))
      throw new RangeError(`BanditHistoryObs needs an integer number of arms >= 2, got ${numArms}`);
    this.size = historyObservationSize(numArms);
    this.pulls = new Float64Array(numArms);
    this.wins = new Float64Array(numArms);
  }

  /** Pulls of each arm counted so far this episode. */
  get counts(): Float64Array {
    return this.pulls;
  }

  reset(): void {
    this.pulls.fill(0);
    this.wins.fill(0);
    this.time = 0;
  }

  build(observation: ArrayLike<number>, out: Float32Array, outOffset = 0, obsOffset = 0): Float32Array {
    const k = this.numArms;
    if (observation.length - obsOffset < k + 2)
      throw new RangeError(
        `the history builder reads ${k + 2} numbers per observation (K = ${k}), got ${observation.length - obsOffset}`,
      );
    const time = observation[obsOffset + k + 1]!;
    if (time === 0) this.reset();
    else if (time > this.time) {
      this.time = time;
      for (let a = 0; a < k; a++) {
        if (observation[obsOffset + a] === 1) {
          this.pulls[a]! += 1;
          this.wins[a]! += observation[obsOffset + k]!;
          break;
        }
      }
    }
    for (let a = 0; a < k; a++) {
      const n = this.pulls[a]!;
      out[outOffset + a] = (this.wins[a]! + 1) / (n + 2);
      out[outOffset + k + a] = 1 / Math.sqrt(n + 1);
    }
    out[outOffset + 2 * k] = time;
    return out;
  }
}
