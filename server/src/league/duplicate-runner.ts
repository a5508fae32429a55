// Runs a duplicate match headless (in a worker thread of the headless pool when given one): every
// participant plays the same seeded instances, and is scored by its mean return. Used by the
// ladder for bandit and recommender leagues; the live duplicate room shares the seeds and players
// (match/duplicate.ts) and the storing (storage/duplicate.ts).
import type { PrismaClient } from "@league/db";
import type { PlatformEvents } from "../feed.js";
import { duplicateSeeds } from "../match/duplicate.js";
import {
  type HeadlessPool,
  type PlayedDuplicate,
  playHeadless,
  versionData,
} from "../match/headless-jobs.js";
import { UnplayableVersionError } from "../match/players.js";
import { playableVersions } from "../storage/artifacts.js";
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
    /** Worker threads to play the match in (the embedded default); without, this thread plays it. */
    pool?: HeadlessPool | null;
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
    const versions = await playableVersions(prisma, input.versionIds);
    const byId = new Map(versions.map((v) => [v.id, v]));
    const seats = input.versionIds.map((id) => {
      const version = byId.get(id);
      if (!version) throw new UnplayableVersionError(id, "no such version");
      return versionData(version);
    });
    const { outcome, choices } = (await playHeadless(input.pool, {
      kind: "duplicate",
      envId: league.envId,
      seeds: duplicateSeeds(input.seed),
      seats,
    })) as PlayedDuplicate;
    return await storeDuplicateMatch(prisma, events, {
      matchId,
      leagueId: league.id,
      versionIds: input.versionIds,
      outcome,
      choices,
    });
  } catch (error) {
    if (input.abortOnError ?? true) await abortMatch(prisma, matchId, (error as Error).message);
    throw error;
  }
}
