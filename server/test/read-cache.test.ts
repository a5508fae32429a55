// League reads served from memory: shared between concurrent requests, staled by the events of
// this process and, over Redis, of another; ETag and Cache-Control on every read.
import { gunzipSync } from "node:zlib";
import { createTestDatabase, type TestDatabase } from "@league/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, Ladder, PlatformEvents, registerBuiltinAgents, seedLeagues } from "../src/index.js";
import { acceptsGzip } from "../src/read-cache.js";
import { probeRedis, testRedisUrl } from "./helpers/redis.js";

const LEADERBOARD = "/api/v1/leagues/car-soccer-1v1/leaderboard?limit=5";
const redisUrl = testRedisUrl(11);
const redisDown = await probeRedis(redisUrl);

/** Moves the top version of car-soccer-1v1 to a new mu, as a rated match would. */
async function rerate(db: TestDatabase, mu: number): Promise<string> {
  const top = await db.prisma.rating.findFirstOrThrow({
    where: { leagueId: "car-soccer-1v1" },
    orderBy: [{ ordinal: "desc" }, { versionId: "asc" }],
  });
  await db.prisma.rating.update({
    where: { versionId_leagueId: { versionId: top.versionId, leagueId: "car-soccer-1v1" } },
    data: { mu, ordinal: mu - 3 * top.sigma, games: { increment: 1 }, wins: { increment: 1 } },
  });
  return top.versionId;
}

function ratingChanged(leagueId: string, versionId: string) {
  return { versionId, leagueId, matchId: null, mu: 0, sigma: 0, ordinal: 0, delta: 0 };
}

