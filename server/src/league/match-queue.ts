// Ladder matches as jobs on a Redis-backed BullMQ queue, so that any number of match-worker
// processes on any machine play them. A job carries a match row already created (queued); its
// job id is the match id, so a match is enqueued at most once, and finishMatch writes its result
// at most once however many times a job is retried (a worker that dies leaves a stalled job,
// which BullMQ hands to another worker).
import type { PrismaClient } from "@league/db";
import { type Job, Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import type { PlatformEvents } from "../feed.js";
import { runDuplicateMatch } from "./duplicate-runner.js";
import { runHeadToHeadMatch } from "./head-to-head-runner.js";
import type { FinishedMatch } from "./matches.js";

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

/** What the ladder needs of a queue. */
export interface LadderQueue {
  enqueue(job: MatchJob): Promise<void>;
  /** Jobs waiting or being played. */
  backlog(): Promise<number>;
}

/** BullMQ needs blocking commands to wait without a per-request retry cap. */
export function queueConnection(redisUrl: string): Redis {
  return new Redis(redisUrl, { maxRetriesPerRequest: null });
}

export class MatchQueue implements LadderQueue {
  readonly queue: Queue<MatchJob>;

  constructor(connection: Redis, options: { prefix?: string } = {}) {
    this.queue = new Queue<MatchJob>(MATCH_QUEUE, {
      connection,
      ...(options.prefix ? { prefix: options.prefix } : {}),
      defaultJobOptions: {
        attempts: 3,
        backoff: { type: "exponential", delay: 1000 },
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
  if (!match) throw new Error(`match ${job.matchId} of job does not exist`);
  // Finished by an earlier attempt whose acknowledgement was lost, or aborted: nothing to do.
  if (match.status === "finished" || match.status === "aborted") return null;
  const seed = BigInt(job.seed);
  return job.mode === "head_to_head"
    ? runHeadToHeadMatch(prisma, events, {
        leagueId: job.leagueId,
        seats: job.versionIds.map((versionId) => ({ versionId })),
        seed,
        matchId: job.matchId,
        ...(job.headToHeadSeconds ? { durationSeconds: job.headToHeadSeconds } : {}),
      })
    : runDuplicateMatch(prisma, events, {
        leagueId: job.leagueId,
        versionIds: job.versionIds,
        seed,
        matchId: job.matchId,
      });
}

export interface MatchWorkerOptions {
  concurrency: number;
  prefix?: string;
  /** How long a job's lock lasts without renewal: a dead worker's job is retried after about this. */
  lockDurationMs?: number;
  /** How often workers look for stalled jobs. */
  stalledIntervalMs?: number;
  onStarted?: (job: MatchJob) => void;
  onPlayed?: (job: MatchJob, finished: FinishedMatch | null) => void;
  onFailed?: (job: MatchJob | undefined, error: Error) => void;
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
      maxStalledCount: 2,
    },
  );
  worker.on("failed", (job, error) => options.onFailed?.(job?.data, error));
  return worker;
}
