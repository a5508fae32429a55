// Runs a duplicate match headless: every participant plays the same seeded instances, and is
// scored by its mean return. Used by the ladder for bandit and recommender leagues; the live
// duplicate room shares the seeds and players (match/duplicate.ts) and the storing (storage/duplicate.ts).
import { playDuplicate } from "@league/agents";
import type { PrismaClient } from "@league/db";
import type { PlatformEvents } from "../feed.js";
import { duplicateEntrants, duplicateSeeds } from "../match/duplicate.js";
import { storeDuplicateMatch } from "../storage/duplicate.js";
import { abortMatch, createMatch, type FinishedMatch, startMatch } from "../storage/matches.js";

export async function runDuplicateMatch(
  prisma: PrismaClient,
  events: PlatformEvents | null,
  input: {
    leagueId: string;
    versionIds: string[];
    seed: bigint;
    /** A match row created beforehand (a queued ladder job); played again from its seed if a worker died. */
    matchId?: string;
    /**
     * On a failure, mark the match aborted before rethrowing (the default). A queued job passes
     * false: its queue retries the match, and only the last failed attempt aborts it.
     */
    abortOnError?: boolean;
  },
): Promise<FinishedMatch> {
  const league = await prisma.league.findUniqueOrThrow({ where: { id: input.leagueId } });
  const seats = input.versionIds.map((versionId, slot) => ({ versionId, slot, team: slot }));
  const matchId =
    input.matchId ?? (await createMatch(prisma, { leagueId: league.id, seed: input.seed, seats }));
  await startMatch(prisma, matchId);
  events?.publish("match.started", {
    matchId,
    leagueId: league.id,
    live: false,
    versionIds: input.versionIds,
  });
  try {
    const policies = await duplicateEntrants(prisma, input.versionIds);
    const outcome = playDuplicate({ env: league.envId, policies, seeds: duplicateSeeds(input.seed) });
    return await storeDuplicateMatch(prisma, events, {
      matchId,
      leagueId: league.id,
      versionIds: input.versionIds,
      outcome,
    });
  } catch (error) {
    if (input.abortOnError ?? true) await abortMatch(prisma, matchId, (error as Error).message);
    throw error;
  }
}
