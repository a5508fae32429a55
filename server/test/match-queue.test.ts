// The match queue's retries on real PostgreSQL and Redis, with in-process workers: a failed
// attempt is retried (the match stays running meanwhile), a result is written once however the
// attempts end, only the final failure aborts the match, and matches left behind when even that
// abort could not be written are swept. Needs both services: skipped with the reason outside CI
// when either is missing, and a failure under CI.
import type { PrismaClient } from "@league/db";
import { openDatabase } from "@league/db";
import {
  createPostgresDatabase,
  dropPostgresDatabase,
  probePostgres,
  TEST_DATABASE_URL,
} from "@league/db/testing";
import type { Worker } from "bullmq";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { registerBuiltinAgents } from "../src/league/builtins.js";
import { Ladder } from "../src/league/ladder.js";
import {
  type MatchJob,
  MatchQueue,
  type MatchWorkerOptions,
  queueConnection,
  startMatchWorker,
} from "../src/league/match-queue.js";
import { sweepStrandedMatches } from "../src/league/stranded.js";
import { seedLeagues } from "../src/seed.js";
import { createMatch } from "../src/storage/matches.js";
import { probeRedis, testRedisUrl } from "./helpers/redis.js";

// Database 13: scale.test.ts flushes its own (12) while it starts.
const REDIS_URL = testRedisUrl(13);

const postgres = await probePostgres();
const redisProblem = await probeRedis(REDIS_URL);
const missing = !postgres.available ? postgres.reason : redisProblem;
if (missing && process.env.CI)
  throw new Error(`match queue tests need PostgreSQL and Redis under CI: ${missing}`);
if (missing) console.warn(`skipping the match queue tests: ${missing}`);

const LEAGUE = "bandit-bernoulli-10";

/** What a lost connection looks like to Prisma's callers. */
function connectionLost(): Error {
  return Object.assign(new Error("Can't reach database server at 127.0.0.1:5432 (simulated outage)"), {
    code: "P1001",
  });
}

/**
 * The client with faults: `fault` sees every call of a top-level method (`$transaction`) or of a
 * model's (`agentVersion.findMany`) and may answer it instead (throw, or hang); `undefined` lets
 * the real call through.
 */
function faulty(
  prisma: PrismaClient,
  fault: (method: string, real: () => Promise<unknown>) => Promise<unknown> | undefined,
): PrismaClient {
  const wrap = (target: object, prefix: string): object =>
    new Proxy(target, {
      get(t, prop) {
        const value = Reflect.get(t, prop) as unknown;
        if (typeof prop !== "string") return value;
        const name = prefix ? `${prefix}.${prop}` : prop;
        if (typeof value === "function")
          return (...args: unknown[]) => {
            const real = () => (value as (...a: unknown[]) => Promise<unknown>).apply(t, args);
            return fault(name, real) ?? real();
          };
        if (!prefix && value !== null && typeof value === "object") return wrap(value, name);
        return value;
      },
    });
  return wrap(prisma, "") as PrismaClient;
}

/** Runs SQL as the administrator, connected to PostgreSQL's own database rather than the test's. */
async function admin(sql: string, ...params: unknown[]): Promise<void> {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = "/postgres";
  const db = await openDatabase({ databaseUrl: url.toString(), migrate: false });
  try {
    if (sql.startsWith("SELECT")) await db.prisma.$queryRawUnsafe(sql, ...params);
    else await db.prisma.$executeRawUnsafe(sql, ...params);
  } finally {
    await db.close();
  }
}

