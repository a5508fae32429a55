// Failures a real deployment meets, on real PostgreSQL: a process killed inside a result's
// transaction, and the database going away under a running server. The shared PostgreSQL also
// serves other test runs, so it is never restarted: the outage is simulated on this test's own
// database only (new connections refused, existing ones terminated with pg_terminate_backend).
import type { ChildProcess } from "node:child_process";
import path from "node:path";
import { openDatabase } from "@league/db";
import {
  createPostgresDatabase,
  dropPostgresDatabase,
  probePostgres,
  TEST_DATABASE_URL,
} from "@league/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedLeagues } from "../src/seed.js";
import { createMatch, finishMatch } from "../src/storage/matches.js";
import { DIST, freePort, SERVER_DIR, spawnNode } from "./helpers/processes.js";

const postgres = await probePostgres();
if (!postgres.available && process.env.CI)
  throw new Error(`reliability tests need PostgreSQL under CI: ${postgres.reason}`);

/** Runs SQL as the administrator, connected to PostgreSQL's own database rather than the test's. */
async function admin(sql: string, ...params: unknown[]): Promise<Record<string, unknown>[]> {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = "/postgres";
  const db = await openDatabase({ databaseUrl: url.toString(), migrate: false });
  try {
    if (sql.startsWith("SELECT"))
      return await db.prisma.$queryRawUnsafe<Record<string, unknown>[]>(sql, ...params);
    await db.prisma.$executeRawUnsafe(sql, ...params);
    return [];
  } finally {
    await db.close();
  }
}

