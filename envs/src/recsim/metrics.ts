// Offline recommender metrics, pure functions. Rankings are arrays of item ids, best first.
import { check, isInt } from "../bandits/errors.js";

/** Click-through rate: clicks per impression (0 when nothing was shown). */
export function ctr(clicks: number, impressions: number): number {
  check(Number.isFinite(impressions) && impressions >= 0, "impressions", "a number >= 0", impressions);
  check(
    Number.isFinite(clicks) && clicks >= 0 && clicks <= impressions,
    "clicks",
    `in [0, impressions = ${impressions}]`,
    clicks,
  );
  return impressions === 0 ? 0 : clicks / impressions;
}

function has(relevant: ReadonlySet<number> | ArrayLike<number>, item: number): boolean {
  if (relevant instanceof Set) return relevant.has(item);
  const arr = relevant as ArrayLike<number>;
  for (let i = 0; i < arr.length; i++) if (arr[i] === item) return true;
  return false;
}

/**
 * Hit rate at k: the fraction of cases (users) whose top-k ranking holds at least one of their
 * relevant items (e.g. a held-out rating). `rankings[u]` and `relevant[u]` belong to case u.
 */
export function hitRateAtK(
  rankings: readonly ArrayLike<number>[],
  relevant: readonly (ReadonlySet<number> | ArrayLike<number>)[],
  k: number,
): number {
  check(isInt(k, 1), "k", "an integer >= 1", k);
  check(
    rankings.length === relevant.length,
    "relevant.length",
    `equal to rankings.length = ${rankings.length}`,
    relevant.length,
  );
  if (rankings.length === 0) return 0;
  let hits = 0;
  for (let u = 0; u < rankings.length; u++) {
    const ranking = rankings[u]!;
    const n = Math.min(k, ranking.length);
    for (let i = 0; i < n; i++) {
      if (has(relevant[u]!, ranking[i]!)) {
        hits++;
        break;
      }
    }
  }
  return hits / rankings.length;
}

/** Discounted cumulative gain at k with linear gain: Σ_{i<k} rel(item_i) / log2(i + 2). */
export function dcgAtK(
  ranking: ArrayLike<number>,
  relevance: ReadonlyMap<number, number>,
  k: number,
): number {
  check(isInt(k, 1), "k", "an integer >= 1", k);
  let dcg = 0;
  const n = Math.min(k, ranking.length);
  for (let i = 0; i < n; i++) dcg += (relevance.get(ranking[i]!) ?? 0) / Math.log2(i + 2);
  return dcg;
}

/**
 * Normalised DCG at k (Järvelin and Kekäläinen, linear gain): DCG of the ranking over the DCG of
 * the ideal ranking of the graded `relevance` (item → grade, absent = 0). 0 when nothing is relevant.
 */
export function ndcgAtK(
  ranking: ArrayLike<number>,
  relevance: ReadonlyMap<number, number>,
  k: number,
): number {
  check(isInt(k, 1), "k", "an integer >= 1", k);
  for (const [item, grade] of relevance)
    check(Number.isFinite(grade) && grade >= 0, `relevance of item ${item}`, "a number >= 0", grade);
  const grades = [...relevance.values()].sort((a, b) => b - a);
  let ideal = 0;
  for (let i = 0; i < Math.min(k, grades.length); i++) ideal += grades[i]! / Math.log2(i + 2);
  return ideal === 0 ? 0 : dcgAtK(ranking, relevance, k) / ideal;
}
