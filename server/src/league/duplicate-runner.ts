// Runs a duplicate match headless: every participant plays the same seeded instances, and is
// scored by its mean return. Used by the ladder for bandit and recommender leagues; the live
// duplicate room shares the seeds, the players and the storing below.
import { type DuplicateEntrant, type DuplicateResult, playDuplicate } from "@league/agents";
import type { PrismaClient } from "@league/db";
import type { PlatformEvents } from "../feed.js";
import {
  abortMatch,
  createMatch,
  type FinishedMatch,
  finishMatch,
  publishFinished,
  startMatch,
} from "./matches.js";
import { duplicatePlayer, UnplayableVersionError } from "./players.js";

/** Episodes per match: several seeds average out the luck of one instance. */
export const SEEDS_PER_MATCH = 4;

/** The environments' 32-bit seeds, derived from the match seed. */
export function duplicateSeeds(matchSeed: bigint): number[] {
  const base = Number(matchSeed % 2_147_483_647n);
  return Array.from({ length: SEEDS_PER_MATCH }, (_, i) => base + i * 7919);
}

/** The players of a duplicate match, one per version, in seat order. */
export async function duplicateEntrants(
  prisma: PrismaClient,
  versionIds: readonly string[],
): Promise<DuplicateEntrant[]> {
  const versions = await prisma.agentVersion.findMany({
    where: { id: { in: [...versionIds] } },
    include: { agent: true },
  });
  const byId = new Map(versions.map((v) => [v.id, v]));
  return Promise.all(
    versionIds.map((id) => {
      const v = byId.get(id);
      if (!v) throw new UnplayableVersionError(id, "no such version");
      return duplicatePlayer(v);
    }),
  );
}

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
  },
): Promise<FinishedMatch> {
  const { matchId, leagueId, versionIds, outcome } = input;
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
  });
  publishFinished(events, finished, {
    matchId,
    leagueId,
    result: { scores: outcome.entries.map((e) => e.meanReturn) },
    ranks: outcome.entries.map((e, slot) => ({ versionId: versionIds[slot]!, rank: e.rank })),
  });
  return finished;
}

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
