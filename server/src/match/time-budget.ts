// The league's time budget around a model agent's CarPolicy: each decision may take
// MODEL_TIME_BUDGET_MS; a decision over it, or one the network gave no answer for, is an overrun,
// and past MODEL_MAX_OVERRUNS overruns in a row the policy is timed out for the rest of the match.
// In a row, because a loaded machine delays single decisions of a sound model now and then (a
// validation failed that way under load), while a model too slow for the league misses every one.
import { type CarPolicy, ModelTimeoutError } from "@league/agents";
import type { CarSoccerState } from "@league/envs";

/** Per-action inference budget of model agents in duplicate and car-soccer matches. */
export const MODEL_TIME_BUDGET_MS = 50;
/** Decisions over budget in a row a model is forgiven (the first inference also compiles kernels) before it is timed out. */
export const MODEL_MAX_OVERRUNS = 10;

/**
 * Runs `policy` within the budget. Throws ModelTimeoutError once it has overrun too often in a row, and on
 * every decision after that without running it: a slow model cannot keep stalling a match whose
 * car idles on errors (a live room) instead of aborting (a headless match).
 */
export class TimeBudgetedPolicy implements CarPolicy {
  /** Every decision over budget in the match. */
  overruns = 0;
  /** Decisions over budget since the last one on time. */
  consecutiveOverruns = 0;
  /** Set when the policy is timed out (over budget more than `maxOverruns` times in a row). */
  timedOut: ModelTimeoutError | null = null;

  constructor(
    /** `unanswered`, when it has one, counts decisions its network gave no answer for. */
    readonly policy: CarPolicy & { readonly unanswered?: number },
    private readonly budgetMs = MODEL_TIME_BUDGET_MS,
    private readonly maxOverruns = MODEL_MAX_OVERRUNS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get name(): string {
    return this.policy.name;
  }

  act(state: CarSoccerState, arena: number, car: number, controls: Float32Array): void {
    if (this.timedOut) throw this.timedOut;
    const unanswered = this.policy.unanswered ?? 0;
    const started = this.now();
    // Synchronous: one inference cannot be interrupted, only counted once it returns.
    this.policy.act(state, arena, car, controls);
    const late = (this.policy.unanswered ?? 0) > unanswered || this.now() - started > this.budgetMs;
    if (!late) {
      this.consecutiveOverruns = 0;
      return;
    }
    this.overruns++;
    if (++this.consecutiveOverruns > this.maxOverruns) {
      this.timedOut = new ModelTimeoutError(this.name, this.consecutiveOverruns, this.budgetMs);
      throw this.timedOut;
    }
  }

  reset(seed: number): void {
    this.policy.reset?.(seed);
  }

  dispose(): void {
    this.policy.dispose?.();
  }
}
