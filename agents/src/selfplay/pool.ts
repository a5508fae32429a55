// The opponent pool of curriculum self-play: past snapshots of the learner plus scripted bots,
// drawn by prioritised fictitious self-play (AlphaStar, Vinyals et al. 2019) with a share of
// games against the latest self (OpenAI Five played 80% latest, 20% past). Every training game
// also moves OpenSkill ratings, so the learner's rating curve shows progress against the pool.
import type { Rng } from "@league/envs";
import { ordinal, rate, rating } from "openskill";
import { CAR_SOCCER_BOTS } from "../scripted/car-soccer.js";

/** The built-in bots a car-soccer league has: every scripted bot but the idle one. */
export const LEAGUE_BOTS: readonly string[] = Object.freeze(
  CAR_SOCCER_BOTS.map((b) => b.name).filter((name) => name !== "idle"),
);

/** Who the next games are drawn against: a curriculum stage may change it. */
export interface OpponentMix {
  latestShare: number;
  scriptedShare: number;
  /** The scripted bots that may be drawn (by name); null: every bot in the pool. */
  scripted: readonly string[] | null;
}

/** PFSP weightings of an opponent the learner beats with probability x. */
export type PfspWeighting = "hard" | "variance" | "uniform";

export function pfspWeight(kind: PfspWeighting, x: number, power = 2): number {
  switch (kind) {
    // f_hard: focus on the opponents the learner loses to.
    case "hard":
      return (1 - x) ** power;
    // f_var: focus on opponents of about equal strength.
    case "variance":
      return x * (1 - x);
    case "uniform":
      return 1;
  }
}

export interface Skill {
  mu: number;
  sigma: number;
}

export interface PoolEntry<P> {
  /** `latest`, `snapshot-<globalStep>` or `bot:<name>`. */
  id: string;
  kind: "latest" | "snapshot" | "scripted";
  /** What plays: a snapshot's frozen policy, a bot's name; null for the latest self (the learner). */
  policy: P | null;
  /** Last results of the learner against it: 1 win, 0.5 draw, 0 loss (newest last). */
  results: number[];
  games: number;
  skill: Skill;
}

export interface PoolOptions {
  weighting: PfspWeighting;
  /** p of f_hard. */
  power: number;
  /** Probability of playing the latest self; the rest is drawn from the past by PFSP. */
  latestShare: number;
  /**
   * Probability of playing a scripted bot (drawn among the bots by PFSP); the rest after
   * `latestShare` is drawn by PFSP over all past opponents, bots included. Default 0.
   */
  scriptedShare?: number;
  /** Most snapshots kept; the oldest goes first (scripted bots always stay). */
  maxSnapshots: number;
  /** Results kept per opponent for its win-rate estimate. */
  window: number;
}

export interface GameRecord {
  opponent: string;
  /** 1 learner won, 0.5 draw, 0 learner lost. */
  score: number;
}

export class OpponentPool<P> {
  readonly entries: PoolEntry<P>[] = [];
  /** The learner's own rating, moved by every game against a past or scripted opponent. */
  learnerSkill: Skill = rating();
  /** Recent games against past and scripted opponents (not the latest self), newest last. */
  readonly recent: GameRecord[] = [];
  /** Games against past and scripted opponents since the run began. */
  pastGames = 0;
  private readonly recentLimit = 10_000;
  private mix: OpponentMix = { latestShare: 0, scriptedShare: 0, scripted: null };

  constructor(readonly options: PoolOptions) {
    this.setMix({
      latestShare: options.latestShare,
      scriptedShare: options.scriptedShare ?? 0,
      scripted: null,
    });
    this.entries.push(this.entry("latest", "latest", null));
  }

  /** The shares and bots the next draws use (a curriculum stage's opponent mix). */
  setMix(mix: OpponentMix): void {
    if (!(mix.latestShare >= 0 && mix.latestShare <= 1))
      throw new RangeError(`latestShare must be in [0, 1], got ${mix.latestShare}`);
    if (!(mix.scriptedShare >= 0 && mix.latestShare + mix.scriptedShare <= 1))
      throw new RangeError(
        `scriptedShare must be >= 0 and latestShare + scriptedShare <= 1, got ${mix.latestShare} + ${mix.scriptedShare}`,
      );
    this.mix = { ...mix, scripted: mix.scripted ? [...mix.scripted] : null };
  }

  get currentMix(): OpponentMix {
    return this.mix;
  }

  /** Whether `entry` may be drawn under the current mix (snapshots always; bots when allowed). */
  private drawable(entry: PoolEntry<P>): boolean {
    return (
      entry.kind !== "scripted" || this.mix.scripted === null || this.mix.scripted.includes(entry.id.slice(4))
    );
  }

  private entry(id: string, kind: PoolEntry<P>["kind"], policy: P | null, skill?: Skill): PoolEntry<P> {
    return { id, kind, policy, results: [], games: 0, skill: skill ? { ...skill } : rating() };
  }

  get(id: string): PoolEntry<P> | undefined {
    return this.entries.find((e) => e.id === id);
  }

  addScripted(name: string, policy: P): PoolEntry<P> {
    const entry = this.entry(`bot:${name}`, "scripted", policy);
    this.entries.push(entry);
    return entry;
  }

