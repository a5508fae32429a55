// A new version first plays a match against a copy of itself (as Kaggle does). If it errors or
// runs out of time it is marked failed with a readable log and never enters the ladder; otherwise
// it becomes active at the league's default rating, and the scheduler's priority for versions
// with few games gives it its placement matches.
import { playDuplicate } from "@league/agents";
import type { PrismaClient } from "@league/db";
import { getEnvSpec } from "@league/envs";
import { duplicatePlayer } from "./players.js";

export interface ValidationOutcome {
  versionId: string;
  status: "active" | "failed" | "skipped";
  log: string;
}

/** Validates up to `limit` pending versions; returns what happened to each. */
export async function validatePendingVersions(prisma: PrismaClient, limit = 4): Promise<ValidationOutcome[]> {
  const pending = await prisma.agentVersion.findMany({
    where: { status: "pending" },
    orderBy: { createdAt: "asc" },
    take: limit,
    include: { agent: { select: { name: true } } },
  });
  const outcomes: ValidationOutcome[] = [];
  for (const version of pending) {
    const spec = getEnvSpec(version.envId);
    if (spec.matchFormat !== "duplicate") {
      // Head-to-head leagues validate once their match runner takes model agents.
      outcomes.push({
        versionId: version.id,
        status: "skipped",
        log: `${spec.id} validation is not available yet`,
      });
      continue;
    }
    const { count } = await prisma.agentVersion.updateMany({
      where: { id: version.id, status: "pending" },
      data: { status: "validating" },
    });
    if (count === 0) continue; // another process took it
    let log: string;
    let ok = false;
    try {
      const players = [await duplicatePlayer(version), await duplicatePlayer(version)];
      const result = playDuplicate({
        env: version.envId,
        policies: players,
        seeds: [Number(BigInt.asUintN(31, BigInt(version.version)))],
      });
      ok = true;
      log = `validation match against a copy of itself: returns ${result.entries.map((e) => e.meanReturn.toFixed(3)).join(" and ")}`;
    } catch (error) {
      log = `validation match failed: ${(error as Error).message}`;
    }
    const league = await prisma.league.findUnique({ where: { id: version.envId } });
    await prisma.$transaction(async (tx) => {
      await tx.agentVersion.update({
        where: { id: version.id },
        data: { status: ok ? "active" : "failed", failureLog: ok ? null : log },
      });
      if (ok && league) {
        await tx.rating.upsert({
          where: { versionId_leagueId: { versionId: version.id, leagueId: league.id } },
          create: {
            versionId: version.id,
            leagueId: league.id,
            mu: league.mu,
            sigma: league.sigma,
            ordinal: league.mu - 3 * league.sigma,
          },
          update: {},
        });
      }
    });
    outcomes.push({ versionId: version.id, status: ok ? "active" : "failed", log });
  }
  return outcomes;
}
