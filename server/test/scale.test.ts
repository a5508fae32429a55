// Scaled out as in infra/: two server processes and two match workers sharing PostgreSQL and
// Redis, run here as plain processes. Needs both services: skipped with the reason outside CI when
// either is missing, and a failure under CI.
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { openDatabase, type PrismaClient } from "@league/db";
import { createPostgresDatabase, dropPostgresDatabase, probePostgres } from "@league/db/testing";
import { Client, type SeatReservation } from "colyseus.js";
import { Redis } from "ioredis";
import { io as connectFeed, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MatchJob, MatchQueue, queueConnection } from "../src/league/match-queue.js";
import { createMatch } from "../src/storage/matches.js";
import { DIST, freePort } from "./helpers/processes.js";
import { probeRedis, testRedisUrl } from "./helpers/redis.js";

// Database 12: this file flushes it while it starts.
const REDIS_URL = testRedisUrl(12);

const postgres = await probePostgres();
const redisProblem = await probeRedis(REDIS_URL);
const missing = !postgres.available ? postgres.reason : redisProblem;
if (missing && process.env.CI)
  throw new Error(`scale-out tests need PostgreSQL and Redis under CI: ${missing}`);
if (missing) console.warn(`skipping the scale-out tests: ${missing}`);

/** A seat in a room asked of the server on `port` (Colyseus's matchmaking route), and where the room lives. */
async function reserveSeat(
  port: number,
  roomId: string,
): Promise<SeatReservation & { room: { publicAddress?: string } }> {
  const res = await fetch(`http://127.0.0.1:${port}/matchmake/joinById/${roomId}`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: "{}",
  });
  const body = (await res.json()) as SeatReservation & { room: { publicAddress?: string }; error?: string };
  if (!res.ok || body.error)
    throw new Error(`seat in ${roomId} via port ${port}: ${res.status} ${body.error}`);
  return body;
}

/**
 * A headless match of the first `bots` scripted bots (by creation) of the league's environment
 * (the seeded leagues are named after theirs), each its own seat: its row, and its job queued.
 */
async function queueBotMatch(
  prisma: PrismaClient,
  queue: MatchQueue,
  input: Pick<MatchJob, "leagueId" | "mode" | "headToHeadSeconds"> & { seed: bigint; bots: number },
) {
  const bots = await prisma.agentVersion.findMany({
    where: { envId: input.leagueId, agent: { kind: "scripted" } },
    orderBy: { createdAt: "asc" },
    take: input.bots,
  });
  const matchId = await createMatch(prisma, {
    leagueId: input.leagueId,
    seed: input.seed,
    seats: bots.map((v, slot) => ({ versionId: v.id, slot, team: slot })),
  });
  const job: MatchJob = {
    matchId,
    leagueId: input.leagueId,
    mode: input.mode,
    versionIds: bots.map((v) => v.id),
    seed: input.seed.toString(),
    ...(input.headToHeadSeconds === undefined ? {} : { headToHeadSeconds: input.headToHeadSeconds }),
  };
  await queue.enqueue(job);
  return { matchId, bots, job };
}

interface Proc {
  child: ChildProcess;
  output: () => string;
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<string>;
}

function start(script: string, env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [path.join(DIST, script)], {
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d));
  child.stderr?.on("data", (d: Buffer) => (output += d));
  return {
    child,
    output: () => output,
    waitFor: (text, timeoutMs = 90_000) =>
      new Promise((resolve, reject) => {
        const started = Date.now();
        const tick = setInterval(() => {
          const found =
            typeof text === "string" ? (output.includes(text) ? text : null) : output.match(text)?.[0];
          if (found) {
            clearInterval(tick);
            resolve(found);
          } else if (child.exitCode !== null || Date.now() - started > timeoutMs) {
            clearInterval(tick);
            reject(new Error(`${script}: no ${String(text)} (exit ${child.exitCode}); output:\n${output}`));
          }
        }, 50);
      }),
  };
}

