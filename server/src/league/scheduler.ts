// Who plays whom next. New and uncertain versions play more; opponents are drawn by OpenSkill
// match quality, so games are informative. Pure: the caller supplies ratings and randomness.
import type { Rng } from "@league/envs";
import { matchQuality, type RatingParams } from "../ratings.js";

export interface Candidate {
  versionId: string;
  agentId: string;
  mu: number;
  sigma: number;
  games: number;
}

/** How much a version needs games: high for few games and wide uncertainty. */
export function playPriority(c: Candidate, params: RatingParams): number {
  return 1 + (2 * c.sigma) / params.sigma + 4 / (1 + c.games);
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

/** Up to `maxPlayers` distinct versions for a duplicate match, sampled by priority without replacement. */
export function planDuplicateMatch(
  candidates: Candidate[],
  params: RatingParams,
  rng: Rng,
  maxPlayers = 6,
): Candidate[] | null {
  if (candidates.length < 2) return null;
  const pool = [...candidates];
  const chosen: Candidate[] = [];
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
 * Two teams of `teamSize`: a focal version drawn by priority, then the others drawn in proportion
 * to their match quality with the focal one (never two versions of the same agent), then the split
 * of the chosen players into teams that OpenSkill finds most even.
 */
export function planTeamMatch(
  candidates: Candidate[],
  params: RatingParams,
  rng: Rng,
  teamSize: number,
): Candidate[][] | null {
  const needed = 2 * teamSize;
  const byAgent = new Map<string, Candidate[]>();
  for (const c of candidates) byAgent.set(c.agentId, [...(byAgent.get(c.agentId) ?? []), c]);
  if (byAgent.size < needed) return null;
  const focal =
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
    const weights = pool.map((c) => matchQuality(params, [[focal], [c]]) ** 2 + 1e-6);
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
