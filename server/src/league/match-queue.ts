// Ladder matches as jobs on a Redis-backed BullMQ queue, so that any number of match-worker
// processes on any machine play them. A job carries a match row already created (queued); its
// job id is the match id, so a match is enqueued at most once, and finishMatch writes its result
// at most once however many times a job is retried.
//
// Retries: a worker that dies leaves a stalled job, which BullMQ hands to another worker; a job
// whose attempt throws (the database briefly unreachable, a failing runner) is retried after a
// backoff, the match staying "running" meanwhile. Only the job's final failure (its attempts
// used up, an error no retry can fix, or a worker dying more often than maxStalledCount) marks
// the match aborted, with the reason; sweepStrandedMatches catches a match whose abort was lost.
import type { PrismaClient } from "@league/db";
import { type Job, Queue, UnrecoverableError, Worker } from "bullmq";
import { Redis } from "ioredis";
import type { PlatformEvents } from "../feed.js";
import { UnplayableVersionError } from "../match/players.js";
import { abortMatch, type FinishedMatch, MatchError } from "../storage/matches.js";
import { runDuplicateMatch } from "./duplicate-runner.js";
import { runHeadToHeadMatch } from "./head-to-head-runner.js";

export const MATCH_QUEUE = "ladder-matches";

export interface MatchJob {
  matchId: string;
  leagueId: string;
  mode: "duplicate" | "head_to_head";
  /** Seat order: blue team first for head-to-head. */
  versionIds: string[];
  /** The match seed as a decimal string (a 63-bit integer does not fit a JSON number). */
  seed: string;
  headToHeadSeconds?: number;
}

/** Where a match's job stands: `live` while a worker holds it or it waits (or backs off) for one. */
export interface JobStatus {
  live: boolean;
  /** BullMQ's state: waiting, delayed, active, prioritized, completed, failed, or unknown (no such job). */
  state: string;
  /** Why a failed job failed. */
  failedReason?: string;
  attemptsMade?: number;
}

/** What the ladder needs of a queue. */
export interface LadderQueue {
  enqueue(job: MatchJob): Promise<void>;
  /** Jobs waiting or being played. */
  backlog(): Promise<number>;
  /** The job of a match (for the sweep of stranded matches). */
  jobStatus?(matchId: string): Promise<JobStatus>;
}

/** Job states in which a worker holds the job, or will take it. */
const LIVE_STATES = new Set(["waiting", "delayed", "active", "prioritized", "waiting-children"]);

export const DEFAULT_ATTEMPTS = 3;

/** BullMQ needs blocking commands to wait without a per-request retry cap. */
export function queueConnection(redisUrl: string): Redis {
  return new Redis(redisUrl, { maxRetriesPerRequest: null });
}

export class MatchQueue implements LadderQueue {
  readonly queue: Queue<MatchJob>;

  constructor(
    connection: Redis,
    options: {
      prefix?: string;
      /** Tries of a match before it is aborted (default 3). */
      attempts?: number;
      /** The first retry's delay; each further one doubles it (default 1 s). */
      backoffMs?: number;
    } = {},
  ) {
    this.queue = new Queue<MatchJob>(MATCH_QUEUE, {
      connection,
      ...(options.prefix ? { prefix: options.prefix } : {}),
      defaultJobOptions: {
        attempts: options.attempts ?? DEFAULT_ATTEMPTS,
        backoff: { type: "exponential", delay: options.backoffMs ?? 1000 },
        removeOnComplete: 1000,
        removeOnFail: 1000,
      },
    });
  }

  async enqueue(job: MatchJob): Promise<void> {
    // jobId = match id: adding the same match twice is a no-op.
    await this.queue.add("match", job, { jobId: job.matchId });
  }

