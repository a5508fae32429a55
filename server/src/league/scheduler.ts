// Who plays whom next. New and uncertain versions play more; opponents are drawn by OpenSkill
// match quality, so games are informative. Pure: the caller supplies ratings and randomness.
//
// Two adjustments on top of that:
// - placement: a version with fewer than `placementGames` rated games is in the very next match
//   (the one with fewest games first), so that a newcomer plays a burst of placement games;
// - reserve: versions beyond their agent's cap of active versions keep playing, with their
//   weight (as the focal version and as an opponent) scaled by RESERVE_PRIORITY_FACTOR.
import type { Rng } from "@league/envs";
import { matchQuality, type RatingParams } from "../ratings.js";

export interface Candidate {
  versionId: string;
  agentId: string;
  mu: number;
  sigma: number;
  /** Rated games played (and, to the ladder, games already scheduled but not yet finished). */
  games: number;
  /** Beyond the agent's cap of active versions: plays at a lower rate, never in placement. */
  reserve?: boolean;
}

export interface ScheduleOptions {
  /** Rated games a new version plays first, in every match until it has them; 0 for none. */
  placementGames?: number;
  /** The focal version, when the caller has chosen it (a live match's spotlight); must be a candidate. */
  focal?: string;
}

/** Rated games of placement a new version plays before the scheduler's normal priority applies. */
export const DEFAULT_PLACEMENT_GAMES = 5;

/** How much less often a reserve version is drawn than an active one with the same rating and games. */
export const RESERVE_PRIORITY_FACTOR = 0.25;

/**
 * How much a version needs games: high for few games and wide uncertainty, low for reserve
 * versions. Uncertainty counts as variance (σ²), what a game's update shrinks: with σ itself a
 * lone newcomer at σ 3.8 was drawn only 1.3 times as often as a settled version at σ 2, and was
 * still above σ 3 after 41 games in 7 minutes (bench/server); with σ² it is 2.5 times. The floor
 * keeps settled versions playing.
 */
export function playPriority(c: Candidate, params: RatingParams): number {
  const need = 0.25 + 4 * (c.sigma / params.sigma) ** 2 + 4 / (1 + c.games);
  return c.reserve ? need * RESERVE_PRIORITY_FACTOR : need;
}

/** Still owed placement games: fewer rated games than the placement burst, and not a reserve version. */
export function inPlacement(c: Candidate, placementGames: number): boolean {
  return !c.reserve && c.games < placementGames;
}

/** Candidates in placement, fewest games first; equal games in an order drawn from `rng`. */
function placementOrder(candidates: Candidate[], placementGames: number, rng: Rng): Candidate[] {
  return candidates
    .filter((c) => inPlacement(c, placementGames))
    .map((c) => ({ c, tie: rng.float() }))
    .sort((a, b) => a.c.games - b.c.games || a.tie - b.tie)
    .map(({ c }) => c);
}

function weightedPick<T>(items: T[], weights: number[], rng: Rng): number {
  let total = 0;
  for (const w of weights) total += w;
  let x = rng.float() * total;
  for (let i = 0; i < items.length; i++) {
    x -= weights[i]!;
    if (x < 0) return i;
  }
  return items.length - 1;
}

/**
 * Up to `maxPlayers` distinct versions for a duplicate match: those owed placement games first,
 * the rest sampled by priority without replacement.
 */
export function planDuplicateMatch(
  candidates: Candidate[],
  params: RatingParams,
  rng: Rng,
  maxPlayers = 6,
  options: ScheduleOptions = {},
): Candidate[] | null {
  if (candidates.length < 2) return null;
  // Versions owed placement games take the first seats.
  const chosen = placementOrder(candidates, options.placementGames ?? 0, rng).slice(0, maxPlayers);
  const pool = candidates.filter((c) => !chosen.includes(c));
  while (chosen.length < maxPlayers && pool.length > 0) {
    const i = weightedPick(
      pool,
      pool.map((c) => playPriority(c, params)),
      rng,
    );
    chosen.push(pool.splice(i, 1)[0]!);
  }
  return chosen;
}

/**
 * Two teams of `teamSize`: a focal version (the one most owed placement games, otherwise drawn by
 * priority), then the others drawn in proportion to their match quality with the focal one (never
 * two versions of the same agent; reserve versions less often), then the split
 * of the chosen players into teams that OpenSkill finds most even.
 */
export function planTeamMatch(
  candidates: Candidate[],
  params: RatingParams,
  rng: Rng,
  teamSize: number,
  options: ScheduleOptions = {},
): Candidate[][] | null {
  const needed = 2 * teamSize;
  const byAgent = new Map<string, Candidate[]>();
  for (const c of candidates) byAgent.set(c.agentId, [...(byAgent.get(c.agentId) ?? []), c]);
  if (byAgent.size < needed) return null;
  const focal =
    candidates.find((c) => c.versionId === options.focal) ??
    placementOrder(candidates, options.placementGames ?? 0, rng)[0] ??
    candidates[
      weightedPick(
        candidates,
        candidates.map((c) => playPriority(c, params)),
        rng,
      )
    ]!;
  const chosen = [focal];
  let pool = candidates.filter((c) => c.agentId !== focal.agentId);
  while (chosen.length < needed) {
    const weights = pool.map(
      (c) => (matchQuality(params, [[focal], [c]]) ** 2 + 1e-6) * (c.reserve ? RESERVE_PRIORITY_FACTOR : 1),
    );
    const next = pool[weightedPick(pool, weights, rng)]!;
    chosen.push(next);
    pool = pool.filter((c) => c.agentId !== next.agentId);
  }
  if (teamSize === 1) return [[chosen[0]!], [chosen[1]!]];
  // Best balanced split: try every team containing the focal player (at most C(5,2) = 10 for 3v3).
  let best: Candidate[][] = [];
  let bestQuality = -1;
  const rest = chosen.slice(1);
  const combos = (k: number, from: number, acc: number[]): number[][] =>
    k === 0
      ? [acc]
      : Array.from({ length: rest.length - from }, (_, i) =>
          combos(k - 1, from + i + 1, [...acc, from + i]),
        ).flat();
  for (const picked of combos(teamSize - 1, 0, [])) {
    const blue = [focal, ...picked.map((i) => rest[i]!)];
    const orange = rest.filter((_, i) => !picked.includes(i));
    const quality = matchQuality(params, [blue, orange]);
    if (quality > bestQuality) {
      bestQuality = quality;
      best = [blue, orange];
    }
  }
  return best;
}
