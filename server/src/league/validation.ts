// A new version first plays a match against a copy of itself (as Kaggle does). If it errors or
// runs out of time it is marked failed with a readable log and never enters the ladder; otherwise
// it becomes active at the league's default rating, and the scheduler gives it its burst of
// placement matches (PLACEMENT_GAMES). Either way the agent's cap of active versions is applied
// again: a validated version beyond it goes to reserve, a failed one gives its slot back.
import type { PrismaClient } from "@league/db";
import { type EnvSpec, getEnvSpec } from "@league/envs";
import {
  type HeadlessPool,
  type PlayedCarSoccer,
  type PlayedDuplicate,
  playHeadless,
  versionData,
} from "../match/headless-jobs.js";
import type { StoredVersion } from "../match/players.js";
import { startingRating } from "../ratings.js";
import { storeRewardInsight } from "./reward-insight.js";
import { sweepStrandedValidations, VALIDATION_HEARTBEAT_MS } from "./stranded.js";
import { applyVersionCap } from "./versions.js";

/** Game seconds of a car-soccer validation match: enough decisions to meet most failure modes. */
export const CAR_SOCCER_VALIDATION_SECONDS = 10;

/** A short unstored car-soccer match of the version in every seat; returns a one-line log. */
async function validateCarSoccer(
  version: StoredVersion,
  spec: EnvSpec,
  pool: HeadlessPool | null | undefined,
): Promise<string> {
  const seed = Number(BigInt.asUintN(31, BigInt(version.version)));
  const { score } = (await playHeadless(pool, {
    kind: "car-soccer",
    specId: spec.id,
    seed,
    durationSeconds: CAR_SOCCER_VALIDATION_SECONDS,
    seats: Array.from({ length: spec.numAgents }, () => versionData(version)),
  })) as PlayedCarSoccer;
  return `validation match against a copy of itself: ${CAR_SOCCER_VALIDATION_SECONDS} s of car soccer, ${score.blue}-${score.orange}`;
}

export interface ValidationOutcome {
  versionId: string;
  /** `reserve`: validated, but beyond its agent's cap of active versions. */
  status: "active" | "reserve" | "failed" | "skipped";
  log: string;
}

export interface ValidationOptions {
  /** Versions validated in one call (default 4). */
  limit?: number;
  /** The agent's cap of active versions (ACTIVE_VERSIONS_PER_AGENT), applied after each; unset: not applied. */
  activeVersionsPerAgent?: number;
  /** Worker threads to play validation matches in (the embedded default); without, this thread. */
  pool?: HeadlessPool | null;
}

/** Validates up to `limit` pending versions; returns what happened to each. */
export async function validatePendingVersions(
  prisma: PrismaClient,
  options: ValidationOptions = {},
): Promise<ValidationOutcome[]> {
  // Validations a process abandoned (it stopped mid-way) go back to pending here, or fail for good.
  await sweepStrandedValidations(prisma, {
    ...(options.activeVersionsPerAgent !== undefined
      ? { activeVersionsPerAgent: options.activeVersionsPerAgent }
      : {}),
  });
  const pending = await prisma.agentVersion.findMany({
    where: { status: "pending" },
    orderBy: { createdAt: "asc" },
    take: options.limit ?? 4,
    include: { agent: { select: { name: true } } },
  });
  const outcomes: ValidationOutcome[] = [];
  for (const version of pending) {
    const spec = getEnvSpec(version.envId);
    if (spec.matchFormat !== "duplicate" && spec.family !== "car-soccer") {
      outcomes.push({
        versionId: version.id,
        status: "skipped",
        log: `${spec.id} validation is not available yet`,
      });
      continue;
    }
    const attempt = version.validationAttempts + 1;
    const { count } = await prisma.agentVersion.updateMany({
      where: { id: version.id, status: "pending", validationAttempts: version.validationAttempts },
      data: { status: "validating", validationAttempts: attempt, validationHeartbeatAt: new Date() },
    });
    if (count === 0) continue; // another process took it
    // While this attempt is ours: a heartbeat that stops says this process stopped (see stranded.ts).
    const mine = { id: version.id, status: "validating" as const, validationAttempts: attempt };
    const heartbeat = setInterval(() => {
      prisma.agentVersion
        .updateMany({ where: mine, data: { validationHeartbeatAt: new Date() } })
        .catch(() => {}); // the database may be down a moment; the next beat tries again
    }, VALIDATION_HEARTBEAT_MS);
    heartbeat.unref();
    let log: string;
    let ok = false;
    try {
      if (spec.family === "car-soccer") log = await validateCarSoccer(version, spec, options.pool);
      else {
        const { outcome: result } = (await playHeadless(options.pool, {
          kind: "duplicate",
          envId: version.envId,
          seeds: [Number(BigInt.asUintN(31, BigInt(version.version)))],
          seats: [versionData(version), versionData(version)],
        })) as PlayedDuplicate;
        log = `validation match against a copy of itself: returns ${result.entries.map((e) => e.meanReturn.toFixed(3)).join(" and ")}`;
      }
      ok = true;
    } catch (error) {
      log = `validation match failed: ${(error as Error).message}`;
    } finally {
      clearInterval(heartbeat);
    }
    const league = await prisma.league.findUnique({ where: { id: version.envId } });
    const reserved = await prisma.$transaction(async (tx) => {
      // Only if the attempt is still ours: one judged abandoned belongs to the process that took it up.
      const { count: still } = await tx.agentVersion.updateMany({
        where: mine,
        data: { status: ok ? "active" : "failed", failureLog: ok ? null : log, validationHeartbeatAt: null },
      });
      if (still === 0) return null;
      if (ok && league) {
        await tx.rating.upsert({
          where: { versionId_leagueId: { versionId: version.id, leagueId: league.id } },
          create: { versionId: version.id, ...startingRating(league) },
          update: {},
        });
      }
      if (options.activeVersionsPerAgent === undefined) return false;
      const cap = await applyVersionCap(tx, version.agentId, options.activeVersionsPerAgent);
      return cap.reserved.includes(version.id);
    });
    if (reserved === null) {
      outcomes.push({
        versionId: version.id,
        status: "skipped",
        log: `${log}; not stored: the attempt was taken over`,
      });
      continue;
    }
    if (ok) await storeRewardInsight(prisma, version);
    outcomes.push({ versionId: version.id, status: ok ? (reserved ? "reserve" : "active") : "failed", log });
  }
  return outcomes;
}
