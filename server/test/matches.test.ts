import { createTestDatabase, probePostgres, type TestDatabase } from "@league/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedLeagues } from "../src/seed.js";
import {
  abortMatch,
  createMatch,
  finishMatch,
  MatchError,
  ranksFromScores,
  startMatch,
} from "../src/storage/matches.js";

const postgres = await probePostgres();
const BACKENDS = [
  { kind: "pglite" as const, skip: false },
  { kind: "postgres" as const, skip: !postgres.available },
];

describe("ranks from scores", () => {
  it("ranks higher scores first, ties sharing a rank", () => {
    expect(ranksFromScores([3, 1])).toEqual([1, 2]);
    expect(ranksFromScores([2, 2])).toEqual([1, 1]);
    expect(ranksFromScores([0.4, 0.9, 0.4, 0.1])).toEqual([2, 1, 2, 3]);
  });
});

describe.each(BACKENDS)("match results on $kind", ({ kind, skip }) => {
  let db: TestDatabase;
  const versions: string[] = [];
  beforeAll(async () => {
    if (skip) return;
    db = await createTestDatabase(kind);
    await seedLeagues(db.prisma);
    const owner = await db.prisma.owner.create({ data: { name: "lab" } });
    for (const name of ["alpha", "beta", "gamma", "delta"]) {
      const agent = await db.prisma.agent.create({ data: { ownerId: owner.id, name, kind: "scripted" } });
      const v = await db.prisma.agentVersion.create({
        data: { agentId: agent.id, version: 1, envId: "car-soccer-1v1", manifest: {}, status: "active" },
      });
      versions.push(v.id);
    }
  });
  afterAll(async () => {
    await db?.destroy();
  });

  const ratingOf = (versionId: string, leagueId = "car-soccer-1v1") =>
    db.prisma.rating.findUnique({ where: { versionId_leagueId: { versionId, leagueId } } });

  it.skipIf(skip)(
    "stores result, ranks, replay and ratings together; the winner rises, the loser falls",
    async () => {
      const [a, b] = versions as [string, string];
      const matchId = await createMatch(db.prisma, {
        leagueId: "car-soccer-1v1",
        seed: 42n,
        seats: [
          { versionId: a, slot: 0, team: 0 },
          { versionId: b, slot: 1, team: 1 },
        ],
      });
      expect(await startMatch(db.prisma, matchId)).toBe(true);
      expect(await startMatch(db.prisma, matchId)).toBe(false); // already taken
      const replay = new Uint8Array([1, 2, 3]);
      const finished = await finishMatch(db.prisma, {
        matchId,
        teamScores: [3, 1],
        result: { goals: [3, 1] },
        replay,
      });
      expect(finished.applied).toBe(true);
      expect(finished.ratingChanges).toHaveLength(2);

      const match = await db.prisma.match.findUniqueOrThrow({
        where: { id: matchId },
        include: { participants: { orderBy: { slot: "asc" } } },
      });
      expect(match.status).toBe("finished");
      expect(Array.from(match.replay!)).toEqual([1, 2, 3]);
      expect(match.participants.map((p) => [p.rank, p.score])).toEqual([
        [1, 3],
        [2, 1],
      ]);
      expect(match.participants[0]!.muAfter!).toBeGreaterThan(match.participants[0]!.muBefore!);
      expect(await ratingOf(a)).toMatchObject({ games: 1, wins: 1, losses: 0 });
      expect(await ratingOf(b)).toMatchObject({ games: 1, wins: 0, losses: 1 });
      expect((await ratingOf(a))!.ordinal).toBeGreaterThan((await ratingOf(b))!.ordinal);
      expect(await db.prisma.ratingEvent.count({ where: { matchId } })).toBe(2);
    },
  );

  it.skipIf(skip)("finishing twice, even at the same moment, rates the match once", async () => {
    const [, , c, d] = versions as [string, string, string, string];
    const matchId = await createMatch(db.prisma, {
      leagueId: "car-soccer-1v1",
      seed: 7n,
      seats: [
        { versionId: c, slot: 0, team: 0 },
        { versionId: d, slot: 1, team: 1 },
      ],
    });
    const results = await Promise.all([
      finishMatch(db.prisma, { matchId, teamScores: [0, 2], result: {} }),
      finishMatch(db.prisma, { matchId, teamScores: [0, 2], result: {} }),
    ]);
    expect(results.map((r) => r.applied).sort()).toEqual([false, true]);
    const again = await finishMatch(db.prisma, { matchId, teamScores: [5, 0], result: {} });
    expect(again).toMatchObject({ applied: false, ratingChanges: [] });
    expect(await ratingOf(d)).toMatchObject({ games: 1, wins: 1 });
    expect(await db.prisma.ratingEvent.count({ where: { matchId } })).toBe(2);
  });

  it.skipIf(skip)("writes nothing when the transaction fails before commit", async () => {
    const [a, , c] = versions as [string, string, string];
    const beforeA = await ratingOf(a);
    const events = await db.prisma.ratingEvent.count();
    const matchId = await createMatch(db.prisma, {
      leagueId: "car-soccer-1v1",
      seed: 9n,
      seats: [
        { versionId: a, slot: 0, team: 0 },
        { versionId: c, slot: 1, team: 1 },
      ],
    });
    await expect(
      finishMatch(db.prisma, {
        matchId,
        teamScores: [1, 0],
        result: {},
        beforeCommit: () => {
          throw new Error("worker died");
        },
      }),
    ).rejects.toThrow("worker died");
    expect((await db.prisma.match.findUniqueOrThrow({ where: { id: matchId } })).status).toBe("queued");
    expect(await ratingOf(a)).toEqual(beforeA);
    expect(await db.prisma.ratingEvent.count()).toBe(events);
    // The retry then succeeds.
    expect((await finishMatch(db.prisma, { matchId, teamScores: [1, 0], result: {} })).applied).toBe(true);
  });

  it.skipIf(skip)(
    "ranks duplicate play among several players, and refuses a result of the wrong shape",
    async () => {
      const seats = versions.map((versionId, i) => ({ versionId, slot: i, team: i }));
      const matchId = await createMatch(db.prisma, { leagueId: "bandit-lsd-10", seed: 1n, seats });
      await expect(finishMatch(db.prisma, { matchId, teamScores: [1, 2], result: {} })).rejects.toThrow(
        MatchError,
      );
      const finished = await finishMatch(db.prisma, {
        matchId,
        teamScores: [410, 520, 380, 520],
        result: {},
      });
      const after = new Map(finished.ratingChanges.map((c) => [c.versionId, c.after.mu]));
      expect(after.get(versions[1]!)).toBeCloseTo(after.get(versions[3]!)!, 6); // tied for first
      expect(after.get(versions[0]!)).toBeGreaterThan(after.get(versions[2]!)!);
      expect(await ratingOf(versions[1]!, "bandit-lsd-10")).toMatchObject({ draws: 1, wins: 0 });
      expect(await ratingOf(versions[0]!, "bandit-lsd-10")).toMatchObject({ losses: 1 });
    },
  );

  it.skipIf(skip)(
    "finishes matches over the same versions at once (as several workers do): none fails, no rating update is lost",
    async () => {
      const pairs: [number, number][] = [
        [0, 1],
        [1, 0],
        [2, 0],
        [1, 2],
        [0, 3],
        [3, 1],
        [2, 3],
        [0, 2],
        [3, 0],
        [1, 3],
        [2, 1],
        [3, 2],
      ];
      const gamesBefore = await Promise.all(versions.map(async (v) => (await ratingOf(v))?.games ?? 0));
      const ids = await Promise.all(
        pairs.map(([x, y], i) =>
          createMatch(db.prisma, {
            leagueId: "car-soccer-1v1",
            seed: BigInt(100 + i),
            seats: [
              { versionId: versions[x]!, slot: 0, team: 0 },
              { versionId: versions[y]!, slot: 1, team: 1 },
            ],
          }),
        ),
      );
      const finished = await Promise.all(
        ids.map((matchId, i) => finishMatch(db.prisma, { matchId, teamScores: [i % 3, 1], result: {} })),
      );
      expect(finished.every((f) => f.applied)).toBe(true);
      for (const [k, v] of versions.entries()) {
        const played = pairs.filter((p) => p.includes(k)).length;
        const rating = await ratingOf(v);
        expect(rating!.games).toBe(gamesBefore[k]! + played);
        // Each update started from the one before: no two read the same rating.
        const events = await db.prisma.ratingEvent.findMany({
          where: { versionId: v, matchId: { in: ids } },
        });
        expect(events).toHaveLength(played);
        expect(new Set(events.map((e) => e.muBefore)).size).toBe(played);
        const befores = new Set(events.map((e) => e.muBefore));
        const last = events.filter((e) => !befores.has(e.muAfter));
        expect(last).toHaveLength(1);
        expect(rating!.mu).toBe(last[0]!.muAfter);
      }
    },
  );

  it.skipIf(skip)("aborts a match without rating anyone", async () => {
    const [a, b] = versions as [string, string];
    const matchId = await createMatch(db.prisma, {
      leagueId: "car-soccer-1v1",
      seed: 3n,
      seats: [
        { versionId: a, slot: 0, team: 0 },
        { versionId: b, slot: 1, team: 1 },
      ],
    });
    await abortMatch(db.prisma, matchId, "agent beta timed out");
    expect(await db.prisma.match.findUniqueOrThrow({ where: { id: matchId } })).toMatchObject({
      status: "aborted",
      error: "agent beta timed out",
    });
    await expect(finishMatch(db.prisma, { matchId, teamScores: [1, 0], result: {} })).rejects.toThrow(
      /is aborted/,
    );
  });
});
