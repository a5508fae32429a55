import { createServer, type Server as HttpServer } from "node:http";
import { createTestDatabase, type TestDatabase } from "@league/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/index.js";
import { registerBuiltinAgents } from "../src/league/builtins.js";
import { LiveScheduler } from "../src/league/live-scheduler.js";
import { type AttachedRooms, attachRooms, liveRooms } from "../src/rooms/index.js";
import { seedLeagues } from "../src/seed.js";
import { createMatch, startMatch } from "../src/storage/matches.js";

describe("live scheduler", () => {
  let db: TestDatabase;
  let http: HttpServer;
  let rooms: AttachedRooms;
  beforeAll(async () => {
    db = await createTestDatabase("pglite");
    await seedLeagues(db.prisma);
    await registerBuiltinAgents(db.prisma);
    http = createServer();
    rooms = await attachRooms(http);
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  });
  afterAll(async () => {
    await rooms?.stop();
    await new Promise<void>((resolve) => http?.close(() => resolve()));
    await db?.destroy();
  });

  const liveMatches = (status: "running" | "finished" | "aborted") =>
    db.prisma.match.findMany({ where: { leagueId: "car-soccer-1v1", live: true, status } });

  it("keeps one live match on in a league, replacing it when it ends and clearing one left by a dead process", async () => {
    // A live match a crashed process left "running" long ago.
    const versions = await db.prisma.agentVersion.findMany({ where: { envId: "car-soccer-1v1" }, take: 2 });
    const orphan = await createMatch(db.prisma, {
      leagueId: "car-soccer-1v1",
      seed: 1n,
      live: true,
      seats: versions.map((v, slot) => ({ versionId: v.id, slot, team: slot })),
    });
    await startMatch(db.prisma, orphan);
    await db.prisma.match.update({
      where: { id: orphan },
      data: { startedAt: new Date(Date.now() - 3600_000) },
    });

    const errors: Error[] = [];
    const scheduler = new LiveScheduler(db.prisma, liveRooms({ prisma: db.prisma, events: null }), {
      intervalMs: 50,
      durationSeconds: 1,
      seed: 1,
      onError: (e) => errors.push(e),
    });
    const first = await scheduler.fill();
    expect(errors).toEqual([]);
    // One match in each of 1v1, 2v2 and 3v3: the six built-in bots are enough distinct agents.
    expect(first).toHaveLength(3);
    expect((await liveMatches("aborted")).map((m) => m.id)).toEqual([orphan]);
    expect(await liveMatches("running")).toHaveLength(1);
    expect(await scheduler.fill()).toEqual([]); // one at a time

    // The API tells a spectator which room plays the match, and nothing for a match not on.
    const app = await buildApp({ db, version: "0.0.0-test" });
    const [running] = await liveMatches("running");
    const where = await app.inject({ method: "GET", url: `/api/v1/matches/${running!.id}/live` });
    expect(where.statusCode).toBe(200);
    expect(where.json()).toMatchObject({ matchId: running!.id, roomName: "car-soccer", roomId: first[0] });
    const notLive = await app.inject({ method: "GET", url: `/api/v1/matches/${orphan}/live` });
    expect(notLive.json()).toMatchObject({ error: { code: "match_not_live" } });
    await app.close();

    scheduler.start();
    const deadline = Date.now() + 30_000;
    while ((await liveMatches("finished")).length < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    await scheduler.stop();
    expect((await liveMatches("finished")).length).toBeGreaterThanOrEqual(2);
    const rated = await db.prisma.rating.findMany({
      where: { leagueId: "car-soccer-1v1", games: { gt: 0 } },
    });
    expect(rated.length).toBeGreaterThanOrEqual(2);
  });
});
