// Headless ladder matches and validations that nothing will ever finish: a job that failed for good while the
// database was down (so its abort was lost), a job gone from the queue, a server that died in the
// middle of an in-process match. Left alone they would stay "queued" or "running" forever; the
// ladder sweeps them (on start, then periodically) and aborts them, unrated, with the reason.
import type { PrismaClient } from "@league/db";
import { abortMatch } from "../storage/matches.js";
import type { JobStatus } from "./match-queue.js";
import { applyVersionCap } from "./versions.js";

/** Default bound: a headless match takes seconds; one this old with no live job is stranded. */
export const STRANDED_AFTER_MS = 15 * 60_000;

export interface StrandedSweepOptions {
  /** Only matches queued (by creation) or running (by start) longer than this are considered. */
  olderThanMs?: number;
  /**
   * The match queue, when matches are jobs: a match whose job still waits, backs off or is held
   * by a worker is left alone. Without one (matches played in-process), age alone decides.
   */
  queue?: { jobStatus(matchId: string): Promise<JobStatus> } | null;
  now?: Date;
  /** Live matches too (only where no room can be playing them: see recoverSoleProcess). */
  includeLive?: boolean;
}

export interface StrandedMatch {
  matchId: string;
  reason: string;
}

function minutes(ms: number): string {
  const m = ms / 60_000;
  return m >= 1 ? `${Math.round(m)} min` : `${Math.round(ms / 1000)} s`;
}

/** Aborts headless matches left queued or running with nothing to finish them; returns them. */
export async function sweepStrandedMatches(
  prisma: PrismaClient,
  options: StrandedSweepOptions = {},
): Promise<StrandedMatch[]> {
  const olderThanMs = options.olderThanMs ?? STRANDED_AFTER_MS;
  const now = options.now ?? new Date();
  const cutoff = new Date(now.getTime() - olderThanMs);
  const candidates = await prisma.match.findMany({
    where: {
      ...(options.includeLive ? {} : { live: false }),
      OR: [
        { status: "running", startedAt: { lt: cutoff } },
        { status: "running", startedAt: null, createdAt: { lt: cutoff } },
        { status: "queued", createdAt: { lt: cutoff } },
      ],
    },
    select: { id: true, status: true, createdAt: true, startedAt: true },
    orderBy: { createdAt: "asc" },
    take: 500,
  });
  const swept: StrandedMatch[] = [];
  for (const m of candidates) {
    const since = m.status === "running" ? (m.startedAt ?? m.createdAt) : m.createdAt;
    const age = `${m.status} for ${minutes(now.getTime() - since.getTime())}`;
    let reason: string;
    if (options.queue) {
      const job = await options.queue.jobStatus(m.id);
      if (job.live) continue;
      reason =
        job.state === "unknown"
          ? `stranded: ${age} and no match worker will play it (its job is gone from the queue)`
          : job.state === "failed"
            ? `stranded: ${age} after its job failed${job.failedReason ? `: ${job.failedReason}` : ""}`
            : `stranded: ${age} though its job is ${job.state}`;
    } else reason = `stranded: ${age}; the process playing it stopped`;
    // Only if it is still queued or running: a worker may have finished it meanwhile.
    if (await abortMatch(prisma, m.id, reason)) swept.push({ matchId: m.id, reason });
  }
  return swept;
}

// Validations are stranded the same way: a version is `validating` while one process plays its
// validation match, renewing `validationHeartbeatAt` as it goes. A process that dies (kill -9, a
// crash, a stop that did not wait) leaves it `validating` for good, holding one of its agent's
// active slots, while only `pending` versions are picked up. A sweep (on start, then periodically)
// finds those whose heartbeat has gone stale and puts them back to `pending`, to be validated
// again, or fails them with the reason once they have been abandoned MAX_VALIDATION_ATTEMPTS times.

/** How often the validating process renews its heartbeat. */
export const VALIDATION_HEARTBEAT_MS = 3_000;
/** A heartbeat this old means no process is validating the version any more. */
export const VALIDATION_STALE_AFTER_MS = 20_000;
/** Validations begun before a version that keeps being abandoned (it may be what kills the process) is failed. */
export const MAX_VALIDATION_ATTEMPTS = 3;

export interface StrandedValidation {
  versionId: string;
  /** `pending`: to be validated again; `failed`: abandoned too often. */
  status: "pending" | "failed";
  reason: string;
}

/** Returns validations no process is running to `pending`, or fails them; returns what it did. */
export async function sweepStrandedValidations(
  prisma: PrismaClient,
  options: {
    staleAfterMs?: number;
    now?: Date;
    /** The agent's cap of active versions, applied again after a failure gives a slot back. */
    activeVersionsPerAgent?: number;
  } = {},
): Promise<StrandedValidation[]> {
  const now = options.now ?? new Date();
  const cutoff = new Date(now.getTime() - (options.staleAfterMs ?? VALIDATION_STALE_AFTER_MS));
  const candidates = await prisma.agentVersion.findMany({
    where: {
      status: "validating",
      OR: [{ validationHeartbeatAt: { lt: cutoff } }, { validationHeartbeatAt: null }],
    },
    select: { id: true, agentId: true, validationAttempts: true, validationHeartbeatAt: true },
    take: 500,
  });
  const swept: StrandedValidation[] = [];
  for (const v of candidates) {
    const silent = v.validationHeartbeatAt
      ? `no heartbeat for ${minutes(now.getTime() - v.validationHeartbeatAt.getTime())}`
      : "no heartbeat";
    const failed = v.validationAttempts >= MAX_VALIDATION_ATTEMPTS;
    const reason = failed
      ? `validation failed: its validation was abandoned ${v.validationAttempts} times (${silent}: the process validating it stopped); not tried again`
      : `validation abandoned (${silent}: the process validating it stopped); validating it again`;
    // Only if nobody renewed or finished it meanwhile: the heartbeat read is part of the condition.
    const { count } = await prisma.agentVersion.updateMany({
      where: {
        id: v.id,
        status: "validating",
        validationAttempts: v.validationAttempts,
        validationHeartbeatAt: v.validationHeartbeatAt,
      },
      data: failed
        ? { status: "failed", failureLog: reason, validationHeartbeatAt: null }
        : { status: "pending", validationHeartbeatAt: null },
    });
    if (!count) continue;
    swept.push({ versionId: v.id, status: failed ? "failed" : "pending", reason });
    if (failed && options.activeVersionsPerAgent !== undefined)
      await applyVersionCap(prisma, v.agentId, options.activeVersionsPerAgent);
  }
  return swept;
}

/**
 * For a process that alone uses its database (PGlite, which one process holds at a time, or
 * PostgreSQL without REDIS_URL: scaled out needs Redis), at start (what a process that died left)
 * and at the end of a stop (a match whose room was still opening, which no one will finish):
 * nothing can be playing or validating. Every queued or running match, live ones included, is
 * aborted with the reason, and every validation goes back to pending (or fails, if abandoned too
 * often), at once rather than after the usual bounds.
 */
export async function recoverSoleProcess(
  prisma: PrismaClient,
  options: { activeVersionsPerAgent?: number } = {},
): Promise<{ matches: StrandedMatch[]; validations: StrandedValidation[] }> {
  const matches = await sweepStrandedMatches(prisma, {
    olderThanMs: 0,
    includeLive: true,
    now: new Date(Date.now() + 1),
  });
  const validations = await sweepStrandedValidations(prisma, { ...options, staleAfterMs: 0 });
  return { matches, validations };
}