describe.skipIf(missing !== null)(
  "scaled out: two servers and two match workers on PostgreSQL and Redis",
  () => {
    let databaseUrl = "";
    const procs: Proc[] = [];
    let a: Proc;
    let b: Proc;
    let workers: Proc[] = [];
    let portA = 0;
    let portB = 0;
    let common: Record<string, string> = {};
    const sockets: Socket[] = [];

    const api = async (port: number, route: string) => {
      const res = await fetch(`http://127.0.0.1:${port}${route}`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    beforeAll(async () => {
      const redis = new Redis(REDIS_URL);
      await redis.flushdb();
      redis.disconnect();
      ({ url: databaseUrl } = await createPostgresDatabase());
      [portA, portB] = [await freePort(), await freePort()];
      common = { DATABASE_URL: databaseUrl, REDIS_URL, HOST: "127.0.0.1", LIVE_MATCH_SECONDS: "60" };
      // A plays live matches and runs the ladder (which only queues); B serves clients.
      a = start("main.js", { ...common, SERVER_PORT: String(portA), LADDER_INTERVAL_MS: "300" });
      procs.push(a);
      await a.waitFor("server: listening");
      b = start("main.js", {
        ...common,
        SERVER_PORT: String(portB),
        LADDER_INTERVAL_MS: "0",
        LIVE_MATCHES: "off",
      });
      procs.push(b);
      workers = [1, 2].map(() =>
        start("worker.js", { DATABASE_URL: databaseUrl, REDIS_URL, WORKER_LOCK_MS: "3000" }),
      );
      procs.push(...workers);
      await Promise.all([b.waitFor("server: listening"), ...workers.map((w) => w.waitFor("worker: ready"))]);
    });

    afterAll(async () => {
      for (const s of sockets) s.disconnect();
      for (const p of procs) if (p.child.exitCode === null) p.child.kill("SIGKILL");
      await new Promise((r) => setTimeout(r, 500));
      if (databaseUrl) await dropPostgresDatabase(databaseUrl);
    });

    it("a spectator joins a room of server A through server B, and B's feed carries events from A and the workers", async () => {
      const feed = connectFeed(`http://127.0.0.1:${portB}/feed`, { transports: ["websocket"] });
      sockets.push(feed);
      const seen: { event: string; matchId: string }[] = [];
      for (const event of ["match.started", "match.finished"])
        feed.on(event, (p: { matchId: string }) => seen.push({ event, matchId: p.matchId }));
      await new Promise<void>((resolve) => feed.on("connect", () => resolve()));

      // Live matches run on A only; B finds one through Redis and a client joins it through B.
      let roomId: string | undefined;
      await expect
        .poll(
          async () => {
            const live = await api(portB, "/api/v1/matches/live");
            const car = (live.body.items as { id: string; leagueId: string }[]).find(
              (m) => m.leagueId === "car-soccer-1v1",
            );
            if (!car) return false;
            const room = await api(portB, `/api/v1/matches/${car.id}/live`);
            roomId = (room.body as { roomId?: string }).roomId;
            return room.status === 200 && typeof roomId === "string";
          },
          { timeout: 60_000, interval: 500 },
        )
        .toBe(true);
      // B's matchmaker names A as the room's home; the client connects there.
      const seat = await reserveSeat(portB, roomId!);
      expect(seat.room.publicAddress).toBe(`127.0.0.1:${portA}`);
      const spectator = await new Client(`ws://127.0.0.1:${portB}`).consumeSeatReservation(seat);
      const ticks: number[] = [];
      spectator.onStateChange((s: { tick: number }) => ticks.push(s.tick));
      await expect.poll(() => new Set(ticks).size, { timeout: 20_000 }).toBeGreaterThan(3);
      await spectator.leave();

      // Ladder matches queued by A and played by the workers reach a client of B.
      await expect
        .poll(() => seen.filter((s) => s.event === "match.finished").length, { timeout: 60_000 })
        .toBeGreaterThan(2);
      // Each match B's client heard finish is stored as finished, as A's API tells.
      for (const { matchId } of seen.filter((s) => s.event === "match.finished").slice(0, 3)) {
        const stored = await api(portA, `/api/v1/matches/${matchId}`);
        expect(stored.status).toBe(200);
        expect((stored.body as { status: string }).status).toBe("finished");
      }
    });

    it("the workers play the ladder's queued matches, each stored once", async () => {
      const played = () => workers.map((w) => (w.output().match(/worker: played match/g) ?? []).length);
      await expect.poll(() => played().reduce((x, y) => x + y, 0), { timeout: 60_000 }).toBeGreaterThan(5);
      // Both workers took matches: the queue spreads them.
      await expect.poll(() => played().every((n) => n > 0), { timeout: 60_000 }).toBe(true);
      const db = await openDatabase({ databaseUrl });
      try {
        const finished = await db.prisma.match.findMany({
          where: { live: false, status: "finished" },
          include: { ratingEvents: true, participants: true },
        });
        expect(finished.length).toBeGreaterThan(5);
        for (const m of finished) expect(m.ratingEvents.length).toBe(m.participants.length);
      } finally {
        await db.close();
      }
    });

    it("a match whose worker is killed mid-match is retried by the other and stored exactly once", async () => {
      const db = await openDatabase({ databaseUrl });
      const { prisma } = db;
      const connection = queueConnection(REDIS_URL);
      const queue = new MatchQueue(connection);
      try {
        // A long game (an hour of play) keeps a worker busy for a while.
        const { matchId, bots, job } = await queueBotMatch(prisma, queue, {
          leagueId: "car-soccer-1v1",
          mode: "head_to_head",
          seed: 12345n,
          bots: 2,
          headToHeadSeconds: 3600,
        });
        // Twice: the job id is the match id, so the second is a no-op.
        await queue.enqueue(job);
        const playing = `worker: playing match ${matchId}`;
        await expect
          .poll(() => workers.findIndex((w) => w.output().includes(playing)), { timeout: 60_000 })
          .toBeGreaterThan(-1);
        const victim = workers.find((w) => w.output().includes(playing))!;
        const survivor = workers.find((w) => w !== victim)!;
        victim.child.kill("SIGKILL");
        await expect
          .poll(async () => (await prisma.match.findUniqueOrThrow({ where: { id: matchId } })).status, {
            timeout: 150_000,
            interval: 1000,
          })
          .toBe("finished");
        expect(survivor.output()).toContain(playing);
        const events = await prisma.ratingEvent.findMany({ where: { matchId } });
        expect(events).toHaveLength(2);
        expect(events.map((e) => e.versionId).sort()).toEqual(bots.map((v) => v.id).sort());
        const participants = await prisma.matchParticipant.findMany({ where: { matchId } });
        expect(participants.every((p) => p.rank !== null)).toBe(true);
        // Each participant's rating counted this match once. The ladder and the live matches rate
        // the same bots meanwhile, so read one snapshot (a single statement): every finished match
        // a bot played in this league, this one included, added exactly one game and one event.
        const ratings = await prisma.$queryRaw<
          { versionId: string; games: number; outcomes: number; finished: number; events: number }[]
        >`
          SELECT r."versionId", r.games, r.wins + r.draws + r.losses AS outcomes,
            (SELECT count(*)::int FROM "MatchParticipant" p JOIN "Match" m ON m.id = p."matchId"
              WHERE p."versionId" = r."versionId" AND m."leagueId" = r."leagueId" AND m.status = 'finished') AS finished,
            (SELECT count(*)::int FROM "RatingEvent" e JOIN "Match" m ON m.id = e."matchId"
              WHERE e."versionId" = r."versionId" AND e."leagueId" = r."leagueId") AS events
          FROM "Rating" r
          WHERE r."leagueId" = 'car-soccer-1v1' AND r."versionId" = ANY(${bots.map((v) => v.id)}::uuid[])`;
        expect(ratings).toHaveLength(2);
        for (const r of ratings) {
          expect(r.games).toBeGreaterThanOrEqual(1);
          expect(r).toMatchObject({ games: r.finished, events: r.finished, outcomes: r.finished });
        }
        workers = [survivor];
      } finally {
        await queue.close();
        connection.disconnect();
        await db.close();
      }
    });

    /** The car-soccer 1v1 live match B knows of with an open room, other than `not`, and that room's id. */
    const liveRoom = async (not?: string) => {
      const live = await api(portB, "/api/v1/matches/live");
      const car = (live.body.items as { id: string; leagueId: string }[]).find(
        (m) => m.leagueId === "car-soccer-1v1" && m.id !== not,
      );
      if (!car) return null;
      const room = await api(portB, `/api/v1/matches/${car.id}/live`);
      const roomId = (room.body as { roomId?: string }).roomId;
      return room.status === 200 && roomId ? { matchId: car.id, roomId } : null;
    };

    it("when server A is killed while a spectator watches its room, the spectator moves through B to a match a survivor hosts, and B keeps answering", async () => {
      // A spectator watches A's live match, joined through B.
      let watched: { matchId: string; roomId: string } | null = null;
      await expect
        .poll(
          async () => {
            watched = await liveRoom();
            return watched !== null;
          },
          { timeout: 60_000, interval: 500 },
        )
        .toBe(true);
      const seat = await reserveSeat(portB, watched!.roomId);
      expect(seat.room.publicAddress).toBe(`127.0.0.1:${portA}`);
      const spectator = await new Client(`ws://127.0.0.1:${portB}`).consumeSeatReservation(seat);
      const left = new Promise<number>((resolve) => spectator.onLeave((code) => resolve(code)));

      // A third server that also keeps live matches going: it starts none while A's are on.
      const portC = await freePort();
      const c = start("main.js", { ...common, SERVER_PORT: String(portC), LADDER_INTERVAL_MS: "0" });
      procs.push(c);
      await c.waitFor("server: listening");

      a.child.kill("SIGKILL");
      await left; // the connection to A is gone
      expect((await api(portB, "/api/v1/health")).status).toBe(200);

      // C finds A's room gone (Colyseus's health check of A fails), aborts that match and starts a
      // new one; the spectator finds it through B and watches it on C.
      let next: { matchId: string; roomId: string } | null = null;
      await expect
        .poll(
          async () => {
            next = await liveRoom(watched!.matchId);
            return next !== null;
          },
          {
            timeout: 60_000,
            interval: 500,
          },
        )
        .toBe(true);
      const nextSeat = await reserveSeat(portB, next!.roomId);
      expect(nextSeat.room.publicAddress).toBe(`127.0.0.1:${portC}`);
      const again = await new Client(`ws://127.0.0.1:${portB}`).consumeSeatReservation(nextSeat);
      const ticks: number[] = [];
      again.onStateChange((st: { tick: number }) => ticks.push(st.tick));
      await expect.poll(() => new Set(ticks).size, { timeout: 20_000 }).toBeGreaterThan(3);
      await again.leave();
      const check = await openDatabase({ databaseUrl });
      try {
        const old = await check.prisma.match.findUniqueOrThrow({ where: { id: watched!.matchId } });
        expect(old.status).toBe("aborted");
        expect(old.error).toMatch(/live room is gone/);
        expect(await check.prisma.ratingEvent.count({ where: { matchId: old.id } })).toBe(0);
      } finally {
        await check.close();
      }

      expect((await api(portB, "/api/v1/leagues/bandit-bernoulli-10/leaderboard?limit=5")).status).toBe(200);
      // A client reconnecting to the survivor hears of a match the remaining worker plays.
      const feed = connectFeed(`http://127.0.0.1:${portB}/feed`, { transports: ["websocket"] });
      sockets.push(feed);
      const finished: string[] = [];
      feed.on("match.finished", (p: { matchId: string }) => finished.push(p.matchId));
      await new Promise<void>((resolve) => feed.on("connect", () => resolve()));
      const db = await openDatabase({ databaseUrl });
      const connection = queueConnection(REDIS_URL);
      const queue = new MatchQueue(connection);
      try {
        const { matchId } = await queueBotMatch(db.prisma, queue, {
          leagueId: "bandit-bernoulli-10",
          mode: "duplicate",
          seed: 99n,
          bots: 3,
        });
        await expect.poll(() => finished.includes(matchId), { timeout: 60_000 }).toBe(true);
        expect((await db.prisma.match.findUniqueOrThrow({ where: { id: matchId } })).status).toBe("finished");
        // SIGTERM: the worker finishes what it holds and exits cleanly.
        const worker = workers[0]!;
        const exited = new Promise<number | null>((resolve) =>
          worker.child.on("exit", (code) => resolve(code)),
        );
        worker.child.kill("SIGTERM");
        expect(await exited).toBe(0);
      } finally {
        await queue.close();
        connection.disconnect();
        await db.close();
      }
    });
  },
);
