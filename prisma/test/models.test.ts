import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Prisma } from "../src/index.js";
import { createTestDatabase, type TestDatabase } from "../src/testing.js";
import { BACKENDS } from "./backends.js";

describe.each(BACKENDS)("league schema on $kind", ({ kind, skip }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    if (!skip) db = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it.skipIf(skip)("round-trips every model, bytes, JSON and 64-bit seeds included", async () => {
    const { prisma } = db;
    const owner = await prisma.owner.create({ data: { name: "ada", email: "ada@example.org" } });
    const key = await prisma.apiKey.create({
      data: {
        ownerId: owner.id,
        prefix: "al_ab12cd34",
        hash: "scrypt$16384$8$1$c2FsdA$aGFzaA",
        label: "laptop",
      },
    });
    const league = await prisma.league.create({
      data: {
        id: "car-soccer-1v1",
        envId: "car-soccer-1v1",
        envVersion: 1,
        mode: "head_to_head",
        title: "Car soccer 1v1",
      },
    });
    const agent = await prisma.agent.create({ data: { ownerId: owner.id, name: "chaser", kind: "model" } });
    const artifact = Uint8Array.from({ length: 4096 }, (_, i) => (i * 31) & 0xff);
    const manifest = {
      env: "car-soccer-1v1",
      tickSkip: 8,
      reward: { krc: ["touch", "velocity_ball_to_goal"] },
    };
    const version = await prisma.agentVersion.create({
      data: {
        agentId: agent.id,
        version: 1,
        envId: "car-soccer-1v1",
        manifest,
        artifact,
        artifactSize: artifact.length,
      },
    });
    const seed = 9_007_199_254_740_993n; // past 2^53: must survive as an exact integer
    const replay = new Uint8Array([0, 1, 2, 253, 254, 255]);
    const finishedAt = new Date("2026-11-24T12:34:56.789Z");
    const match = await prisma.match.create({
      data: {
        leagueId: league.id,
        seed,
        status: "finished",
        startedAt: new Date(finishedAt.getTime() - 300_000),
        finishedAt,
        result: { goals: [3, 1], winner: 0 },
        replay,
        participants: {
          create: [
            {
              slot: 0,
              team: 0,
              versionId: version.id,
              score: 3,
              rank: 1,
              muBefore: 25,
              sigmaBefore: 8.33,
              muAfter: 27.1,
              sigmaAfter: 7.9,
            },
          ],
        },
      },
    });
    await prisma.rating.create({
      data: {
        versionId: version.id,
        leagueId: league.id,
        mu: 27.1,
        sigma: 7.9,
        ordinal: 27.1 - 3 * 7.9,
        games: 1,
        wins: 1,
      },
    });
    await prisma.ratingEvent.create({
      data: {
        versionId: version.id,
        leagueId: league.id,
        matchId: match.id,
        muBefore: 25,
        sigmaBefore: 8.33,
        muAfter: 27.1,
        sigmaAfter: 7.9,
      },
    });

    expect(
      await prisma.owner.findUniqueOrThrow({ where: { name: "ada" }, include: { apiKeys: true } }),
    ).toMatchObject({
      email: "ada@example.org",
      apiKeys: [{ id: key.id, prefix: "al_ab12cd34", revokedAt: null }],
    });
    const storedVersion = await prisma.agentVersion.findUniqueOrThrow({ where: { id: version.id } });
    expect(storedVersion.manifest).toEqual(manifest);
    expect(Array.from(storedVersion.artifact!)).toEqual(Array.from(artifact));
    expect(storedVersion.status).toBe("pending");

    const storedMatch = await prisma.match.findUniqueOrThrow({
      where: { id: match.id },
      include: { participants: true, ratingEvents: true },
    });
    expect(storedMatch.seed).toBe(seed);
    expect(Array.from(storedMatch.replay!)).toEqual(Array.from(replay));
    expect(storedMatch.finishedAt?.toISOString()).toBe(finishedAt.toISOString());
    expect(storedMatch.result).toEqual({ goals: [3, 1], winner: 0 });
    expect(storedMatch.participants).toMatchObject([
      { versionId: version.id, rank: 1, score: 3, muAfter: 27.1 },
    ]);
    expect(storedMatch.ratingEvents).toMatchObject([{ versionId: version.id, muBefore: 25, muAfter: 27.1 }]);

    const rating = await prisma.rating.findUniqueOrThrow({
      where: { versionId_leagueId: { versionId: version.id, leagueId: league.id } },
    });
    expect(rating).toMatchObject({ games: 1, wins: 1, losses: 0, draws: 0 });
    expect(rating.ordinal).toBeCloseTo(3.4, 10);
    expect(await prisma.league.findUniqueOrThrow({ where: { id: league.id } })).toMatchObject({
      ratingModel: "plackettLuce",
      mu: 25,
      sigma: 25 / 3,
    });
  });

  it.skipIf(skip)("orders a leaderboard by ordinal and recent matches by finish time", async () => {
    const { prisma } = db;
    const owner = await prisma.owner.create({ data: { name: "board" } });
    const league = await prisma.league.create({
      data: { id: "bandit-lsd-10", envId: "bandit-lsd-10", envVersion: 1, mode: "duplicate", title: "LSD" },
    });
    const ordinals = [3, -1, 12, 7];
    for (const [i, ordinal] of ordinals.entries()) {
      const agent = await prisma.agent.create({
        data: { ownerId: owner.id, name: `a${i}`, kind: "scripted" },
      });
      const version = await prisma.agentVersion.create({
        data: { agentId: agent.id, version: 1, envId: league.envId, manifest: {} },
      });
      await prisma.rating.create({
        data: { versionId: version.id, leagueId: league.id, mu: ordinal + 25, sigma: 25 / 3, ordinal },
      });
      await prisma.match.create({
        data: {
          leagueId: league.id,
          seed: BigInt(i),
          status: "finished",
          finishedAt: new Date(Date.UTC(2026, 0, 1 + ordinal + 2)),
        },
      });
    }
    const board = await prisma.rating.findMany({
      where: { leagueId: league.id },
      orderBy: { ordinal: "desc" },
    });
    expect(board.map((r) => r.ordinal)).toEqual([12, 7, 3, -1]);
    const recent = await prisma.match.findMany({
      where: { leagueId: league.id },
      orderBy: { finishedAt: "desc" },
      take: 2,
    });
    expect(recent.map((m) => m.seed)).toEqual([2n, 3n]);
  });

  it.skipIf(skip)("refuses rows that break the schema's rules", async () => {
    const { prisma } = db;
    const owner = await prisma.owner.create({ data: { name: "rules" } });
    await expect(prisma.owner.create({ data: { name: "rules" } })).rejects.toMatchObject({ code: "P2002" });
    const agent = await prisma.agent.create({ data: { ownerId: owner.id, name: "x", kind: "remote" } });
    await expect(
      prisma.agentVersion.create({
        data: { agentId: agent.id, version: 1, envId: "e", manifest: {}, artifactSize: -1 },
      }),
    ).rejects.toThrow(/AgentVersion_artifact_size_check/);
    await expect(
      prisma.match.create({ data: { leagueId: "no-such-league", seed: 1n } }),
    ).rejects.toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
    expect(await prisma.agentVersion.count({ where: { agentId: agent.id } })).toBe(0);
  });
});
