// Storing a finished car-soccer match, live or headless: result, ranks, ratings, replay and the
// feed's match.finished and rating.changed events.
import type { Prisma, PrismaClient } from "@league/db";
import type { PlatformEvents } from "../feed.js";
import type { CarSoccerMatch } from "../match/car-soccer-match.js";
import type { PlayedCarSoccer } from "../match/headless-jobs.js";
import { type FinishedMatch, finishMatch, publishFinished, ranksFromScores } from "./matches.js";
import { checkBeforeStoring } from "./verify.js";

/** What storing reads of a played match: a live room's CarSoccerMatch, or storableOf a headless job's result. */
export type StorableCarSoccer = Pick<
  CarSoccerMatch,
  "score" | "goals" | "durationSeconds" | "controllerErrors" | "teamOf" | "encodeReplay"
> & { replays: { length: number } };

/** A headless job's result (played on any thread) in the shape storing reads. */
export function storableOf(played: PlayedCarSoccer): StorableCarSoccer {
  return {
    score: played.score,
    goals: played.goals,
    durationSeconds: played.durationSeconds,
    controllerErrors: played.controllerErrors,
    teamOf: (car) => (car < played.teamSize ? 0 : 1),
    encodeReplay: () => played.replay,
    replays: { length: played.episodes },
  };
}

/**
 * Writes a finished car-soccer match (live or headless) through finishMatch and publishes
 * match.finished and rating.changed when it was applied.
 */
export async function storeCarSoccerMatch(
  prisma: PrismaClient,
  events: PlatformEvents | null,
  input: {
    matchId: string;
    leagueId: string;
    format: "car-soccer-live" | "car-soccer";
    seed: number;
    match: StorableCarSoccer;
    seats: { versionId: string; controller: string; remote?: Record<string, number> }[];
    /** A team that forfeited ranks last whatever the score. */
    forfeit?: { team: 0 | 1; reason: string };
  },
): Promise<FinishedMatch> {
  const { matchId, leagueId, match, seats } = input;
  const score = match.score;
  const result = {
    format: input.format,
    score,
    goals: match.goals,
    durationSeconds: match.durationSeconds,
    seed: input.seed,
    episodes: match.replays.length,
    ...(input.forfeit ? { forfeit: input.forfeit } : {}),
    seats: seats.map((s, car) => ({
      slot: car,
      team: match.teamOf(car),
      versionId: s.versionId,
      controller: s.controller,
      controllerErrors: match.controllerErrors[car]!,
      ...(s.remote ? { remote: s.remote } : {}),
    })),
  };
  const ranks = input.forfeit
    ? input.forfeit.team === 0
      ? [2, 1]
      : [1, 2]
    : ranksFromScores([score.blue, score.orange]);
  const replay = match.encodeReplay();
  // Re-simulated before it is stored: a replay that does not reproduce its hashes, score and goals
  // is recorded as the match's error (verified false), not stored as if it proved the result.
  const check = await checkBeforeStoring({
    kind: "car-soccer",
    replay,
    recorded: { score, goals: match.goals },
  });
  if (!check.verified) console.warn(`match ${matchId}: ${check.error}`);
  const finished = await finishMatch(prisma, {
    matchId,
    teamScores: [score.blue, score.orange],
    teamRanks: ranks,
    result,
    replay,
    check: { ...check, verification: check.verification as Prisma.InputJsonValue },
  });
  publishFinished(events, finished, {
    matchId,
    leagueId,
    result: { score },
    ranks: seats.map((s, car) => ({ versionId: s.versionId, rank: ranks[match.teamOf(car)]! })),
  });
  return finished;
}
