// Headless ladder matches that nothing will ever finish: a job that failed for good while the
// database was down (so its abort was lost), a job gone from the queue, a server that died in the
// middle of an in-process match. Left alone they would stay "queued" or "running" forever; the
// ladder sweeps them (on start, then periodically) and aborts them, unrated, with the reason.
import type { PrismaClient } from "@league/db";
import { abortMatch } from "../storage/matches.js";
import type { JobStatus } from "./match-queue.js";

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
      live: false,
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
