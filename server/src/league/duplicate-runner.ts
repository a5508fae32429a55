// Runs a duplicate match headless: every participant plays the same seeded instances, and is
// scored by its mean return. Used by the ladder for bandit and recommender leagues.
import { playDuplicate } from "@league/agents";
import type { PrismaClient } from "@league/db";
import type { PlatformEvents } from "../feed.js";
import { abortMatch, createMatch, type FinishedMatch, finishMatch, startMatch } from "./matches.js";
import { duplicatePlayer, UnplayableVersionError } from "./players.js";

/** Episodes per match: several seeds average out the luck of one instance. */
export const SEEDS_PER_MATCH = 4;

export async function runDuplicateMatch(
  prisma: PrismaClient,
  events: PlatformEvents | null,
  input: { leagueId: string; versionIds: string[]; seed: bigint },
): Promise<FinishedMatch> {
  const league = await prisma.league.findUniqueOrThrow({ where: { id: input.leagueId } });
  const versions = await prisma.agentVersion.findMany({
    where: { id: { in: input.versionIds } },
    include: { agent: true },
  });
  const byId = new Map(versions.map((v) => [v.id, v]));
  const seats = input.versionIds.map((versionId, slot) => ({ versionId, slot, team: slot }));
  const matchId = await createMatch(prisma, { leagueId: league.id, seed: input.seed, seats });
  await startMatch(prisma, matchId);
  events?.publish("match.started", {
    matchId,
    leagueId: league.id,
    live: false,
    versionIds: input.versionIds,
  });
  try {
    const policies = await Promise.all(
      input.versionIds.map((id) => {
        const v = byId.get(id);
        if (!v) throw new UnplayableVersionError(id, "no such version");
        return duplicatePlayer(v);
      }),
    );
    // 32-bit seeds for the environments, derived from the match seed.
    const base = Number(input.seed % 2_147_483_647n);
    const seeds = Array.from({ length: SEEDS_PER_MATCH }, (_, i) => base + i * 7919);
    const outcome = playDuplicate({ env: league.envId, policies, seeds });
    const finished = await finishMatch(prisma, {
      matchId,
      teamScores: outcome.entries.map((e) => e.meanReturn),
      result: {
        format: "duplicate",
        seeds,
        entries: outcome.entries.map((e, slot) => ({
          slot,
          versionId: input.versionIds[slot]!,
          name: e.name,
          meanReturn: e.meanReturn,
          meanRegret: e.meanRegret,
          returns: e.returns,
          regrets: e.regrets,
          oracleReturns: e.oracleReturns,
        })),
      },
    });
    if (events && finished.applied) {
      const ranks = outcome.entries.map((e, slot) => ({ versionId: input.versionIds[slot]!, rank: e.rank }));
      events.publish("match.finished", {
        matchId,
        leagueId: league.id,
        result: { scores: outcome.entries.map((e) => e.meanReturn) },
        ranks,
      });
      for (const change of finished.ratingChanges) {
        events.publish("rating.changed", {
          versionId: change.versionId,
          leagueId: change.leagueId,
          matchId,
          mu: change.after.mu,
          sigma: change.after.sigma,
          ordinal: change.after.ordinal,
          delta: change.after.ordinal - change.before.ordinal,
        });
      }
    }
    return finished;
  } catch (error) {
    await abortMatch(prisma, matchId, (error as Error).message);
    throw error;
  }
}
