// Malformed input at every write endpoint and at the remote-agent protocol: each gets a 4xx (or
// a clean refusal), the server stays up, and nothing in the database changes.
import type { AddressInfo } from "node:net";
import { createTestDatabase, type TestDatabase } from "@league/db/testing";
import { Client } from "colyseus.js";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.js";
import { registerBuiltinAgents } from "../src/league/builtins.js";
import { type AttachedRooms, attachRooms } from "../src/rooms/index.js";
import { seedLeagues } from "../src/seed.js";
import { multipart } from "./fixtures.js";

let db: TestDatabase;
let app: FastifyInstance;
let rooms: AttachedRooms;
let base = "";
let key = "";
let versionId = "";

/** Row counts of every table a write could touch. */
async function snapshot(): Promise<Record<string, number>> {
  const p = db.prisma;
  return {
    owners: await p.owner.count(),
    apiKeys: await p.apiKey.count({ where: { revokedAt: null } }),
    agents: await p.agent.count(),
    versions: await p.agentVersion.count(),
    matches: await p.match.count(),
    ratings: await p.rating.count(),
    ratingEvents: await p.ratingEvent.count(),
  };
}

// Strings that have broken servers: traversal, control and invisible characters, lone surrogates,
// right-to-left overrides, very long text, and things that look like other formats.
const ODD_STRINGS = [
  "../../etc/passwd",
  "..\\..\\windows\\system32",
  "a\u0000b",
  "\u202Eevil\u202C",
  "\u200B\u200B",
  "\uD800",
  "💥".repeat(40),
  "x".repeat(100_000),
  "<script>alert(1)</script>",
  '\'; DROP TABLE "Owner"; --',
  "%00%2e%2e%2f",
  "",
];
const ODD_VALUES: unknown[] = [null, 0, -1, 1e308, true, [], {}, ["a"], { $ne: null }, ...ODD_STRINGS];

beforeAll(async () => {
  db = await createTestDatabase("pglite");
  await seedLeagues(db.prisma);
  await registerBuiltinAgents(db.prisma);
  // Rate limits off the way: this test sends hundreds of writes on purpose.
  app = await buildApp({ db, version: "fuzz", writeRateLimit: { max: 100_000, windowMs: 60_000 } });
  await app.listen({ port: 0, host: "127.0.0.1" });
  rooms = await attachRooms(app.server);
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const signup = await fetch(`${base}/api/v1/owners`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "fuzzer" }),
  });
  key = ((await signup.json()) as { apiKey: { key: string } }).apiKey.key;
  const remote = await fetch(`${base}/api/v1/agents/remote`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ name: "fuzz-remote", env: "car-soccer-1v1" }),
  });
  versionId = ((await remote.json()) as { versionId: string }).versionId;
});

afterAll(async () => {
  await rooms?.stop();
  await app?.close();
  await db?.destroy();
});

