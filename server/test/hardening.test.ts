// What a hostile test of the running server found (issue 21, items 2, 3, 4 and 6), each on both
// databases: someone else's rate limit, a 500 after a commit, 500s from input PostgreSQL cannot
// store or a cursor the API never wrote, and errors outside the documented shape.
import type { AddressInfo } from "node:net";
import { createTestDatabase, probePostgres, type TestDatabase } from "@league/db/testing";
import type { FastifyInstance } from "fastify";
import { io as connect } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.js";
import { attachFeed, leagueLookup, PlatformEvents } from "../src/feed.js";
import { registerBuiltinAgents } from "../src/league/builtins.js";
import { attachRooms } from "../src/rooms/index.js";
import { seedLeagues } from "../src/seed.js";
import { checkpointFiles, multipart } from "./fixtures.js";

let checkpoint: Map<string, Buffer>;
beforeAll(async () => {
  checkpoint = await checkpointFiles({
    env: "bandit-bernoulli-10",
    observationBuilder: "default",
    actionParser: "discrete",
    observationSize: 12,
    actionCount: 10,
  });
});

const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const UUID = "0190a0a0-0000-7000-8000-000000000000";

const postgres = await probePostgres();
describe.each([
  { kind: "pglite" as const, skip: false },
  { kind: "postgres" as const, skip: !postgres.available },
])("hardening on $kind", ({ kind, skip }) => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let key = "";
  beforeAll(async () => {
    if (skip) return;
    db = await createTestDatabase(kind);
    await seedLeagues(db.prisma);
    app = await buildApp({
      db,
      version: "0.0.0-test",
      writeRateLimit: { max: 6, windowMs: 60_000 },
      ownerLimits: { apiKeysPerOwner: 3, liveMatchesPerOwner: 1 },
    });
    const signup = await app.inject({
      method: "POST",
      url: "/api/v1/owners",
      payload: { name: "victim" },
      remoteAddress: "10.0.0.1",
    });
    key = (signup.json() as { apiKey: { key: string } }).apiKey.key;
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
  });

  /** A write from `address`; every error in the documented shape. */
  const write = async (url: string, payload: unknown, address: string, authorization?: string) => {
    const res = await app.inject({
      method: "POST",
      url,
      payload: payload as Record<string, unknown>,
      remoteAddress: address,
      headers: authorization ? { authorization } : {},
    });
    if (res.statusCode >= 400)
      expect(res.json()).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
    return res;
  };

  it.skipIf(skip)(
    "counts a wrong secret under a real key's prefix against the sender's address, never the owner",
    async () => {
      const prefix = key.split("_").slice(0, 2).join("_");
      const forged = `Bearer ${prefix}_${"A".repeat(43)}`;
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++)
        statuses.push((await write("/api/v1/owners/me/keys", {}, "10.6.6.6", forged)).statusCode);
      expect(statuses.slice(0, 6)).toEqual([401, 401, 401, 401, 401, 401]);
      expect(statuses.slice(6)).toEqual([429, 429, 429, 429]);
      // The owner, from its own address, still has its whole allowance.
      const mine = await write("/api/v1/owners/me/keys", { label: "second" }, "10.0.0.1", `Bearer ${key}`);
      expect(mine.statusCode).toBe(201);
    },
  );

  it.skipIf(skip)(
    "one allowance per owner across its keys and write routes; 429 says the window and the time left",
    async () => {
      const owner = await write("/api/v1/owners", { name: "many-keys" }, "10.1.0.1");
      const first = `Bearer ${(owner.json() as { apiKey: { key: string } }).apiKey.key}`;
      const second = await write("/api/v1/owners/me/keys", {}, "10.1.0.2", first);
      const other = `Bearer ${(second.json() as { key: string }).key}`;
      const answers = [second];
      // From different addresses, alternating keys and routes: 6 writes in all pass, then 429.
      for (let i = 0; i < 6; i++)
        answers.push(
          await write(
            i % 2 ? "/api/v1/agents/remote" : "/api/v1/remote/matches",
            i % 2 ? { name: `remote-${i}`, env: "car-soccer-1v1" } : { versionId: UUID },
            `10.1.1.${i}`,
            i % 3 ? first : other,
          ),
        );
      expect(answers.map((a) => a.statusCode)).toEqual([201, 404, 201, 404, 201, 404, 429]);
      expect(answers.at(-1)!.json()).toMatchObject({ error: { code: "rate_limited" } });
      const limited = await write("/api/v1/owners/me/keys", {}, "10.1.2.1", first);
      const { message } = (limited.json() as { error: { message: string } }).error;
      expect(message).toMatch(/at most 6 per minute; retry in \d+ s/);
    },
  );

  it.skipIf(skip)("caps an owner's unrevoked API keys", async () => {
    const owner = await write("/api/v1/owners", { name: "key-cap" }, "10.2.0.1");
    const auth = `Bearer ${(owner.json() as { apiKey: { key: string } }).apiKey.key}`;
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await write("/api/v1/owners/me/keys", {}, "10.2.0.1", auth)).statusCode);
    expect(statuses).toEqual([201, 201, 429]);
    expect(await db.prisma.apiKey.count({ where: { owner: { name: "key-cap" }, revokedAt: null } })).toBe(3);
  });

  it.skipIf(skip)("refuses `Authorization: Bearer A B` rather than reading it as A", async () => {
    const res = await app.inject({
      method: "GET",
      url: "/api/v1/owners/me",
      headers: { authorization: `Bearer ${key} extra` },
    });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: { code: "malformed_authorization" } });
  });

  it.skipIf(skip)(
    "refuses a model with a bool weight (4n+1 weight bytes) before storing anything",
    async () => {
      const owner = await write("/api/v1/owners", { name: "odd-weights" }, "10.3.0.1");
      const auth = `Bearer ${(owner.json() as { apiKey: { key: string } }).apiKey.key}`;
      const model = JSON.parse(checkpoint.get("model.json")!.toString()) as {
        weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
      };
      model.weightsManifest[0]!.weights.push({ name: "extra/flag", shape: [1], dtype: "bool" });
      const weightFile = model.weightsManifest[0]!.paths[0]!;
      const files = new Map(checkpoint);
      files.set("model.json", Buffer.from(JSON.stringify(model)));
      files.set(weightFile, Buffer.concat([checkpoint.get(weightFile)!, Buffer.from([1])]));
      const { payload, headers } = multipart({ agent: "odd" }, files);
      const before = await db.prisma.agentVersion.count();
      const res = await app.inject({
        method: "POST",
        url: "/api/v1/submissions",
        payload,
        headers: { ...headers, authorization: auth },
        remoteAddress: "10.3.0.1",
      });
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({
        error: { code: "invalid_model", message: expect.stringMatching(/float32/) },
      });
      expect(await db.prisma.agentVersion.count()).toBe(before);
    },
  );

  it.skipIf(skip)(
    "refuses a null layer in model.json and NUL or lone surrogates in agent.json with 422",
    async () => {
      const owner = await write("/api/v1/owners", { name: "odd-files" }, "10.4.0.1");
      const auth = `Bearer ${(owner.json() as { apiKey: { key: string } }).apiKey.key}`;
      const model = JSON.parse(checkpoint.get("model.json")!.toString()) as {
        modelTopology: { config: { layers: unknown[] } };
      };
      model.modelTopology.config.layers.splice(1, 0, null);
      const manifest = JSON.parse(checkpoint.get("agent.json")!.toString()) as Record<string, unknown>;
      const before = await db.prisma.agentVersion.count();
      for (const [files, code] of [
        [new Map([...checkpoint, ["model.json", Buffer.from(JSON.stringify(model))]]), "invalid_topology"],
        [
          new Map([
            ...checkpoint,
            ["agent.json", Buffer.from(JSON.stringify({ ...manifest, name: "a\u0000b" }))],
          ]),
          "invalid_manifest",
        ],
        [
          new Map([
            ...checkpoint,
            ["agent.json", Buffer.from(JSON.stringify({ ...manifest, training: { "\uD800": 1 } }))],
          ]),
          "invalid_manifest",
        ],
      ] as const) {
        const { payload, headers } = multipart({ agent: "odd" }, files);
        const res = await app.inject({
          method: "POST",
          url: "/api/v1/submissions",
          payload,
          headers: { ...headers, authorization: auth },
          remoteAddress: "10.4.0.1",
        });
        expect(res.statusCode, res.body).toBe(422);
        expect(res.json()).toMatchObject({ error: { code } });
      }
      expect(await db.prisma.agentVersion.count()).toBe(before);
    },
  );

  it.skipIf(skip)(
    "refuses NUL characters and lone surrogates in labels, names and descriptions at the schema",
    async () => {
      const before = { owners: await db.prisma.owner.count(), agents: await db.prisma.agent.count() };
      const cases: [string, unknown, string | undefined][] = [
        ["/api/v1/owners", { name: "nul-label", keyLabel: "a\u0000b" }, undefined],
        ["/api/v1/owners", { name: "nul\u0000name" }, undefined],
        ["/api/v1/owners", { name: "surrogate", keyLabel: "\uD800" }, undefined],
        ["/api/v1/owners/me/keys", { label: "x\uDC00y" }, `Bearer ${key}`],
        [
          "/api/v1/agents/remote",
          { name: "remote-odd", env: "car-soccer-1v1", description: "a\u0000" },
          `Bearer ${key}`,
        ],
        [
          "/api/v1/agents/remote",
          { name: "remote-odd", env: "car-soccer-1v1", description: "\uD83D" },
          `Bearer ${key}`,
        ],
      ];
      for (const [url, payload, auth] of cases) {
        // Each from its own address: this checks input, not the rate limit.
        const res = await write(url, payload, `10.5.0.${cases.findIndex((c) => c[1] === payload)}`, auth);
        expect(res.statusCode, `${url} ${JSON.stringify(payload)}`).toBe(400);
      }
      expect({ owners: await db.prisma.owner.count(), agents: await db.prisma.agent.count() }).toEqual(
        before,
      );
    },
  );

  it.skipIf(skip)("refuses minGames past int4 and cursors the API never wrote with 400", async () => {
    const bad = [
      "/api/v1/leagues/car-soccer-1v1/leaderboard?minGames=2147483648",
      // JSON.parse reads 1e999 as Infinity.
      `/api/v1/leagues/car-soccer-1v1/leaderboard?cursor=${Buffer.from(`[1e999,"${UUID}",3]`).toString("base64url")}`,
      `/api/v1/leagues/car-soccer-1v1/leaderboard?cursor=${cursor([1, "not-a-uuid", 3])}`,
      `/api/v1/leagues/car-soccer-1v1/leaderboard?cursor=${cursor([1, UUID, -50])}`,
      `/api/v1/matches?cursor=${cursor(["2026-01-01T00:00:00.000Z", "not-a-uuid"])}`,
      `/api/v1/matches?cursor=${cursor(["2026-02-31T00:00:00.000Z", UUID])}`,
      `/api/v1/matches?cursor=${cursor(["-271821-04-20T00:00:00.000Z", UUID])}`,
      `/api/v1/matches?cursor=${cursor([8.64e15, UUID])}`,
      `/api/v1/leagues/car-soccer-1v1/matches?cursor=${cursor(["+275760-09-13T00:00:00.000Z", UUID])}`,
    ];
    for (const url of bad) {
      const res = await app.inject({ method: "GET", url });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(400);
      expect(res.json()).toMatchObject({
        error: { code: expect.stringMatching(/invalid_cursor|invalid_request/) },
      });
    }
  });

  it.skipIf(skip)("answers Fastify's own errors in the documented error shape", async () => {
    for (const [url, status, code] of [
      [`/api/v1/agents/${"a".repeat(300)}`, 414, "parameter_too_long"],
      ["/api/v1/%E0%A4%A", 400, "invalid_url"],
    ] as const) {
      const res = await app.inject({ method: "GET", url });
      expect(res.statusCode).toBe(status);
      expect(res.json()).toEqual({ error: { code, message: expect.any(String) } });
    }
    const badJson = await app.inject({
      method: "POST",
      url: "/api/v1/owners",
      payload: "{bad",
      headers: { "content-type": "application/json" },
      remoteAddress: "10.7.0.1",
    });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json()).toEqual({ error: { code: "invalid_json", message: expect.any(String) } });
  });

  it.skipIf(skip)("caps the live matches an owner's remote agents play at once", async () => {
    await registerBuiltinAgents(db.prisma);
    await app.listen({ port: 0, host: "127.0.0.1" });
    const rooms = await attachRooms(app.server);
    try {
      const owner = await write("/api/v1/owners", { name: "live-cap" }, "10.8.0.1");
      const auth = `Bearer ${(owner.json() as { apiKey: { key: string } }).apiKey.key}`;
      const remote = await write(
        "/api/v1/agents/remote",
        { name: "far", env: "car-soccer-1v1" },
        "10.8.0.1",
        auth,
      );
      const { versionId } = remote.json() as { versionId: string };
      const start = () =>
        write(
          "/api/v1/remote/matches",
          { versionId, durationSeconds: 30, remoteGraceSeconds: 30 },
          "10.8.0.1",
          auth,
        );
      // Two at once, then one more: the cap is 1.
      const answers = await Promise.all([start(), start()]);
      answers.push(await start());
      expect(answers.map((a) => a.statusCode).sort()).toEqual([201, 429, 429]);
      expect(answers.find((a) => a.statusCode === 429)!.json()).toMatchObject({
        error: { code: "live_match_limit" },
      });
      expect(
        await db.prisma.match.count({ where: { live: true, participants: { some: { versionId } } } }),
      ).toBe(1);
    } finally {
      await rooms.stop();
    }
  });

  it.skipIf(skip)("answers a feed subscription to an unknown league with an error", async () => {
    const events = new PlatformEvents();
    if (!app.server.listening) await app.listen({ port: 0, host: "127.0.0.1" });
    const io = attachFeed(app.server, events, { corsOrigins: [], leagueExists: leagueLookup(db.prisma) });
    const port = (app.server.address() as AddressInfo).port;
    const socket = connect(`http://127.0.0.1:${port}/feed`, { transports: ["websocket"], forceNew: true });
    try {
      expect(await socket.emitWithAck("subscribe", { league: "no-such-league" })).toEqual({
        error: { code: "league_not_found", message: 'no league with id "no-such-league"' },
      });
      expect(await socket.emitWithAck("subscribe", { league: "car-soccer-1v1" })).toEqual({
        ok: true,
        league: "car-soccer-1v1",
      });
    } finally {
      socket.disconnect();
      await io.close();
    }
  });
});