describe.skipIf(!postgres.available)("reliability on PostgreSQL", () => {
  let databaseUrl = "";
  let databaseName = "";
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    ({ url: databaseUrl, name: databaseName } = await createPostgresDatabase());
    const db = await openDatabase({ databaseUrl });
    await seedLeagues(db.prisma);
    await db.close();
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    if (databaseName) await admin(`ALTER DATABASE "${databaseName}" ALLOW_CONNECTIONS true`).catch(() => {});
    await new Promise((r) => setTimeout(r, 300));
    if (databaseUrl) await dropPostgresDatabase(databaseUrl);
  });

  it("a process killed inside finishMatch's transaction leaves no result, no ranks and no ratings; the retry stores them once", async () => {
    const db = await openDatabase({ databaseUrl, migrate: false });
    const { prisma } = db;
    try {
      const owner = await prisma.owner.create({ data: { name: "crash-lab" } });
      const versionIds: string[] = [];
      for (const name of ["left", "right"]) {
        const agent = await prisma.agent.create({ data: { ownerId: owner.id, name, kind: "scripted" } });
        const v = await prisma.agentVersion.create({
          data: { agentId: agent.id, version: 1, envId: "car-soccer-1v1", manifest: {}, status: "active" },
        });
        versionIds.push(v.id);
      }
      const matchId = await createMatch(prisma, {
        leagueId: "car-soccer-1v1",
        seed: 7n,
        seats: versionIds.map((versionId, slot) => ({ versionId, slot, team: slot })),
      });

      const finisher = spawnNode([path.join(SERVER_DIR, "test/helpers/crash-finisher.mjs"), matchId], {
        DATABASE_URL: databaseUrl,
      });
      children.push(finisher.child);
      await expect
        .poll(() => finisher.output(), { timeout: 60_000, interval: 100 })
        .toContain("in-transaction");
      // Every row of the result is written but not committed: another session cannot see them.
      expect(await prisma.ratingEvent.count({ where: { matchId } })).toBe(0);
      const exited = new Promise((resolve) => finisher.child.on("exit", resolve));
      finisher.child.kill("SIGKILL");
      await exited;

      // PostgreSQL rolls the dead session's transaction back (and frees its row lock).
      await expect
        .poll(
          async () =>
            (
              await admin(
                "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND state LIKE 'idle in transaction%'",
                databaseName,
              )
            )[0]!.n,
          { timeout: 30_000 },
        )
        .toBe(0);
      const match = await prisma.match.findUniqueOrThrow({
        where: { id: matchId },
        include: { participants: true, ratingEvents: true },
      });
      expect(match.status).toBe("queued");
      expect(match.result).toBeNull();
      expect(match.participants.map((p) => p.rank)).toEqual([null, null]);
      expect(match.ratingEvents).toEqual([]);
      expect(await prisma.rating.count({ where: { versionId: { in: versionIds } } })).toBe(0);

      const retried = await finishMatch(prisma, { matchId, teamScores: [2, 1], result: { retried: true } });
      expect(retried.applied).toBe(true);
      const again = await finishMatch(prisma, { matchId, teamScores: [2, 1], result: { retried: true } });
      expect(again.applied).toBe(false);
      expect(await prisma.ratingEvent.count({ where: { matchId } })).toBe(2);
      const ratings = await prisma.rating.findMany({ where: { versionId: { in: versionIds } } });
      expect(ratings.map((r) => r.games)).toEqual([1, 1]);
    } finally {
      await db.close();
    }
  });

  it("a server whose database goes away stays up, reports it on /api/v1/health, and resumes the ladder when it is back", async () => {
    const port = await freePort();
    const server = spawnNode([path.join(DIST, "main.js")], {
      DATABASE_URL: databaseUrl,
      HOST: "127.0.0.1",
      SERVER_PORT: String(port),
      LADDER_INTERVAL_MS: "300",
      LIVE_MATCHES: "off",
    });
    children.push(server.child);
    const get = async (route: string) => {
      const res = await fetch(`http://127.0.0.1:${port}${route}`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    await expect
      .poll(() => server.output(), { timeout: 120_000, interval: 200 })
      .toContain("server: listening");
    const db = await openDatabase({ databaseUrl, migrate: false });
    const finishedLadder = () => db.prisma.match.count({ where: { live: false, status: "finished" } });
    try {
      await expect.poll(finishedLadder, { timeout: 60_000, interval: 500 }).toBeGreaterThan(2);
      await db.close();

      // The outage: no new connections to this database, and every open one cut.
      await admin(`ALTER DATABASE "${databaseName}" ALLOW_CONNECTIONS false`);
      await admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", databaseName);
      await expect.poll(async () => (await get("/api/v1/health")).status, { timeout: 30_000 }).toBe(503);
      const health = await get("/api/v1/health");
      expect(health.body).toMatchObject({ status: "degraded", database: { ok: false } });
      // The liveness probe keeps the process in place through the outage.
      const liveness = await get("/api/v1/health?probe=liveness");
      expect(liveness.status).toBe(200);
      expect(liveness.body).toMatchObject({ status: "degraded", database: { ok: false } });
      // An API read fails with an error answer, not a dropped connection.
      const leaderboard = await get("/api/v1/leagues/car-soccer-1v1/leaderboard");
      expect(leaderboard.status).toBeGreaterThanOrEqual(500);
      expect(leaderboard.body).toHaveProperty("error");
      await new Promise((r) => setTimeout(r, 2000)); // the ladder keeps trying meanwhile
      expect(server.child.exitCode).toBeNull();
      expect(server.child.signalCode).toBeNull();

      await admin(`ALTER DATABASE "${databaseName}" ALLOW_CONNECTIONS true`);
      await expect.poll(async () => (await get("/api/v1/health")).status, { timeout: 30_000 }).toBe(200);
      expect((await get("/api/v1/leagues/car-soccer-1v1/leaderboard")).status).toBe(200);

      const after = await openDatabase({ databaseUrl, migrate: false });
      try {
        const atReturn = await after.prisma.match.count({ where: { live: false, status: "finished" } });
        await expect
          .poll(() => after.prisma.match.count({ where: { live: false, status: "finished" } }), {
            timeout: 60_000,
            interval: 500,
          })
          .toBeGreaterThan(atReturn + 2);
        // Whatever the outage cut short was stored whole or not at all.
        const finished = await after.prisma.match.findMany({
          where: { status: "finished" },
          include: { participants: true, ratingEvents: true },
        });
        for (const m of finished) {
          expect(m.ratingEvents.length).toBe(m.participants.length);
          expect(m.participants.every((p) => p.rank !== null)).toBe(true);
        }
      } finally {
        await after.close();
      }
      expect(server.child.exitCode).toBeNull();
    } finally {
      await db.close().catch(() => {});
    }
  });
});
