import { createTestDatabase, probePostgres, type TestDatabase } from "@league/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, seedLeagues } from "../src/index.js";
import { registerBuiltinAgents } from "../src/league/builtins.js";
import { Ladder } from "../src/league/ladder.js";
import { validatePendingVersions } from "../src/league/validation.js";
import { checkpointFiles, multipart } from "./fixtures.js";

const postgres = await probePostgres();
describe.each([
  { kind: "pglite" as const, skip: false },
  { kind: "postgres" as const, skip: !postgres.available },
])("new versions on $kind", ({ kind, skip }) => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let key: string;
  beforeAll(async () => {
    if (skip) return;
    db = await createTestDatabase(kind);
    await seedLeagues(db.prisma);
    await registerBuiltinAgents(db.prisma);
    app = await buildApp({ db, version: "0.0.0-test" });
    key = (
      (await app.inject({ method: "POST", url: "/api/v1/owners", payload: { name: "ada" } })).json() as {
        apiKey: { key: string };
      }
    ).apiKey.key;
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
  });

  async function submit(agent: string, files: Map<string, Buffer>): Promise<string> {
    const { payload, headers } = multipart({ agent }, files);
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/submissions",
      payload,
      headers: { ...headers, authorization: `Bearer ${key}` },
    });
    expect(res.statusCode).toBe(201);
    return (res.json() as { versionId: string }).versionId;
  }

  it.skipIf(skip)(
    "validate against a copy of themselves, then play rated placement matches on the ladder",
    async () => {
      const files = await checkpointFiles({
        env: "bandit-bernoulli-10",
        observationBuilder: "default",
        actionParser: "discrete",
        observationSize: 12,
        actionCount: 10,
      });
      const versionId = await submit("learner", files);
      const outcomes = await validatePendingVersions(db.prisma);
      expect(outcomes).toMatchObject([
        { versionId, status: "active", log: expect.stringMatching(/copy of itself/) },
      ]);
      expect(
        await db.prisma.rating.findUnique({
          where: { versionId_leagueId: { versionId, leagueId: "bandit-bernoulli-10" } },
        }),
      ).toMatchObject({ games: 0, mu: 25 });

      // The built-in field is past its own placement games; two players a match, so that nobody
      // plays every match by default.
      const others = await db.prisma.rating.updateMany({
        where: { leagueId: "bandit-bernoulli-10", versionId: { not: versionId } },
        data: { games: 20 },
      });
      expect(others.count).toBeGreaterThanOrEqual(4);
      const placementGames = 4;
      const ladder = new Ladder(db.prisma, null, {
        intervalMs: 0,
        seed: 3,
        leagues: ["bandit-bernoulli-10"],
        maxPlayers: 2,
        placementGames,
      });
      const played: boolean[] = [];
      for (let i = 0; i < placementGames + 10; i++) {
        const matchId = await ladder.playNext();
        expect(matchId).not.toBeNull();
        const seats = await db.prisma.matchParticipant.findMany({ where: { matchId: matchId! } });
        expect(seats).toHaveLength(2);
        played.push(seats.some((p) => p.versionId === versionId));
        if (i === placementGames - 1) {
          // Its placement burst: every one of the first matches, rated.
          expect(played).toEqual(Array(placementGames).fill(true));
          const rating = await db.prisma.rating.findUniqueOrThrow({
            where: { versionId_leagueId: { versionId, leagueId: "bandit-bernoulli-10" } },
          });
          expect(rating.games).toBe(placementGames);
        }
      }
      // Then normal priority: two seats among the field, so it sits out some matches.
      expect(played.slice(placementGames).filter(Boolean).length).toBeLessThan(10);
    },
  );

  it.skipIf(skip)(
    "mark a version that cannot play as failed, with a readable log, and keep it off the ladder",
    async () => {
      const files = await checkpointFiles({
        env: "bandit-lsd-10",
        observationBuilder: "default",
        actionParser: "discrete",
        observationSize: 22,
        actionCount: 10,
      });
      const versionId = await submit("broken", files);
      // Damage the stored artifact, as a disk fault would.
      await db.prisma.agentVersion.update({
        where: { id: versionId },
        data: { artifact: new Uint8Array([1, 2, 3]) },
      });
      const [outcome] = await validatePendingVersions(db.prisma);
      expect(outcome).toMatchObject({ versionId, status: "failed" });
      const version = await db.prisma.agentVersion.findUniqueOrThrow({ where: { id: versionId } });
      expect(version.status).toBe("failed");
      expect(version.failureLog).toMatch(/validation match failed: .*not an Agent League model artifact/);
      expect(await db.prisma.rating.count({ where: { versionId } })).toBe(0);
    },
  );

  it.skipIf(skip)(
    "validate car-soccer models by a short headless match against a copy of themselves",
    async () => {
      const files = await checkpointFiles({
        env: "car-soccer-1v1",
        observationBuilder: "default",
        actionParser: "lookup",
        observationSize: 91,
        actionCount: 90,
      });
      const versionId = await submit("striker", files);
      expect(await validatePendingVersions(db.prisma)).toMatchObject([
        { versionId, status: "active", log: expect.stringMatching(/copy of itself/) },
      ]);
      expect((await db.prisma.agentVersion.findUniqueOrThrow({ where: { id: versionId } })).status).toBe(
        "active",
      );
      // Validation is not a rated match: the version starts at the default rating with no games.
      expect(
        await db.prisma.rating.findUnique({
          where: { versionId_leagueId: { versionId, leagueId: "car-soccer-1v1" } },
        }),
      ).toMatchObject({ games: 0, mu: 25 });
      expect(await db.prisma.match.count({ where: { leagueId: "car-soccer-1v1" } })).toBe(0);
    },
  );
});