  async backlog(): Promise<number> {
    const counts = await this.queue.getJobCounts("waiting", "active", "delayed", "prioritized");
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  async jobStatus(matchId: string): Promise<JobStatus> {
    const job = await this.queue.getJob(matchId);
    if (!job) return { live: false, state: "unknown" };
    const state = await job.getState();
    return {
      live: LIVE_STATES.has(state),
      state,
      ...(job.failedReason ? { failedReason: job.failedReason } : {}),
      attemptsMade: job.attemptsMade,
    };
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

/** Plays one queued match (again from its seed if an earlier worker died); idempotent. */
export async function playMatchJob(
  prisma: PrismaClient,
  events: PlatformEvents | null,
  job: MatchJob,
): Promise<FinishedMatch | null> {
  const match = await prisma.match.findUnique({ where: { id: job.matchId }, select: { status: true } });
  if (!match) throw new UnrecoverableError(`match ${job.matchId} of job does not exist`);
  // Finished by an earlier attempt whose acknowledgement was lost, or aborted: nothing to do.
  if (match.status === "finished" || match.status === "aborted") return null;
  const seed = BigInt(job.seed);
  try {
    // The runners leave a failed match running: the queue retries it, and the final failure aborts it.
    return job.mode === "head_to_head"
      ? await runHeadToHeadMatch(prisma, events, {
          leagueId: job.leagueId,
          seats: job.versionIds.map((versionId) => ({ versionId })),
          seed,
          matchId: job.matchId,
          abortOnError: false,
          ...(job.headToHeadSeconds ? { durationSeconds: job.headToHeadSeconds } : {}),
        })
      : await runDuplicateMatch(prisma, events, {
          leagueId: job.leagueId,
          versionIds: job.versionIds,
          seed,
          matchId: job.matchId,
          abortOnError: false,
        });
  } catch (error) {
    // A version that cannot play, or a match that is no longer queued or running: a retry
    // would fail the same way.
    if (error instanceof UnplayableVersionError || error instanceof MatchError)
      throw new UnrecoverableError((error as Error).message);
    throw error;
  }
}

/** Whether BullMQ retries no more after this failure (its attempts counted, the failure included). */
export function isFinalFailure(job: Pick<Job, "attemptsMade" | "opts">, error: Error): boolean {
  return error.name === "UnrecoverableError" || job.attemptsMade >= (job.opts.attempts ?? 1);
}

/** The readable reason stored with a match whose job failed for good. */
export function failureReason(job: Pick<Job, "attemptsMade" | "opts">, error: Error): string {
  if (/stalled more than allowable limit/.test(error.message))
    return `its match workers stopped mid-match too many times (${error.message})`;
  if (error.name === "UnrecoverableError") return error.message;
  const attempts = job.opts.attempts ?? 1;
  return attempts > 1 ? `failed ${job.attemptsMade} times; last error: ${error.message}` : error.message;
}

export interface MatchWorkerOptions {
  concurrency: number;
  prefix?: string;
  /** How long a job's lock lasts without renewal: a dead worker's job is retried after about this. */
  lockDurationMs?: number;
  /** How often workers look for stalled jobs. */
  stalledIntervalMs?: number;
  /** Times a job may stall (its worker dead) and still be retried (default 2). */
  maxStalledCount?: number;
  onStarted?: (job: MatchJob) => void;
  onPlayed?: (job: MatchJob, finished: FinishedMatch | null) => void;
  /**
   * After each failed attempt; `final` when it is not retried. A final failure has marked the
   * match aborted (`aborted`), unless that write failed too (the sweep aborts it later).
   */
  onFailed?: (
    job: MatchJob | undefined,
    error: Error,
    outcome: { final: boolean; attemptsMade: number; aborted: boolean },
  ) => void;
}

/** A BullMQ worker that plays ladder matches headless and writes their results. */
export function startMatchWorker(
  prisma: PrismaClient,
  events: PlatformEvents | null,
  connection: Redis,
  options: MatchWorkerOptions,
): Worker<MatchJob> {
  const worker = new Worker<MatchJob>(
    MATCH_QUEUE,
    async (job: Job<MatchJob>) => {
      options.onStarted?.(job.data);
      const finished = await playMatchJob(prisma, events, job.data);
      options.onPlayed?.(job.data, finished);
      return finished ? { matchId: finished.matchId, applied: finished.applied } : { skipped: true };
    },
    {
      connection,
      concurrency: options.concurrency,
      ...(options.prefix ? { prefix: options.prefix } : {}),
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? 15_000,
      // A match whose worker died twice is still retried once more before it is failed.
      maxStalledCount: options.maxStalledCount ?? 2,
    },
  );
  worker.on("failed", (job, error) => {
    if (!job) {
      options.onFailed?.(undefined, error, { final: true, attemptsMade: 0, aborted: false });
      return;
    }
    const final = isFinalFailure(job, error);
    if (!final) {
      options.onFailed?.(job.data, error, { final, attemptsMade: job.attemptsMade, aborted: false });
      return;
    }
    // Also reached for a job that stalled too often: BullMQ fails it without running it again.
    void abortMatch(prisma, job.data.matchId, failureReason(job, error)).then(
      () => options.onFailed?.(job.data, error, { final, attemptsMade: job.attemptsMade, aborted: true }),
      (abortError: Error) =>
        options.onFailed?.(
          job.data,
          new Error(`${error.message} (and marking the match aborted failed: ${abortError.message})`),
          { final, attemptsMade: job.attemptsMade, aborted: false },
        ),
    );
  });
  return worker;
}