describe("read cache (PGlite)", () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  const events = new PlatformEvents();

  beforeAll(async () => {
    db = await createTestDatabase("pglite");
    await seedLeagues(db.prisma);
    await registerBuiltinAgents(db.prisma);
    app = await buildApp({ db, version: "0.0.0-test", events, readCache: { maxAgeMs: 600_000 } });
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  it("serves a repeated leaderboard read from memory, with an ETag that answers 304", async () => {
    const first = await app.inject({ url: LEADERBOARD });
    expect(first.statusCode).toBe(200);
    const second = await app.inject({ url: LEADERBOARD });
    expect(second.headers["x-cache"]).toBe("hit");
    expect(second.body).toBe(first.body);
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(second.headers["cache-control"]).toBe("public, no-cache");
    expect(second.headers["content-type"]).toMatch(/application\/json/);

    const revalidated = await app.inject({
      url: LEADERBOARD,
      headers: { "if-none-match": String(first.headers.etag) },
    });
    expect(revalidated.statusCode).toBe(304);
    expect(revalidated.body).toBe("");
  });

  it("shares one computation among concurrent requests for the same page", async () => {
    events.publish("rating.changed", ratingChanged("car-soccer-1v1", "x"));
    const url = "/api/v1/leagues/car-soccer-1v1/leaderboard?limit=7";
    const replies = await Promise.all(Array.from({ length: 20 }, () => app.inject({ url })));
    const misses = replies.filter((r) => r.headers["x-cache"] === "miss").length;
    expect(misses).toBe(1);
    expect(new Set(replies.map((r) => r.body)).size).toBe(1);
  });

  it("refreshes a league's reads when its rating changes, and keeps other leagues' entries", async () => {
    const other = "/api/v1/leagues/bandit-lsd-10/leaderboard";
    await app.inject({ url: other });
    const before = (await app.inject({ url: LEADERBOARD })).json() as { items: { mu: number }[] };
    const versionId = await rerate(db, 40);
    // Until the change is announced, the stored page is served (bounded by maxAgeMs).
    expect((await app.inject({ url: LEADERBOARD })).json()).toEqual(before);
    events.publish("rating.changed", ratingChanged("car-soccer-1v1", versionId));
    const after = await app.inject({ url: LEADERBOARD });
    expect(after.headers["x-cache"]).toBe("miss");
    expect((after.json() as { items: { mu: number }[] }).items[0]?.mu).toBe(40);
    expect((await app.inject({ url: other })).headers["x-cache"]).toBe("hit");
    // The league list carries every league's counts: any league's change stales it.
    await app.inject({ url: "/api/v1/leagues" });
    events.publish("match.finished", { matchId: "m", leagueId: "bandit-lsd-10", result: null, ranks: [] });
    expect((await app.inject({ url: "/api/v1/leagues" })).headers["x-cache"]).toBe("miss");
    // So do the match lists: a match starting anywhere changes them.
    await app.inject({ url: "/api/v1/matches" });
    expect((await app.inject({ url: "/api/v1/matches" })).headers["x-cache"]).toBe("hit");
    events.publish("match.started", {
      matchId: "m2",
      leagueId: "bandit-lsd-10",
      live: false,
      versionIds: [],
    });
    expect((await app.inject({ url: "/api/v1/matches" })).headers["x-cache"]).toBe("miss");
  });

  it("keeps a stored replay (immutable) with its file headers, whatever changes after", async () => {
    const ladder = new Ladder(db.prisma, null, { intervalMs: 0, seed: 3, leagues: ["bandit-lsd-10"] });
    const matchId = await ladder.playNext();
    expect(matchId).not.toBeNull();
    const url = `/api/v1/matches/${matchId}/replay`;
    const first = await app.inject({ url });
    expect(first.statusCode).toBe(200);
    expect(first.headers["x-cache"]).toBe("miss");
    events.publish("match.finished", {
      matchId: "other",
      leagueId: "bandit-lsd-10",
      result: null,
      ranks: [],
    });
    const second = await app.inject({ url });
    expect(second.headers["x-cache"]).toBe("hit");
    expect(second.rawPayload.equals(first.rawPayload)).toBe(true);
    for (const header of ["content-type", "content-disposition", "cache-control", "etag"])
      expect(second.headers[header], header).toBe(first.headers[header]);

    // A client that accepts gzip gets the same bytes gzipped, under its own ETag, and revalidates.
    const gzipped = await app.inject({ url, headers: { "accept-encoding": "br;q=1, gzip" } });
    expect(gzipped.headers["content-encoding"]).toBe("gzip");
    expect(gzipped.headers.vary).toBe("accept-encoding");
    expect(gunzipSync(gzipped.rawPayload).equals(first.rawPayload)).toBe(true);
    expect(gzipped.rawPayload.length).toBeLessThan(first.rawPayload.length);
    expect(gzipped.headers.etag).not.toBe(first.headers.etag);
    for (const header of ["content-type", "content-disposition", "cache-control"])
      expect(gzipped.headers[header], header).toBe(first.headers[header]);
    const revalidated = await app.inject({
      url,
      headers: { "accept-encoding": "gzip", "if-none-match": String(gzipped.headers.etag) },
    });
    expect(revalidated.statusCode).toBe(304);
    // gzip;q=0 refuses it.
    const refused = await app.inject({ url, headers: { "accept-encoding": "gzip;q=0, identity" } });
    expect(refused.headers["content-encoding"]).toBeUndefined();
    expect(refused.rawPayload.equals(first.rawPayload)).toBe(true);
  });

  it("reads Accept-Encoding as HTTP does", () => {
    expect(acceptsGzip("gzip, deflate, br")).toBe(true);
    expect(acceptsGzip("GZIP;q=0.5")).toBe(true);
    expect(acceptsGzip(["deflate", "gzip"])).toBe(true);
    expect(acceptsGzip("gzip;q=0")).toBe(false);
    expect(acceptsGzip("x-gzip2, deflate")).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
  });

  it("never stores an error", async () => {
    const missing = "/api/v1/leagues/no-such-league/leaderboard";
    expect((await app.inject({ url: missing })).statusCode).toBe(404);
    const again = await app.inject({ url: missing });
    expect(again.statusCode).toBe(404);
    expect(again.headers["x-cache"]).toBeUndefined();
  });
});

describe.skipIf(redisDown !== null)("read cache across processes (Redis)", () => {
  let db: TestDatabase;
  let reader: FastifyInstance;
  let writer: FastifyInstance;
  const writerEvents = new PlatformEvents();

  beforeAll(async () => {
    db = await createTestDatabase("pglite");
    await seedLeagues(db.prisma);
    await registerBuiltinAgents(db.prisma);
    reader = await buildApp({
      db,
      version: "0.0.0-test",
      events: new PlatformEvents(),
      readCache: { maxAgeMs: 600_000, redisUrl },
    });
    // Another process: its own events reach the reader only through Redis.
    writer = await buildApp({
      db,
      version: "0.0.0-test",
      events: writerEvents,
      readCache: { maxAgeMs: 600_000, redisUrl },
    });
  });
  afterAll(async () => {
    await reader?.close();
    await writer?.close();
    await db?.close();
  });

  it("a match finished in another process stales this process's leaderboard", async () => {
    await reader.inject({ url: LEADERBOARD });
    expect((await reader.inject({ url: LEADERBOARD })).headers["x-cache"]).toBe("hit");
    const versionId = await rerate(db, 45);
    // Subscriptions settle asynchronously: announce until the reader hears one (bounded).
    let refreshed = null as null | { items: { mu: number }[] };
    for (let attempt = 0; attempt < 50 && !refreshed; attempt++) {
      writerEvents.publish("rating.changed", ratingChanged("car-soccer-1v1", versionId));
      await new Promise((r) => setTimeout(r, 100));
      const reply = await reader.inject({ url: LEADERBOARD });
      if (reply.headers["x-cache"] === "miss") refreshed = reply.json();
    }
    expect(refreshed?.items[0]?.mu).toBe(45);
  });
});
