// Reward analysis, as Lucy-SKG's analysis tool and better: what each component of a shaped reward
// contributes, how components move together and with the true objective (goals), how far the
// shaped reward is from that objective (EPIC on sampled transitions, STARC on action values measured
// by rollouts), and whether a training run looks like reward hacking (shaped return up, outcome
// down). Pure functions.

/** One episode's per-step signals: each component's contribution, their total, and the outcome. */
export interface EpisodeTrace {
  /** Contribution of each component at each step (same length as `total`). */
  components: Record<string, number[]>;
  /** The shaped reward at each step. */
  total: number[];
  /** The sparse objective at each step (car soccer: +1 own goal, -1 conceded, else 0). */
  outcome: number[];
}

export interface Moments {
  mean: number;
  variance: number;
}

export interface ComponentStats {
  name: string;
  perStep: Moments;
  /** Moments of the component's return (sum over an episode) across episodes. */
  perEpisode: Moments;
  /** Sum of the component over all steps divided by the sum of the total: signed, may exceed 1. */
  shareOfTotal: number | null;
  /** Sum of |component| divided by the sum of every component's |component|: in [0, 1]. */
  shareOfMagnitude: number;
  /** Pearson correlation with the outcome; null when either side is constant. */
  correlationWithOutcome: { perStep: number | null; perEpisode: number | null };
}

export interface RewardStats {
  episodes: number;
  steps: number;
  components: ComponentStats[];
  total: Omit<ComponentStats, "name" | "shareOfTotal" | "shareOfMagnitude">;
  outcome: { perEpisode: Moments };
  /** Per-step Pearson correlations between components, rows and columns in `components` order. */
  correlations: (number | null)[][];
}

export function moments(values: ArrayLike<number>): Moments {
  const n = values.length;
  if (n === 0) return { mean: 0, variance: 0 };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (values[i]! - mean) ** 2;
  return { mean, variance: sq / n };
}

/** Pearson's r, or null when either series is constant (no correlation is defined). */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  if (a.length !== b.length) throw new RangeError(`pearson: series of ${a.length} and ${b.length} values`);
  const ma = moments(a);
  const mb = moments(b);
  if (ma.variance === 0 || mb.variance === 0 || a.length < 2) return null;
  let cov = 0;
  for (let i = 0; i < a.length; i++) cov += (a[i]! - ma.mean) * (b[i]! - mb.mean);
  cov /= a.length;
  return Math.max(-1, Math.min(1, cov / Math.sqrt(ma.variance * mb.variance)));
}

/** Ranks with ties averaged, for Spearman's correlation. */
function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((x, y) => x[0] - y[0]);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) out[order[k]![1]] = (i + j) / 2;
    i = j + 1;
  }
  return out;
}

/** Spearman's rank correlation, or null when either series is constant. */
export function spearman(a: readonly number[], b: readonly number[]): number | null {
  return pearson(ranks(a), ranks(b));
}

const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);

