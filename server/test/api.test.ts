import { createTestDatabase, probePostgres, type TestDatabase } from "@league/db/testing";
import { ENV_SPECS } from "@league/envs";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, seedLeagues } from "../src/index.js";

const postgres = await probePostgres();
const BACKENDS = [
  { kind: "pglite" as const, skip: false },
  { kind: "postgres" as const, skip: !postgres.available },
];

describe.each(BACKENDS)("HTTP API on $kind", ({ kind, skip }) => {
  let db: TestDatabase;
  let app: FastifyInstance;
  beforeAll(async () => {
    if (skip) return;
    db = await createTestDatabase(kind);
    await seedLeagues(db.prisma);
    app = await buildApp({ db, version: "9.9.9-test" });
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
  });

  it.skipIf(skip)(
    "answers health with the database kind, the applied migration and the version",
    async () => {
      const res = await app.inject({ method: "GET", url: "/api/v1/health" });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        status: "ok",
        version: "9.9.9-test",
        database: {
          kind,
          ok: true,
          migration: db.migrations.latest,
          migrations: db.migrations.applied.length,
        },
      });
      expect(db.migrations.latest).toMatch(/^\d{14}_\w+$/);
    },
  );

  it.skipIf(skip)(
    "answers concurrent readiness probes with one database check, liveness with none",
    async () => {
      let checks = 0;
      // The same database, its raw queries counted.
      const prisma = new Proxy(db.prisma, {
        get(target, key, receiver) {
          if (key === "$queryRaw")
            return (...args: unknown[]) => {
              checks++;
              return (target.$queryRaw as (...a: unknown[]) => unknown).apply(target, args);
            };
          return Reflect.get(target, key, receiver);
        },
      });
      const counted = await buildApp({ db: { ...db, prisma } as typeof db, version: "9.9.9-test" });
      try {
        const liveness = await counted.inject({ url: "/api/v1/health?probe=liveness" });
        expect(liveness.statusCode).toBe(200);
        expect(checks).toBe(0);
        const replies = await Promise.all(
          Array.from({ length: 20 }, () => counted.inject({ url: "/api/v1/health" })),
        );
        expect(replies.every((r) => r.statusCode === 200)).toBe(true);
        expect(checks).toBe(1);
      } finally {
        await counted.close();
      }
    },
  );

  it.skipIf(skip)(
    "answers readiness from a recent good check while the next one waits behind the database, and degrades once it fails",
    async () => {
      // Checks the test holds until it lets them answer.
      const held: { settle: (ok: boolean) => void }[] = [];
      let mode: "real" | "hold" | "down" = "real";
      const prisma = new Proxy(db.prisma, {
        get(target, key, receiver) {
          if (key === "$queryRaw")
            return (...args: unknown[]) => {
              const real = (target.$queryRaw as (...a: unknown[]) => Promise<unknown>).apply(target, args);
              if (mode === "real") return real;
              if (mode === "down") return Promise.reject(new Error("down"));
              return new Promise((resolve, reject) =>
                held.push({ settle: (ok) => (ok ? real.then(resolve, reject) : reject(new Error("down"))) }),
              );
            };
          return Reflect.get(target, key, receiver);
        },
      });
      const app2 = await buildApp({ db: { ...db, prisma } as typeof db, version: "9.9.9-test" });
      try {
        expect((await app2.inject({ url: "/api/v1/health" })).statusCode).toBe(200);
        // Past the quarter second a finding is reused for: the next probe starts a check.
        await new Promise((r) => setTimeout(r, 300));
        mode = "hold";
        const probe = await app2.inject({ url: "/api/v1/health" });
        // It answered from the good finding while its check is still held.
        expect(probe.statusCode).toBe(200);
        expect(held).toHaveLength(1);
        // The database answers "down": from then on probes say so.
        mode = "down";
        held[0]!.settle(false);
        await expect
          .poll(async () => (await app2.inject({ url: "/api/v1/health" })).statusCode, {
            timeout: 5000,
            interval: 50,
          })
          .toBe(503);
        mode = "real";
        // Back: past the check interval a bad finding is not reused; the next probe waits for its check.
        await new Promise((r) => setTimeout(r, 300));
        expect((await app2.inject({ url: "/api/v1/health" })).statusCode).toBe(200);
      } finally {
        mode = "real";
        for (const h of held) h.settle(true);
        await app2.close();
      }
    },
  );

  it.skipIf(skip)("lists one league per environment, seeded idempotently", async () => {
    expect(await seedLeagues(db.prisma)).toEqual({ created: 0 });
    const res = await app.inject({ method: "GET", url: "/api/v1/leagues" });
    expect(res.statusCode).toBe(200);
    const { items } = res.json() as {
      items: { id: string; mode: string; teamSize: number; rating: { mu: number } }[];
    };
    expect(items.map((l) => l.id).sort()).toEqual(Object.keys(ENV_SPECS).sort());
    expect(items.find((l) => l.id === "car-soccer-2v2")).toMatchObject({ mode: "head-to-head", teamSize: 2 });
    expect(items.find((l) => l.id === "bandit-lsd-10")).toMatchObject({ mode: "duplicate", teamSize: 1 });
    expect(items.every((l) => l.rating.mu === 25)).toBe(true);
  });

  it.skipIf(skip)("keeps an operator's change to a league when seeding again", async () => {
    await db.prisma.league.update({
      where: { id: "car-soccer-1v1" },
      data: { ratingModel: "bradleyTerryFull" },
    });
    await seedLeagues(db.prisma);
    const res = await app.inject({ method: "GET", url: "/api/v1/leagues/car-soccer-1v1" });
    expect(res.json()).toMatchObject({ id: "car-soccer-1v1", rating: { model: "bradleyTerryFull" } });
  });

  it.skipIf(skip)("answers unknown leagues and routes with one JSON error shape", async () => {
    const league = await app.inject({ method: "GET", url: "/api/v1/leagues/no-such-league" });
    expect(league.statusCode).toBe(404);
    expect(league.json()).toEqual({
      error: { code: "league_not_found", message: 'no league with id "no-such-league"' },
    });
    const route = await app.inject({ method: "GET", url: "/api/v1/nothing-here?x=1" });
    expect(route.statusCode).toBe(404);
    expect(route.json()).toEqual({
      error: { code: "not_found", message: "no route for GET /api/v1/nothing-here" },
    });
    const long = await app.inject({ method: "GET", url: `/api/v1/leagues/${"x".repeat(65)}` });
    expect(long.statusCode).toBe(400);
    expect(long.json()).toMatchObject({
      error: { code: "invalid_request", message: expect.stringMatching(/^params\.id: /) },
    });
  });
});