  /**
   * Freezes the learner as a snapshot that starts at the learner's rating; returns the snapshots
   * evicted to stay within `maxSnapshots`, so the caller can free their models.
   */
  addSnapshot(id: string, policy: P): PoolEntry<P>[] {
    this.entries.push(this.entry(id, "snapshot", policy, this.learnerSkill));
    const evicted: PoolEntry<P>[] = [];
    while (this.entries.filter((e) => e.kind === "snapshot").length > this.options.maxSnapshots) {
      const oldest = this.entries.findIndex((e) => e.kind === "snapshot");
      evicted.push(...this.entries.splice(oldest, 1));
    }
    return evicted;
  }

  /** The learner's estimated chance of beating `entry`, Laplace-smoothed so unplayed ones start at 1/2. */
  winRate(entry: PoolEntry<P>): number {
    let sum = 0;
    for (const r of entry.results) sum += r;
    return (sum + 0.5) / (entry.results.length + 1);
  }

  /** PFSP probabilities of the past (non-latest) opponents, summing to 1 (empty if there are none). */
  pastProbabilities(
    only: (e: PoolEntry<P>) => boolean = () => true,
  ): { entry: PoolEntry<P>; probability: number }[] {
    const past = this.entries.filter((e) => e.kind !== "latest" && only(e));
    const weights = past.map((e) => pfspWeight(this.options.weighting, this.winRate(e), this.options.power));
    let total = weights.reduce((a, b) => a + b, 0);
    // Every opponent beaten for sure leaves no weight: fall back to uniform rather than divide by 0.
    if (!(total > 0)) {
      weights.fill(1);
      total = weights.length;
    }
    return past.map((entry, i) => ({ entry, probability: weights[i]! / total }));
  }

  /** Draws the opponent of the next game. */
  sample(rng: Rng): PoolEntry<P> {
    let past = this.pastProbabilities((e) => this.drawable(e));
    const u0 = rng.float();
    if (past.length === 0 || u0 < this.mix.latestShare) return this.entries[0]!;
    // The same draw decides the scripted share, so a run without one draws what it always did.
    if (u0 < this.mix.latestShare + this.mix.scriptedShare) {
      const bots = this.pastProbabilities((e) => e.kind === "scripted" && this.drawable(e));
      if (bots.length > 0) past = bots;
    }
    let u = rng.float();
    for (const { entry, probability } of past) {
      u -= probability;
      if (u < 0) return entry;
    }
    return past[past.length - 1]!.entry;
  }

  /** Records a finished game of the learner against `id` and updates both ratings. */
  record(id: string, score: number): void {
    const entry = this.get(id);
    // An opponent evicted while its game was running: the game still counts for nothing.
    if (!entry) return;
    entry.games++;
    entry.results.push(score);
    if (entry.results.length > this.options.window) entry.results.shift();
    if (entry.kind === "latest") return;
    this.recent.push({ opponent: id, score });
    this.pastGames++;
    if (this.recent.length > this.recentLimit) this.recent.splice(0, this.recent.length - this.recentLimit);
    // OpenSkill ranks: 1 is best; equal ranks are a draw.
    const ranks = score === 1 ? [1, 2] : score === 0 ? [2, 1] : [1, 1];
    const rated = rate([[this.learnerSkill], [entry.skill]], { rank: ranks });
    const learner = rated[0]![0]!;
    const opponent = rated[1]![0]!;
    this.learnerSkill = { mu: learner.mu, sigma: learner.sigma };
    entry.skill = { mu: opponent.mu, sigma: opponent.sigma };
  }

  /**
   * Mean score of the last `games` games against past and scripted opponents (null before any),
   * optionally only those passing `filter` and played from game number `sinceGame` on.
   */
  recentWinRate(
    games: number,
    filter?: (opponent: string) => boolean,
    sinceGame = 0,
  ): { rate: number | null; games: number } {
    const picked: number[] = [];
    // recent[i] is game number pastGames - recent.length + i; stop at `sinceGame`.
    const first = Math.max(0, sinceGame - (this.pastGames - this.recent.length));
    for (let i = this.recent.length - 1; i >= first && picked.length < games; i--) {
      const g = this.recent[i]!;
      if (!filter || filter(g.opponent)) picked.push(g.score);
    }
    if (picked.length === 0) return { rate: null, games: 0 };
    return { rate: picked.reduce((a, b) => a + b, 0) / picked.length, games: picked.length };
  }

  /** Ratings for the log: the learner's and every opponent's mu, sigma and ordinal (mu - 3 sigma). */
  ratings(): Record<string, { mu: number; sigma: number; ordinal: number; games: number }> {
    const out: Record<string, { mu: number; sigma: number; ordinal: number; games: number }> = {
      learner: { ...this.learnerSkill, ordinal: ordinal(this.learnerSkill), games: this.recent.length },
    };
    for (const e of this.entries) {
      if (e.kind === "latest") continue;
      out[e.id] = { ...e.skill, ordinal: ordinal(e.skill), games: e.games };
    }
    return out;
  }

  /** What a resumed run needs to carry on: ids, results and skills (policies are saved separately). */
  toJSON(): {
    learnerSkill: Skill;
    pastGames: number;
    entries: { id: string; kind: string; results: number[]; games: number; skill: Skill }[];
  } {
    return {
      learnerSkill: this.learnerSkill,
      pastGames: this.pastGames,
      entries: this.entries.map(({ id, kind, results, games, skill }) => ({
        id,
        kind,
        results,
        games,
        skill,
      })),
    };
  }
}