/** Per-episode and per-component statistics of a set of traces. */
export function rewardStatistics(episodes: readonly EpisodeTrace[]): RewardStats {
  if (episodes.length === 0) throw new RangeError("reward analysis: no episodes to analyse");
  const names = Object.keys(episodes[0]!.components);
  for (const [e, ep] of episodes.entries()) {
    for (const name of names)
      if (ep.components[name]?.length !== ep.total.length)
        throw new RangeError(
          `reward analysis: episode ${e}: component "${name}" has ${ep.components[name]?.length ?? "no"} steps, the total has ${ep.total.length}`,
        );
    if (ep.outcome.length !== ep.total.length)
      throw new RangeError(
        `reward analysis: episode ${e}: outcome has ${ep.outcome.length} steps, the total has ${ep.total.length}`,
      );
  }
  const flat = (pick: (ep: EpisodeTrace) => number[]) => episodes.flatMap(pick);
  const outcomeSteps = flat((ep) => ep.outcome);
  const outcomeReturns = episodes.map((ep) => sum(ep.outcome));
  const totalSteps = flat((ep) => ep.total);
  const totalReturns = episodes.map((ep) => sum(ep.total));
  const series = names.map((name) => flat((ep) => ep.components[name]!));
  const magnitudes = series.map((s) => s.reduce((m, x) => m + Math.abs(x), 0));
  const allMagnitude = sum(magnitudes);
  const totalSum = sum(totalSteps);
  const components = names.map((name, k): ComponentStats => {
    const returns = episodes.map((ep) => sum(ep.components[name]!));
    return {
      name,
      perStep: moments(series[k]!),
      perEpisode: moments(returns),
      shareOfTotal: totalSum === 0 ? null : sum(series[k]!) / totalSum,
      shareOfMagnitude: allMagnitude === 0 ? 0 : magnitudes[k]! / allMagnitude,
      correlationWithOutcome: {
        perStep: pearson(series[k]!, outcomeSteps),
        perEpisode: pearson(returns, outcomeReturns),
      },
    };
  });
  return {
    episodes: episodes.length,
    steps: totalSteps.length,
    components,
    total: {
      perStep: moments(totalSteps),
      perEpisode: moments(totalReturns),
      correlationWithOutcome: {
        perStep: pearson(totalSteps, outcomeSteps),
        perEpisode: pearson(totalReturns, outcomeReturns),
      },
    },
    outcome: { perEpisode: moments(outcomeReturns) },
    correlations: series.map((a) => series.map((b) => pearson(a, b))),
  };
}

/** A reward over a bank of sampled states: R(bank[from] → bank[to]). */
export type BankReward = (from: number, to: number) => number;

/**
 * EPIC distance between two state-transition rewards on sampled transitions (Gleave et al. 2020,
 * sample-based canonicalisation): C(R)(s,s') = R(s,s') + γ E[R(s',S')] − E[R(s,S')] − γ E[R(S,S')],
 * with S, S' drawn from the `coverage` states, then the Pearson distance √((1 − ρ)/2). Any potential
 * shaping γΦ(s') − Φ(s) cancels exactly in C on the same samples, so a shaped reward and its base are
 * at distance 0; a positive rescaling changes nothing.
 */
export function sampledEpicDistance(
  rewardA: BankReward,
  rewardB: BankReward,
  transitions: readonly (readonly [number, number])[],
  coverage: readonly number[],
  gamma: number,
): { epic: number; transitions: number; coverage: number } {
  if (transitions.length < 2) throw new RangeError("reward distance: needs at least two transitions");
  if (coverage.length === 0) throw new RangeError("reward distance: needs coverage states");
  const canonical = (r: BankReward): Float64Array => {
    const fromState = new Map<number, number>();
    const expected = (x: number) => {
      let e = fromState.get(x);
      if (e === undefined) {
        e = 0;
        for (const y of coverage) e += r(x, y);
        e /= coverage.length;
        fromState.set(x, e);
      }
      return e;
    };
    let overall = 0;
    for (const x of coverage) overall += expected(x);
    overall /= coverage.length;
    return Float64Array.from(
      transitions,
      ([s, next]) => r(s, next) + gamma * expected(next) - expected(s) - gamma * overall,
    );
  };
  const a = canonical(rewardA);
  const b = canonical(rewardB);
  const rho = pearson(a, b);
  const va = moments(a).variance;
  const vb = moments(b).variance;
  // Two constant rewards are the same up to shaping; a constant and a varying one are unrelated.
  const epic = rho === null ? (va === vb ? 0 : 1 / Math.SQRT2) : Math.sqrt((1 - rho) / 2);
  return { epic, transitions: transitions.length, coverage: coverage.length };
}

