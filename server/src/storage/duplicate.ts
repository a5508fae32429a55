// Storing a played duplicate match, headless or live.
import type { DuplicateChoices, DuplicateResult } from "@league/agents";
import type { Prisma, PrismaClient } from "@league/db";
import type { PlatformEvents } from "../feed.js";
import { type FinishedMatch, finishMatch, publishFinished } from "./matches.js";
import { checkBeforeStoring } from "./verify.js";

/** Per-step curves of a match played live: cumulative return and regret sampled along the way. */
export interface DuplicateCurves {
  stepsPerSecond: number;
  /** Steps of one episode (the environment's horizon). */
  episodeSteps: number;
  /** The match step (all episodes counted) of each sample. */
  steps: number[];
  /** One per seat: running totals at each sample, and arm pulls (bandit) or clicks per item (recommender). */
  seats: { totalReturn: number[]; totalRegret: number[]; counts: number[] }[];
}

/**
 * Stores a played duplicate match: result, scores and dense ranks by mean return, ratings, and
 * the feed's match.finished and rating.changed events. Headless and live matches alike.
 */
export async function storeDuplicateMatch(
  prisma: PrismaClient,
  events: PlatformEvents | null,
  input: {
    matchId: string;
    leagueId: string;
    versionIds: readonly string[];
    outcome: DuplicateResult;
    /** Live matches keep their curves; headless ones have none. */
    curves?: DuplicateCurves;
    /**
     * Every seat's choices (DuplicateMatch.choices()): stored as the match's replay (UTF-8 JSON),
     * and the result is recomputed from them and the seeds before it is stored.
     */
    choices?: DuplicateChoices;
  },
): Promise<FinishedMatch> {
  const { matchId, leagueId, versionIds, outcome, choices } = input;
  const check = choices ? await checkBeforeStoring({ kind: "duplicate", outcome, choices }) : undefined;
  if (check && !check.verified) console.warn(`match ${matchId}: ${check.error}`);
  const finished = await finishMatch(prisma, {
    matchId,
    teamScores: outcome.entries.map((e) => e.meanReturn),
    result: {
      format: "duplicate",
      seeds: outcome.seeds,
      entries: outcome.entries.map((e, slot) => ({
        slot,
        versionId: versionIds[slot]!,
        name: e.name,
        meanReturn: e.meanReturn,
        meanRegret: e.meanRegret,
        returns: e.returns,
        regrets: e.regrets,
        oracleReturns: e.oracleReturns,
      })),
      ...(input.curves ? { curves: { ...input.curves } } : {}),
    },
    ...(choices
      ? { replay: new TextEncoder().encode(JSON.stringify(choices)) as Uint8Array<ArrayBuffer> }
      : {}),
    ...(check ? { check: { ...check, verification: check.verification as Prisma.InputJsonValue } } : {}),
  });
  publishFinished(events, finished, {
    matchId,
    leagueId,
    result: { scores: outcome.entries.map((e) => e.meanReturn) },
    ranks: outcome.entries.map((e, slot) => ({ versionId: versionIds[slot]!, rank: e.rank })),
  });
  return finished;
}