async function send(
  method: string,
  route: string,
  body: string | Uint8Array | undefined,
  headers: Record<string, string>,
): Promise<number> {
  const res = await fetch(`${base}${route}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  // Every refusal is in the API's one error shape.
  if (res.status >= 400)
    expect(JSON.parse(text), `${method} ${route} ${res.status}: ${text.slice(0, 200)}`).toHaveProperty(
      "error.code",
    );
  return res.status;
}

describe("fuzzing the write endpoints", () => {
  const json = (auth: boolean) => ({
    "content-type": "application/json",
    ...(auth ? { authorization: `Bearer ${key}` } : {}),
  });
  const endpoints: { method: string; route: string; fields: string[]; auth: boolean }[] = [
    { method: "POST", route: "/api/v1/owners", fields: ["name", "email", "keyLabel"], auth: false },
    { method: "POST", route: "/api/v1/owners/me/keys", fields: ["label"], auth: true },
    {
      method: "POST",
      route: "/api/v1/agents/remote",
      fields: ["name", "env", "observationBuilder", "actionParser", "description"],
      auth: true,
    },
    {
      method: "POST",
      route: "/api/v1/remote/matches",
      fields: ["versionId", "opponent", "side", "durationSeconds", "remoteGraceSeconds"],
      auth: true,
    },
  ];

  it("answers malformed JSON, wrong types, odd strings and oversized bodies with a 4xx and changes nothing", async () => {
    const before = await snapshot();
    const statuses: number[] = [];
    for (const { method, route, fields, auth } of endpoints) {
      for (const raw of ["{", "[1,2", "null", '"text"', '{"a":1}}', "\u0000", '{"__proto__":{"admin":true}}'])
        statuses.push(await send(method, route, raw, json(auth)));
      statuses.push(await send(method, route, "x".repeat(2 * 1024 * 1024), json(auth)));
      for (const field of fields)
        for (const value of field === "label"
          ? [...ODD_VALUES.filter((v) => typeof v !== "string"), "x".repeat(65)]
          : ODD_VALUES)
          statuses.push(await send(method, route, JSON.stringify({ [field]: value }), json(auth)));
      // The right fields with wrong companions: unknown keys, wrong content type, bad keys.
      statuses.push(
        await send(method, route, "name=x", { "content-type": "application/x-www-form-urlencoded" }),
      );
      statuses.push(
        await send(method, route, "{}", {
          "content-type": "application/json",
          authorization: "Bearer al_%00../x",
        }),
      );
      statuses.push(
        await send(method, route, "{}", {
          "content-type": "application/json",
          authorization: "Basic Zm9vOmJhcg==",
        }),
      );
    }
    for (const id of ["../../x", "%2e%2e", "not-a-uuid", "00000000-0000-0000-0000-000000000000"])
      statuses.push(
        await send("DELETE", `/api/v1/owners/me/keys/${encodeURIComponent(id)}`, undefined, json(true)),
      );
    expect(statuses.length).toBeGreaterThan(200);
    for (const s of statuses) expect(s).toBeGreaterThanOrEqual(400);
    for (const s of statuses) expect(s).toBeLessThan(500);
    expect(await snapshot()).toEqual(before);
    expect((await fetch(`${base}/api/v1/health`)).status).toBe(200);
  });

  it("refuses multipart submissions with traversal names, odd fields and broken files, storing nothing", async () => {
    const before = await snapshot();
    const files = (entries: Record<string, string>) =>
      new Map(Object.entries(entries).map(([name, text]) => [name, Buffer.from(text)]));
    const bodies = [
      multipart({ agent: "../../evil" }, files({ "agent.json": "{}" })),
      multipart({ agent: "ok-name" }, files({ "../../agent.json": "{}", "model.json": "{}" })),
      multipart({ agent: "ok-name" }, files({ "agent.json": '{"kind":"model"', "model.json": "[" })),
      multipart({ agent: "\u202Eevil" }, files({ "agent.json": "null" })),
      multipart({ agent: "ok-name", extra: "x" }, files({})),
      multipart({ agent: "ok-name" }, files({ "agent.json": '{"__proto__":{"kind":"model"}}' })),
      multipart({ agent: "ok-name" }, files({ "agent.json": "[".repeat(100_000) })),
    ];
    for (const { payload, headers } of bodies) {
      const status = await send("POST", "/api/v1/submissions", payload, {
        ...headers,
        authorization: `Bearer ${key}`,
      });
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(500);
    }
    expect(await snapshot()).toEqual(before);
  });
});

describe("fuzzing the remote-agent protocol", () => {
  it("refuses bad join options, counts garbage answers, drops an oversized one cleanly; the match is stored", async () => {
    const res = await fetch(`${base}/api/v1/remote/matches`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ versionId, durationSeconds: 30, remoteGraceSeconds: 2 }),
    });
    expect(res.status).toBe(201);
    const { roomId, matchId } = (await res.json()) as { roomId: string; matchId: string };
    const client = new Client(base.replace("http", "ws"));
    for (const options of [
      { apiKey: 42, versionId },
      { apiKey: key, versionId: "../../x" },
      { apiKey: "\uD800", versionId },
      { apiKey: key, versionId: { $ne: null } },
    ])
      await expect(client.joinById(roomId, options)).rejects.toThrow(
        /remote player|a remote player joins with|does not play a remote seat/,
      );

    const room = await client.joinById(roomId, { apiKey: key, versionId });
    const refusals: string[] = [];
    room.onMessage("action.refused", (r: { reason: string }) => refusals.push(r.reason));
    let observations = 0;
    const garbage: unknown[] = [
      null,
      "text",
      42,
      [],
      { step: "1", action: [0] },
      { step: 1.5, action: [0] },
      { step: 1e12, action: [0] },
      { step: -1, action: [0] },
      { step: 1, action: [Number.NaN] },
      { step: 1, action: ["0"] },
      { step: 1, action: [999] },
      { step: 1, action: { length: 1, 0: 1 } },
    ];
    const left = new Promise<number>((resolve) => room.onLeave(resolve));
    room.onMessage("observation", (o: { step: number }) => {
      observations++;
      if (o.step === 60) {
        // Last, a message far over the transport's frame limit: the server drops the connection.
        room.send("action", { step: o.step, action: new Array(500_000).fill(1) });
        return;
      }
      room.send("action", garbage[o.step % garbage.length]);
      if (o.step % 3 === 0) room.send("action", { step: o.step, action: [o.step % 90] });
      room.send("not-a-type", { anything: true });
    });
    expect(await left).toBeGreaterThan(1000);
    expect(observations).toBeGreaterThanOrEqual(60);
    expect(refusals.length).toBeGreaterThan(10);
    // Away past the 2 s grace: the remote side forfeits, and the match is stored whole.
    await expect
      .poll(async () => (await db.prisma.match.findUniqueOrThrow({ where: { id: matchId } })).status, {
        timeout: 30_000,
      })
      .toBe("finished");
    const stored = await db.prisma.match.findUniqueOrThrow({ where: { id: matchId } });
    const result = stored.result as unknown as {
      forfeit?: { team: number; reason: string };
      seats: { remote?: Record<string, number> }[];
    };
    expect(result.forfeit).toMatchObject({ team: 0 });
    const remote = result.seats[0]!.remote!;
    expect(remote.onTime).toBeGreaterThan(0);
    expect(remote.malformedAnswers).toBeGreaterThan(0);
    expect((await fetch(`${base}/api/v1/health`)).status).toBe(200);
  });
});