/**
 * STARC distance (Skalse et al. 2023) from action values measured by rollouts: `qA[i][k]` is
 * Q^π_A(s_i, a_k), the discounted return of reward A after taking candidate action k in sampled
 * state i and following π, and `onPolicy[i]` the candidate π itself takes there (π deterministic),
 * so V^π(s_i) = Q^π(s_i, a_onPolicy). Value-adjusted levelling makes each reward its advantage
 * A^π(s, a) = Q^π(s, a) − V^π(s); each is normalised to unit L2 norm over the (s, a) samples (a zero
 * advantage stays zero), and the distance is their L2 distance halved, in [0, 1].
 */
export function levelledStarcDistance(
  qA: readonly (readonly number[])[],
  qB: readonly (readonly number[])[],
  onPolicy: readonly number[],
): { starc: number; states: number; actions: number; zeroAdvantage: { a: boolean; b: boolean } } {
  if (qA.length === 0 || qA.length !== qB.length || qA.length !== onPolicy.length)
    throw new RangeError(
      `STARC: ${qA.length} and ${qB.length} states of action values, ${onPolicy.length} on-policy actions`,
    );
  const level = (q: readonly (readonly number[])[]) => {
    const out: number[] = [];
    q.forEach((row, i) => {
      const v = row[onPolicy[i]!];
      if (v === undefined) throw new RangeError(`STARC: state ${i} has no value for its on-policy action`);
      for (const x of row) out.push(x - v);
    });
    const norm = Math.sqrt(out.reduce((n, x) => n + x * x, 0));
    return { unit: norm === 0 ? out : out.map((x) => x / norm), zero: norm === 0 };
  };
  const a = level(qA);
  const b = level(qB);
  if (a.unit.length !== b.unit.length)
    throw new RangeError("STARC: the two rewards were levelled on different actions");
  let d = 0;
  for (let i = 0; i < a.unit.length; i++) d += (a.unit[i]! - b.unit[i]!) ** 2;
  return {
    starc: Math.sqrt(d) / 2,
    states: qA.length,
    actions: qA[0]!.length,
    zeroAdvantage: { a: a.zero, b: b.zero },
  };
}

export interface RunPoint {
  step: number;
  /** Mean shaped episode return around this step. */
  shaped: number;
  /** The objective around this step: goal difference per game or win rate. */
  outcome: number;
}

export interface HackingVerdict {
  flagged: boolean;
  /** Spearman's correlation of the shaped return with training time over the window. */
  shapedTrend: number | null;
  /** Spearman's correlation of the outcome with training time over the window. */
  outcomeTrend: number | null;
  window: { fromStep: number; toStep: number; points: number };
  threshold: number;
  reason: string;
}

export const HACKING_DEFAULTS = {
  /** The later part of the run that is judged (early training moves everything at once). */
  windowFraction: 0.5,
  /** |Spearman ρ| at or above which a trend counts as steady. */
  threshold: 0.5,
  /** Fewer points in the window than this cannot show a trend. */
  minPoints: 6,
};

/**
 * Flags a run whose shaped return keeps rising while its outcome falls: over the last
 * `windowFraction` of the run, the shaped return's rank correlation with time is at least
 * `threshold` and the outcome's is at most −`threshold`.
 */
export function rewardHackingCheck(
  points: readonly RunPoint[],
  options: Partial<typeof HACKING_DEFAULTS> = {},
): HackingVerdict {
  const { windowFraction, threshold, minPoints } = { ...HACKING_DEFAULTS, ...options };
  const sorted = [...points].sort((a, b) => a.step - b.step);
  const window = sorted.slice(Math.floor(sorted.length * (1 - windowFraction)));
  const span = {
    fromStep: window[0]?.step ?? 0,
    toStep: window.at(-1)?.step ?? 0,
    points: window.length,
  };
  if (window.length < minPoints)
    return {
      flagged: false,
      shapedTrend: null,
      outcomeTrend: null,
      window: span,
      threshold,
      reason: `too few points to judge: ${window.length} in the window, ${minPoints} needed`,
    };
  const time = window.map((p) => p.step);
  const shapedTrend = spearman(
    time,
    window.map((p) => p.shaped),
  );
  const outcomeTrend = spearman(
    time,
    window.map((p) => p.outcome),
  );
  const rising = shapedTrend !== null && shapedTrend >= threshold;
  const falling = outcomeTrend !== null && outcomeTrend <= -threshold;
  const fmt = (x: number | null) => (x === null ? "flat" : x.toFixed(2));
  const flagged = rising && falling;
  return {
    flagged,
    shapedTrend,
    outcomeTrend,
    window: span,
    threshold,
    reason: flagged
      ? `shaped return rises (ρ ${fmt(shapedTrend)}) while the outcome falls (ρ ${fmt(outcomeTrend)}) from step ${span.fromStep} to ${span.toStep}: the agent may be exploiting the shaping`
      : `no sign of reward hacking: shaped return trend ρ ${fmt(shapedTrend)}, outcome trend ρ ${fmt(outcomeTrend)} (flagged when ≥ ${threshold} and ≤ −${threshold})`,
  };
}

