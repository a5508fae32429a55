import { createTestDatabase, probePostgres, type TestDatabase } from "@league/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, seedLeagues } from "../src/index.js";
import { createMatch, finishMatch, startMatch } from "../src/storage/matches.js";

const postgres = await probePostgres();
const BACKENDS = [
  { kind: "pglite" as const, skip: false },
  { kind: "postgres" as const, skip: !postgres.available },
];

describe.each(BACKENDS)("agents and matches API on $kind", ({ kind, skip }) => {
  let db: TestDatabase;
  let app: FastifyInstance;
  const agents: { id: string; versionId: string }[] = [];
  const finished: string[] = [];
  let running: string;
  beforeAll(async () => {
    if (skip) return;
    db = await createTestDatabase(kind);
    await seedLeagues(db.prisma);
    app = await buildApp({ db, version: "0.0.0-test" });
    const owner = await db.prisma.owner.create({ data: { name: "lab" } });
    for (const name of ["striker", "keeper"]) {
      const agent = await db.prisma.agent.create({
        data: { ownerId: owner.id, name, kind: "model", description: `${name} bot` },
      });
      const v = await db.prisma.agentVersion.create({
        data: {
          agentId: agent.id,
          version: 1,
          envId: "car-soccer-1v1",
          manifest: { tickSkip: 8 },
          artifact: new Uint8Array(100),
          artifactSize: 100,
          status: "active",
        },
      });
      agents.push({ id: agent.id, versionId: v.id });
    }
    const seats = [
      { versionId: agents[0]!.versionId, slot: 0, team: 0 },
      { versionId: agents[1]!.versionId, slot: 1, team: 1 },
    ];
    for (let i = 0; i < 5; i++) {
      const id = await createMatch(db.prisma, {
        leagueId: "car-soccer-1v1",
        seed: BigInt(2 ** 60) + BigInt(i),
        seats,
      });
      await finishMatch(db.prisma, {
        matchId: id,
        teamScores: [2, i % 2],
        result: { goals: [2, i % 2] },
        replay: new Uint8Array([i, 1, 2]),
      });
      finished.push(id);
    }
    running = await createMatch(db.prisma, { leagueId: "car-soccer-1v1", seed: 99n, seats, live: true });
    await startMatch(db.prisma, running);
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
  });
  const get = async (url: string) => {
    const res = await app.inject({ method: "GET", url });
    return {
      status: res.statusCode,
      body: res.json() as Record<string, unknown> & {
        items: Record<string, unknown>[];
        nextCursor: string | null;
      },
    };
  };

  it.skipIf(skip)(
    "pages a league's finished matches, newest first, with participants and rating changes",
    async () => {
      const first = await get("/api/v1/leagues/car-soccer-1v1/matches?limit=3");
      expect(first.status).toBe(200);
      expect(first.body.items.map((m) => m.id)).toEqual([...finished].reverse().slice(0, 3));
      const second = await get(
        `/api/v1/leagues/car-soccer-1v1/matches?limit=3&cursor=${first.body.nextCursor}`,
      );
      expect(second.body.items.map((m) => m.id)).toEqual([finished[1], finished[0]]);
      expect(second.body.nextCursor).toBeNull();
      const match = first.body.items[0]! as {
        seed: string;
        hasReplay: boolean;
        participants: { agent: { name: string }; rank: number; rating: { muAfter: number } }[];
      };
      expect(match.seed).toBe((BigInt(2 ** 60) + 4n).toString());
      expect(match.hasReplay).toBe(true);
      expect(match.participants.map((p) => [p.agent.name, p.rank])).toEqual([
        ["striker", 1],
        ["keeper", 2],
      ]);
      expect(match.participants[0]!.rating.muAfter).toBeGreaterThan(25);
      const byAgent = await get(`/api/v1/leagues/car-soccer-1v1/matches?agent=${agents[1]!.id}&limit=100`);
      expect(byAgent.body.items).toHaveLength(5);
    },
  );

  it.skipIf(skip)("serves one match, its replay bytes, and the live list", async () => {
    const one = await get(`/api/v1/matches/${finished[2]}`);
    expect(one.body).toMatchObject({ id: finished[2], status: "finished", result: { goals: [2, 0] } });
    const replay = await app.inject({ method: "GET", url: `/api/v1/matches/${finished[2]}/replay` });
    expect(replay.headers["content-type"]).toBe("application/octet-stream");
    expect(Array.from(replay.rawPayload)).toEqual([2, 1, 2]);
    const noReplay = await app.inject({ method: "GET", url: `/api/v1/matches/${running}/replay` });
    expect(noReplay.json()).toMatchObject({ error: { code: "replay_not_found" } });
    const live = await get("/api/v1/matches/live");
    expect(live.body.items.map((m) => m.id)).toEqual([running]);
    expect((await get("/api/v1/matches/00000000-0000-7000-8000-000000000000")).status).toBe(404);
    expect((await get("/api/v1/matches/not-a-uuid")).status).toBe(400);
  });

  it.skipIf(skip)("serves an agent with versions and ratings, and a version's rating history", async () => {
    const agent = await get(`/api/v1/agents/${agents[0]!.id}`);
    expect(agent.body).toMatchObject({
      name: "striker",
      kind: "model",
      owner: { name: "lab" },
      versions: [
        {
          version: 1,
          status: "active",
          artifactSize: 100,
          ratings: [{ leagueId: "car-soccer-1v1", games: 5, wins: 5 }],
        },
      ],
    });
    expect(JSON.stringify(agent.body)).not.toContain('artifact":');
    const history = await get(`/api/v1/versions/${agents[0]!.versionId}/ratings?league=car-soccer-1v1`);
    const points = (history.body as unknown as { points: { ordinal: number; matchId: string }[] }).points;
    expect(points.map((p) => p.matchId)).toEqual(finished);
    expect(points.at(-1)!.ordinal).toBeGreaterThan(points[0]!.ordinal); // five wins in a row
    expect((await get(`/api/v1/versions/${agents[0]!.versionId}/ratings`)).status).toBe(400);

    // The leaderboard's trend: the ordinal's change over the last five rated matches (here, all of them).
    const board = (await get("/api/v1/leagues/car-soccer-1v1/leaderboard")).body.items as unknown as {
      agent: { name: string };
      ordinal: number;
      trend: number;
    }[];
    const striker = board.find((e) => e.agent.name === "striker")!;
    const keeper = board.find((e) => e.agent.name === "keeper")!;
    expect(striker.trend).toBeCloseTo(striker.ordinal - 0, 6); // started at mu 25, sigma 25/3: ordinal 0
    expect(keeper.trend).toBeLessThan(0);
  });

  it.skipIf(skip)(
    "tallies an agent's results against each opponent, and lists an owner's agents",
    async () => {
      const h2h = await get(`/api/v1/agents/${agents[0]!.id}/head-to-head?league=car-soccer-1v1`);
      expect(h2h.status).toBe(200);
      // Five finished matches, 2-0 or 2-1 for the striker; the running one does not count.
      expect(h2h.body.items).toEqual([
        {
          leagueId: "car-soccer-1v1",
          opponent: { id: agents[1]!.id, name: "keeper", owner: { name: "lab" } },
          games: 5,
          wins: 5,
          draws: 0,
          losses: 0,
          scoreFor: 10,
          scoreAgainst: 2,
        },
      ]);
      const keeper = await get(`/api/v1/agents/${agents[1]!.id}/head-to-head`);
      expect(keeper.body.items[0]).toMatchObject({ losses: 5, scoreFor: 2, scoreAgainst: 10 });
      expect((await get("/api/v1/agents/00000000-0000-7000-8000-000000000000/head-to-head")).status).toBe(
        404,
      );

      const owner = await get("/api/v1/owners/lab/agents");
      expect(owner.status).toBe(200);
      const listed = owner.body.agents as { name: string; versions: { status: string; version: number }[] }[];
      expect(listed.map((a) => a.name).sort()).toEqual(["keeper", "striker"]);
      expect(listed[0]!.versions).toMatchObject([{ version: 1, status: "active" }]);
      expect((await get("/api/v1/owners/nobody-here/agents")).body).toMatchObject({
        error: { code: "owner_not_found" },
      });
      // A NUL in the name is refused at the schema, never sent to the database (it answered 500).
      const nul = await get("/api/v1/owners/a%00b/agents");
      expect(nul.status).toBe(400);
      expect(nul.body).toMatchObject({ error: { code: "invalid_request" } });
    },
  );

  it.skipIf(skip)("pages the recent results of every league together, newest first", async () => {
    const seats = [
      { versionId: agents[1]!.versionId, slot: 0, team: 0 },
      { versionId: agents[0]!.versionId, slot: 1, team: 1 },
    ];
    const bandit = await createMatch(db.prisma, { leagueId: "bandit-bernoulli-10", seed: 7n, seats });
    await finishMatch(db.prisma, { matchId: bandit, teamScores: [3, 1], result: { returns: [3, 1] } });
    const first = await get("/api/v1/matches?limit=4");
    expect(first.status).toBe(200);
    expect(first.body.items.map((m) => m.id)).toEqual([bandit, ...[...finished].reverse().slice(0, 3)]);
    expect(first.body.items.map((m) => m.leagueId)).toEqual([
      "bandit-bernoulli-10",
      "car-soccer-1v1",
      "car-soccer-1v1",
      "car-soccer-1v1",
    ]);
    const second = await get(`/api/v1/matches?limit=4&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((m) => m.id)).toEqual([finished[1], finished[0]]);
    expect(second.body.nextCursor).toBeNull();
    // The running match is not a result.
    expect([...first.body.items, ...second.body.items].map((m) => m.id)).not.toContain(running);
    expect((await get("/api/v1/matches?cursor=bogus")).body).toMatchObject({
      error: { code: "invalid_cursor" },
    });
  });
});