describe.skipIf(missing !== null)("match queue retries on PostgreSQL and Redis", () => {
  let databaseUrl = "";
  let databaseName = "";
  let prisma: PrismaClient;
  let close: () => Promise<void>;
  let versionIds: string[] = [];
  let seed = 1000n;
  let prefixCount = 0;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    ({ url: databaseUrl, name: databaseName } = await createPostgresDatabase());
    const db = await openDatabase({ databaseUrl });
    prisma = db.prisma;
    close = db.close;
    await seedLeagues(prisma);
    await registerBuiltinAgents(prisma);
    versionIds = (
      await prisma.agentVersion.findMany({
        where: { envId: LEAGUE, agent: { kind: "scripted" } },
        orderBy: { createdAt: "asc" },
        take: 3,
      })
    ).map((v) => v.id);
    expect(versionIds).toHaveLength(3);
  });

  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!().catch(() => {});
  });

  afterAll(async () => {
    if (databaseName) await admin(`ALTER DATABASE "${databaseName}" ALLOW_CONNECTIONS true`).catch(() => {});
    await close?.();
    if (databaseUrl) await dropPostgresDatabase(databaseUrl);
  });

  /** A queue and a worker of their own (a fresh prefix), torn down after the test. */
  function setup(
    workerPrisma: PrismaClient,
    options: { attempts?: number; backoffMs?: number; worker?: Partial<MatchWorkerOptions> } = {},
  ) {
    const prefix = `mq-test-${process.pid}-${++prefixCount}`;
    const connection = queueConnection(REDIS_URL);
    const queue = new MatchQueue(connection, {
      prefix,
      attempts: options.attempts ?? 3,
      backoffMs: options.backoffMs ?? 200,
    });
    const failures: {
      matchId: string;
      message: string;
      final: boolean;
      aborted: boolean;
      status?: string;
    }[] = [];
    const played: string[] = [];
    const workers: Worker<MatchJob>[] = [];
    const startWorker = (p: PrismaClient, extra: Partial<MatchWorkerOptions> = {}) => {
      const worker = startMatchWorker(p, null, connection, {
        concurrency: 1,
        prefix,
        onPlayed: (job) => played.push(job.matchId),
        onFailed: (job, error, outcome) => {
          const entry = {
            matchId: job?.matchId ?? "?",
            message: error.message,
            ...outcome,
          } as (typeof failures)[0];
          failures.push(entry);
          // Where the match stands right after the attempt failed.
          if (job)
            void prisma.match
              .findUnique({ where: { id: job.matchId }, select: { status: true } })
              .then((m) => (entry.status = m?.status))
              .catch(() => {});
        },
        ...options.worker,
        ...extra,
      });
      workers.push(worker);
      return worker;
    };
    const worker = startWorker(workerPrisma);
    cleanups.push(async () => {
      for (const w of workers) await w.close(true);
      await queue.queue.obliterate({ force: true });
      await queue.close();
      connection.disconnect();
    });
    return { queue, failures, played, startWorker, worker };
  }

  async function queuedMatch(queue: MatchQueue): Promise<string> {
    seed++;
    const matchId = await createMatch(prisma, {
      leagueId: LEAGUE,
      seed,
      seats: versionIds.map((versionId, slot) => ({ versionId, slot, team: slot })),
    });
    await queue.enqueue({ matchId, leagueId: LEAGUE, mode: "duplicate", versionIds, seed: seed.toString() });
    return matchId;
  }

  const gamesOf = async () =>
    (
      await prisma.rating.findMany({
        where: { leagueId: LEAGUE, versionId: { in: versionIds } },
        orderBy: { versionId: "asc" },
      })
    ).map((r) => r.games);

  const status = async (matchId: string) =>
    (await prisma.match.findUniqueOrThrow({ where: { id: matchId } })).status;

  /** Stored once: a rating event per seat, ranks set, and each version's games up by exactly one. */
  async function expectStoredOnce(matchId: string, gamesBefore: number[]) {
    const match = await prisma.match.findUniqueOrThrow({
      where: { id: matchId },
      include: { participants: true, ratingEvents: true },
    });
    expect(match.status).toBe("finished");
    expect(match.error).toBeNull();
    expect(match.ratingEvents.map((e) => e.versionId).sort()).toEqual([...versionIds].sort());
    expect(match.participants.every((p) => p.rank !== null)).toBe(true);
    expect(await gamesOf()).toEqual(gamesBefore.map((g) => g + 1));
  }

  it("an attempt whose runner throws is retried, the match running meanwhile, and stored once", async () => {
    let thrown = 0;
    const flaky = faulty(prisma, (method) => {
      // duplicateEntrants reads the versions: the first attempt fails there.
      if (method === "agentVersion.findMany" && thrown++ === 0)
        return Promise.reject(new Error("simulated: the runner failed"));
      return undefined;
    });
    const { queue, failures, played } = setup(flaky);
    const before = await gamesOf();
    const matchId = await queuedMatch(queue);
    await expect.poll(() => status(matchId), { timeout: 60_000, interval: 200 }).toBe("finished");
    expect(thrown).toBeGreaterThanOrEqual(2);
    expect(failures).toMatchObject([{ matchId, final: false, aborted: false }]);
    expect(failures[0]!.message).toMatch(/simulated: the runner failed/);
    // Right after the failed attempt the match was still running: not aborted, only retried.
    await expect.poll(() => failures[0]!.status, { timeout: 10_000 }).toBe("running");
    expect(played).toEqual([matchId]);
    await expectStoredOnce(matchId, before);
    const job = await queue.queue.getJob(matchId);
    expect(await job!.getState()).toBe("completed");
    // Two attempts: the failed one and the one that stored it.
    expect(job!.attemptsMade).toBe(2);
  });

  it("the database unreachable when the result is written: the retry writes it once", async () => {
    let cut = 0;
    const flaky = faulty(prisma, (method) => {
      if (method === "$transaction" && cut++ === 0) return Promise.reject(connectionLost());
      return undefined;
    });
    const { queue, failures } = setup(flaky);
    const before = await gamesOf();
    const matchId = await queuedMatch(queue);
    await expect.poll(() => status(matchId), { timeout: 60_000, interval: 200 }).toBe("finished");
    expect(failures).toMatchObject([{ matchId, final: false }]);
    expect(failures[0]!.message).toMatch(/Can't reach database server/);
    await expectStoredOnce(matchId, before);
  });

  it("a commit whose acknowledgement is lost is not written again by the retry", async () => {
    let lost = 0;
    const flaky = faulty(prisma, (method, real) => {
      // The transaction commits, then the connection drops before the worker hears of it.
      if (method === "$transaction" && lost++ === 0)
        return real().then(() => Promise.reject(connectionLost()));
      return undefined;
    });
    const { queue, failures } = setup(flaky);
    const before = await gamesOf();
    const matchId = await queuedMatch(queue);
    await expect
      .poll(async () => (await queue.queue.getJob(matchId))?.getState(), { timeout: 60_000, interval: 200 })
      .toBe("completed");
    expect(failures).toMatchObject([{ matchId, final: false }]);
    expect((await queue.queue.getJob(matchId))!.returnvalue).toEqual({ skipped: true });
    await expectStoredOnce(matchId, before);
  });

  it("the database going away for real in the middle of a match: a later attempt stores it once", async () => {
    const block = async () => {
      // The outage: no new connections to this database, and every open one cut.
      await admin(`ALTER DATABASE "${databaseName}" ALLOW_CONNECTIONS false`);
      await admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", databaseName);
    };
    let outages = 0;
    // It starts once the runner has marked the match running and goes to read the versions.
    const midMatch = faulty(prisma, (method, real) =>
      method === "agentVersion.findMany" && outages++ === 0 ? block().then(real) : undefined,
    );
    const { queue, failures } = setup(midMatch, { attempts: 6, backoffMs: 1000 });
    const before = await gamesOf();
    try {
      const matchId = await queuedMatch(queue);
      await expect.poll(() => failures.length, { timeout: 60_000, interval: 100 }).toBeGreaterThan(0);
      await admin(`ALTER DATABASE "${databaseName}" ALLOW_CONNECTIONS true`);
      expect(failures[0]).toMatchObject({ matchId, final: false });
      expect(failures[0]!.message).toMatch(/not currently accepting connections|terminating connection/);
      await expect
        .poll(() => status(matchId).catch(() => "?"), { timeout: 90_000, interval: 500 })
        .toBe("finished");
      expect(failures.every((f) => !f.final)).toBe(true);
      await expectStoredOnce(matchId, before);
    } finally {
      await admin(`ALTER DATABASE "${databaseName}" ALLOW_CONNECTIONS true`);
    }
  });

  it("a match failing on every attempt is aborted only after the last, with the reason, and rates nothing", async () => {
    const flaky = faulty(prisma, (method) =>
      method === "agentVersion.findMany"
        ? Promise.reject(new Error("simulated: the model would not load"))
        : undefined,
    );
    const { queue, failures } = setup(flaky, { attempts: 3 });
    const before = await gamesOf();
    const matchId = await queuedMatch(queue);
    await expect.poll(() => failures.length, { timeout: 60_000, interval: 200 }).toBe(3);
    await expect.poll(() => status(matchId), { timeout: 10_000 }).toBe("aborted");
    expect(failures.map((f) => f.final)).toEqual([false, false, true]);
    expect(failures[2]!.aborted).toBe(true);
    // After the first and second attempts it was still running.
    await expect
      .poll(() => failures.slice(0, 2).map((f) => f.status), { timeout: 10_000 })
      .toEqual(["running", "running"]);
    const match = await prisma.match.findUniqueOrThrow({
      where: { id: matchId },
      include: { ratingEvents: true },
    });
    expect(match.error).toBe("failed 3 times; last error: simulated: the model would not load");
    expect(match.ratingEvents).toEqual([]);
    expect(await gamesOf()).toEqual(before);
    expect(await (await queue.queue.getJob(matchId))!.getState()).toBe("failed");
  });

  it("a version that cannot play is not retried: aborted at once with the reason", async () => {
    const { queue, failures } = setup(prisma, { attempts: 3 });
    const owner = await prisma.owner.create({ data: { name: `broken-${process.pid}` } });
    const agent = await prisma.agent.create({ data: { ownerId: owner.id, name: "broken", kind: "model" } });
    const broken = await prisma.agentVersion.create({
      data: { agentId: agent.id, version: 1, envId: LEAGUE, manifest: { kind: "mystery" }, status: "active" },
    });
    seed++;
    const seats = [versionIds[0]!, broken.id];
    const matchId = await createMatch(prisma, {
      leagueId: LEAGUE,
      seed,
      seats: seats.map((versionId, slot) => ({ versionId, slot, team: slot })),
    });
    await queue.enqueue({
      matchId,
      leagueId: LEAGUE,
      mode: "duplicate",
      versionIds: seats,
      seed: seed.toString(),
    });
    await expect.poll(() => status(matchId), { timeout: 60_000, interval: 200 }).toBe("aborted");
    expect(failures).toMatchObject([{ matchId, final: true, aborted: true }]);
    expect((await prisma.match.findUniqueOrThrow({ where: { id: matchId } })).error).toMatch(
      /cannot play: unknown agent kind "mystery"/,
    );
  });

  it("a match whose workers die more often than maxStalledCount is aborted with a readable reason", async () => {
    let release: (error: Error) => void = () => {};
    const hung = new Promise<never>((_, reject) => {
      release = reject;
    });
    hung.catch(() => {});
    cleanups.push(async () => release(new Error("test over")));
    // Worker A takes the match and never gets anywhere (as if its machine froze)...
    const stuck = faulty(prisma, (method) => (method === "league.findUniqueOrThrow" ? hung : undefined));
    const started: string[] = [];
    const { queue, failures, startWorker, worker } = setup(stuck, {
      worker: {
        lockDurationMs: 1000,
        stalledIntervalMs: 300,
        maxStalledCount: 0,
        onStarted: (job) => started.push(job.matchId),
      },
    });
    const matchId = await queuedMatch(queue);
    await expect.poll(() => started, { timeout: 30_000, interval: 100 }).toEqual([matchId]);
    // ...then dies: its lock is no longer renewed. The survivor's stalled check finds the job and,
    // as no stall is allowed here, fails it.
    await worker.close(true);
    startWorker(prisma);
    await expect.poll(() => status(matchId), { timeout: 60_000, interval: 200 }).toBe("aborted");
    expect(failures).toMatchObject([{ matchId, final: true, aborted: true }]);
    const match = await prisma.match.findUniqueOrThrow({
      where: { id: matchId },
      include: { ratingEvents: true },
    });
    expect(match.error).toMatch(
      /match workers stopped mid-match too many times \(job stalled more than allowable limit\)/,
    );
    expect(match.ratingEvents).toEqual([]);
    expect(await (await queue.queue.getJob(matchId))!.getState()).toBe("failed");
  });

  describe("stranded matches", () => {
    const HOUR = 3_600_000;
    /** A headless match of the test's versions, made to look `ageMs` old. */
    async function oldMatch(state: "queued" | "running", ageMs: number, live = false): Promise<string> {
      seed++;
      const matchId = await createMatch(prisma, {
        leagueId: LEAGUE,
        seed,
        live,
        seats: versionIds.map((versionId, slot) => ({ versionId, slot, team: slot })),
      });
      const then = new Date(Date.now() - ageMs);
      await prisma.match.update({
        where: { id: matchId },
        data: { createdAt: then, status: state, ...(state === "running" ? { startedAt: then } : {}) },
      });
      return matchId;
    }

    it("a job that failed for good while the database was down leaves its match running until the sweep aborts it", async () => {
      // Every write fails: the runner's first step (startMatch), and the final abort too.
      const down = faulty(prisma, (method) =>
        method.startsWith("match.") || method === "agentVersion.findMany"
          ? Promise.reject(connectionLost())
          : undefined,
      );
      const { queue, failures } = setup(down, { attempts: 2, backoffMs: 100 });
      const matchId = await queuedMatch(queue);
      await expect.poll(() => failures.length, { timeout: 60_000, interval: 200 }).toBe(2);
      expect(failures[1]).toMatchObject({ final: true, aborted: false });
      expect(failures[1]!.message).toMatch(/marking the match aborted failed/);
      expect(await status(matchId)).toBe("queued");
      // Young: left alone even though its job failed.
      expect(await sweepStrandedMatches(prisma, { queue })).toEqual([]);
      // Once it is older than the bound, the sweep aborts it and says why.
      const swept = await sweepStrandedMatches(prisma, { queue, now: new Date(Date.now() + 2 * HOUR) });
      expect(swept.map((m) => m.matchId)).toContain(matchId);
      const match = await prisma.match.findUniqueOrThrow({ where: { id: matchId } });
      expect(match.status).toBe("aborted");
      expect(match.error).toMatch(
        /^stranded: queued for \d+ min after its job failed: .*Can't reach database server/,
      );
    });

    it("the ladder's sweep aborts old headless matches with no live job, and only those", async () => {
      const { queue, worker } = setup(prisma);
      await worker.close(); // nobody plays: a waiting job stays waiting
      const noJob = await oldMatch("running", HOUR);
      const neverQueued = await oldMatch("queued", HOUR);
      const waiting = await oldMatch("running", HOUR);
      await queue.enqueue({ matchId: waiting, leagueId: LEAGUE, mode: "duplicate", versionIds, seed: "1" });
      const young = await oldMatch("running", 1000);
      const live = await oldMatch("running", HOUR, true);
      const done = await oldMatch("running", HOUR);
      await prisma.match.update({ where: { id: done }, data: { status: "finished" } });

      const reported: string[] = [];
      const ladder = new Ladder(prisma, null, {
        intervalMs: 50,
        seed: 1,
        leagues: ["no-such-league"],
        queue,
        strandedAfterMs: 10 * 60_000,
        sweepIntervalMs: 60_000,
        onStranded: (swept) => reported.push(...swept.map((m) => m.matchId)),
      });
      ladder.start();
      try {
        // On its first pass.
        await expect.poll(() => reported.length, { timeout: 30_000, interval: 100 }).toBe(2);
      } finally {
        await ladder.stop();
      }
      expect(reported.sort()).toEqual([noJob, neverQueued].sort());
      const byId = new Map(
        (
          await prisma.match.findMany({
            where: { id: { in: [noJob, neverQueued, waiting, young, live, done] } },
          })
        ).map((m) => [m.id, m]),
      );
      expect(byId.get(noJob)).toMatchObject({ status: "aborted" });
      expect(byId.get(noJob)!.error).toMatch(
        /^stranded: running for 60 min and no match worker will play it/,
      );
      expect(byId.get(neverQueued)!.error).toMatch(/^stranded: queued for 60 min/);
      expect(byId.get(waiting)!.status).toBe("running");
      expect(byId.get(young)!.status).toBe("running");
      expect(byId.get(live)!.status).toBe("running");
      expect(byId.get(done)!.status).toBe("finished");
      for (const id of [waiting, young, live])
        await prisma.match.update({ where: { id }, data: { status: "aborted" } });
    });
  });
});