/**
 * What ending an episode is worth under a shaped reward. A goal terminates the episode, and with
 * it the stream of per-step shaping: when that stream is positive, its discounted value
 * (mean shaping per step / (1 − γ)) is lost by scoring, and when it is larger than the goal's own
 * reward the learner is paid to keep the ball in play rather than score (when negative, paid to
 * concede quickly). Potential-based shaping (Ng et al., 1999) has no such pull: it telescopes.
 */
export interface TerminationIncentive {
  gamma: number;
  /** Mean shaped reward on steps without a goal. */
  shapingPerStep: number;
  /** shapingPerStep / (1 − γ): what an endless episode's shaping is worth, discounted. */
  shapingStreamValue: number;
  /** Mean shaped reward on the steps the analysed car's team scored / conceded; null if none. */
  goalStepReward: number | null;
  concedeStepReward: number | null;
  flagged: boolean;
  reason: string;
}

export function terminationIncentive(episodes: readonly EpisodeTrace[], gamma: number): TerminationIncentive {
  if (!(gamma >= 0 && gamma < 1))
    throw new RangeError(`termination incentive: gamma must be in [0, 1), got ${gamma}`);
  const plain: number[] = [];
  const scored: number[] = [];
  const conceded: number[] = [];
  for (const ep of episodes)
    ep.total.forEach((r, i) => {
      const o = ep.outcome[i]!;
      (o > 0 ? scored : o < 0 ? conceded : plain).push(r);
    });
  if (plain.length === 0) throw new RangeError("termination incentive: no steps without a goal to measure");
  const shapingPerStep = moments(plain).mean;
  const shapingStreamValue = shapingPerStep / (1 - gamma);
  const goalStepReward = scored.length ? moments(scored).mean : null;
  const concedeStepReward = conceded.length ? moments(conceded).mean : null;
  const f = (x: number) => x.toPrecision(3);
  const stream = `shaping ${f(shapingPerStep)}/step is a stream worth ${f(shapingStreamValue)} at γ ${gamma}`;
  let flagged = false;
  let reason: string;
  if (shapingStreamValue > 0) {
    if (goalStepReward === null)
      reason = `${stream}; no goal was scored, so it cannot be set against a goal's reward`;
    else if (shapingStreamValue >= goalStepReward) {
      flagged = true;
      reason = `scoring forfeits more than it pays: ${stream}, a goal step pays ${f(goalStepReward)}; shrink the per-step terms or make them potential-based`;
    } else reason = `${stream}, below a goal step's ${f(goalStepReward)}: scoring pays`;
  } else if (concedeStepReward === null)
    reason = `${stream}; no goal was conceded, so it cannot be set against conceding`;
  else if (-shapingStreamValue >= -concedeStepReward) {
    flagged = true;
    reason = `conceding ends a penalty stream worth more than the concede costs: ${stream}, a conceded goal's step pays ${f(concedeStepReward)}`;
  } else reason = `${stream}; conceding (${f(concedeStepReward)}) costs more than the stream it ends`;
  return { gamma, shapingPerStep, shapingStreamValue, goalStepReward, concedeStepReward, flagged, reason };
}
