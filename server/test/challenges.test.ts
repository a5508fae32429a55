// Challenges: two owners' submitted models meet live at one owner's request — played in a room
// a real colyseus.js spectator watches, stored unrated (no rating moves), and its replay plays
// back to the stored score; the per-owner limit and bad requests answer 4xx saying why.
import type { AddressInfo } from "node:net";
import { createTestDatabase, type TestDatabase } from "@league/db/testing";
import { decodeMatchReplay, verifyMatchReplay } from "@league/envs";
import { Client } from "colyseus.js";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, seedLeagues } from "../src/index.js";
import { registerBuiltinAgents } from "../src/league/builtins.js";
import { validatePendingVersions } from "../src/league/validation.js";
import { type AttachedRooms, attachRooms } from "../src/rooms/index.js";
import { abortMatch, createMatch } from "../src/storage/matches.js";
import { checkpointFiles, multipart } from "./fixtures.js";

const LEAGUE = "car-soccer-1v1";

describe("challenges", () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let rooms: AttachedRooms;
  let client: Client;
  const keys: Record<string, string> = {};
  const models: Record<string, string> = {};

  async function submit(owner: string, agent: string): Promise<string> {
    const files = await checkpointFiles({
      env: LEAGUE,
      observationBuilder: "default",
      actionParser: "lookup",
      observationSize: 91,
      actionCount: 90,
    });
    const { payload, headers } = multipart({ agent }, files);
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/submissions",
      payload,
      headers: { ...headers, authorization: `Bearer ${keys[owner]}` },
    });
    expect(res.statusCode).toBe(201);
    return (res.json() as { versionId: string }).versionId;
  }

  const challenge = (owner: string, body: Record<string, unknown>) =>
    app.inject({
      method: "POST",
      url: "/api/v1/challenges",
      payload: body,
      headers: { authorization: `Bearer ${keys[owner]}` },
    });

  beforeAll(async () => {
    db = await createTestDatabase("pglite");
    await seedLeagues(db.prisma);
    await registerBuiltinAgents(db.prisma);
    app = await buildApp({
      db,
      version: "0.0.0-test",
      ownerLimits: { apiKeysPerOwner: 10, liveMatchesPerOwner: 2, challengesPerOwner: 1 },
    });
    rooms = await attachRooms(app.server);
    await app.listen({ port: 0, host: "127.0.0.1" });
    client = new Client(`ws://127.0.0.1:${(app.server.address() as AddressInfo).port}`);
    for (const name of ["ada", "bob"]) {
      const res = await app.inject({ method: "POST", url: "/api/v1/owners", payload: { name } });
      keys[name] = (res.json() as { apiKey: { key: string } }).apiKey.key;
    }
    models.ada = await submit("ada", "ada-net");
    models.bob = await submit("bob", "bob-net");
    const outcomes = await validatePendingVersions(db.prisma);
    expect(outcomes.map((o) => o.status)).toEqual(["active", "active"]);
  });
  afterAll(async () => {
    await rooms?.stop();
    await app?.close();
    await db?.close();
  });

  it("plays two submitted models live, stores the match unrated, and its replay plays back", async () => {
    const res = await challenge("ada", {
      versionId: models.ada,
      opponentVersionId: models.bob,
      durationSeconds: 6,
    });
    expect(res.statusCode).toBe(201);
    const created = res.json() as {
      matchId: string;
      roomId: string;
      rated: boolean;
      watch: string;
      live: string;
    };
    expect(created.rated).toBe(false);
    expect(created.watch).toBe(`/matches/${created.matchId}`);
    const live = await app.inject({ method: "GET", url: created.live });
    expect((live.json() as { roomId: string }).roomId).toBe(created.roomId);

    const room = await client.joinById(created.roomId);
    let patches = 0;
    const names: string[] = [];
    room.onStateChange((s: { cars: { name: string }[] }) => {
      patches++;
      if (!names.length) names.push(...s.cars.map((c) => c.name));
    });
    const ended = new Promise<{ status: string; score: { blue: number; orange: number } }>((resolve) =>
      room.onMessage("match.ended", resolve),
    );
    // Ada has a challenge on: a second one waits for it to end.
    const second = await challenge("ada", {
      versionId: models.ada,
      opponentBot: "defender",
      durationSeconds: 6,
    });
    expect(second.statusCode).toBe(429);
    expect((second.json() as { error: { code: string } }).error.code).toBe("challenge_limit");

    const end = await ended;
    expect(end.status).toBe("finished");
    expect(patches).toBeGreaterThan(0);
    expect(Number.isInteger(end.score.blue) && Number.isInteger(end.score.orange)).toBe(true);
    expect(names).toEqual(["ada-net v1", "bob-net v1"]);

    const match = await db.prisma.match.findUniqueOrThrow({
      where: { id: created.matchId },
      include: { participants: { orderBy: { slot: "asc" } } },
    });
    expect(match).toMatchObject({ status: "finished", live: true, rated: false });
    expect(match.participants.map((p) => p.muBefore)).toEqual([null, null]);
    expect(match.participants.every((p) => p.rank !== null)).toBe(true);
    const ratings = await db.prisma.rating.findMany({
      where: { versionId: { in: [models.ada!, models.bob!] } },
    });
    expect(ratings.map((r) => r.games)).toEqual([0, 0]);
    expect(await db.prisma.ratingEvent.count({ where: { matchId: match.id } })).toBe(0);

    const view = await app.inject({ method: "GET", url: `/api/v1/matches/${match.id}` });
    expect(view.json()).toMatchObject({ id: match.id, rated: false, live: true, status: "finished" });
    const replay = await app.inject({ method: "GET", url: `/api/v1/matches/${match.id}/replay` });
    expect(replay.statusCode).toBe(200);
    const episodes = decodeMatchReplay(new Uint8Array(replay.rawPayload));
    expect(verifyMatchReplay(episodes).ok).toBe(true);
    const result = match.result as { score: { blue: number; orange: number } };
    expect(end.score).toEqual(result.score);
  });

  it("counts against the limit only the challenges an owner started, not others' against their versions", async () => {
    // Bob challenges Ada's version: his one challenge at once (the limit here is 1)...
    const bobs = await challenge("bob", {
      versionId: models.bob,
      opponentVersionId: models.ada,
      durationSeconds: 5,
    });
    expect(bobs.statusCode).toBe(201);
    const bobsSecond = await challenge("bob", {
      versionId: models.bob,
      opponentVersionId: models.ada,
      durationSeconds: 5,
    });
    expect(bobsSecond.statusCode).toBe(429);
    // ...and another of his against Ada's version, stored as started elsewhere (another process).
    const bob = await db.prisma.owner.findUniqueOrThrow({ where: { name: "bob" } });
    const elsewhere = await createMatch(db.prisma, {
      leagueId: LEAGUE,
      seed: 7n,
      live: true,
      rated: false,
      challengerOwnerId: bob.id,
      seats: [
        { versionId: models.bob!, slot: 0, team: 0 },
        { versionId: models.ada!, slot: 1, team: 1 },
      ],
    });
    // Two challenges against Ada's version, none of hers: she may still challenge.
    const adas = await challenge("ada", {
      versionId: models.ada,
      opponentBot: "defender",
      durationSeconds: 5,
    });
    expect(adas.statusCode).toBe(201);
    const stored = await db.prisma.match.findMany({
      where: {
        id: { in: [bobs, adas].map((r) => (r.json() as { matchId: string }).matchId) },
      },
      select: { challengerOwnerId: true },
      orderBy: { createdAt: "asc" },
    });
    const ada = await db.prisma.owner.findUniqueOrThrow({ where: { name: "ada" } });
    expect(stored.map((m) => m.challengerOwnerId)).toEqual([bob.id, ada.id]);
    await abortMatch(db.prisma, elsewhere, "test row: never played");
  });

  it("is documented in the OpenAPI document", async () => {
    const doc = (await app.inject({ method: "GET", url: "/api/v1/openapi.json" })).json() as {
      paths: Record<string, { post?: { summary?: string; requestBody?: unknown } }>;
    };
    expect(doc.paths["/api/v1/challenges"]?.post?.summary).toMatch(/Challenge/);
    expect(JSON.stringify(doc.paths["/api/v1/challenges"]!.post!.requestBody)).toContain("opponentVersionId");
  });

  it("refuses what cannot be played, saying why", async () => {
    const both = await challenge("ada", {
      versionId: models.ada,
      opponentVersionId: models.bob,
      opponentBot: "defender",
    });
    expect(both.statusCode).toBe(400);
    const notMine = await challenge("ada", { versionId: models.bob, opponentBot: "defender" });
    expect(notMine.statusCode).toBe(403);
    expect((notMine.json() as { error: { code: string } }).error.code).toBe("not_yours");
    const noBot = await challenge("ada", { versionId: models.ada, opponentBot: "pele" });
    expect(noBot.statusCode).toBe(400);
    expect((noBot.json() as { error: { message: string } }).error.message).toMatch(
      /no built-in bot "pele".*ball-chaser/,
    );
    const self = await challenge("ada", { versionId: models.ada, opponentVersionId: models.ada });
    expect(self.statusCode).toBe(400);
    // Always unrated: there is no option to rate a challenge (rating farming).
    const rated = await challenge("ada", { versionId: models.ada, opponentBot: "defender", rated: true });
    expect(rated.statusCode).toBe(400);
    expect((rated.json() as { error: { message: string } }).error.message).toMatch(/rated/);
    const anonymous = await app.inject({
      method: "POST",
      url: "/api/v1/challenges",
      payload: { versionId: models.ada, opponentBot: "defender" },
    });
    expect(anonymous.statusCode).toBe(401);
  });

  it("rates a remote match only when the league picked its opponent and length", async () => {
    const registered = await app.inject({
      method: "POST",
      url: "/api/v1/agents/remote",
      payload: { name: "bob-remote", env: LEAGUE },
      headers: { authorization: `Bearer ${keys.bob}` },
    });
    const versionId = (registered.json() as { versionId: string }).versionId;
    const request = (body: Record<string, unknown>) =>
      app.inject({
        method: "POST",
        url: "/api/v1/remote/matches",
        payload: { versionId, remoteGraceSeconds: 1, ...body },
        headers: { authorization: `Bearer ${keys.bob}` },
      });
    const scheduled = await request({});
    expect(scheduled.statusCode).toBe(201);
    expect((scheduled.json() as { rated: boolean }).rated).toBe(true);
    const picked = await request({ opponent: "random" });
    expect(picked.statusCode).toBe(201);
    expect((picked.json() as { rated: boolean }).rated).toBe(false);
    const rows = await db.prisma.match.findMany({
      where: { id: { in: [scheduled, picked].map((r) => (r.json() as { matchId: string }).matchId) } },
      orderBy: { createdAt: "asc" },
      include: { participants: { orderBy: { slot: "asc" } } },
    });
    expect(rows.map((m) => m.rated)).toEqual([true, false]);
    // The league's pick is one of its built-in bots.
    const opponent = await db.prisma.agentVersion.findUniqueOrThrow({
      where: { id: rows[0]!.participants[1]!.versionId },
    });
    expect((opponent.manifest as { kind: string }).kind).toBe("scripted");
  });
});
