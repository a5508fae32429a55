// Property-based fuzzing of every route in the OpenAPI document (write bodies, list queries, path
// parameters, Authorization headers) and of multipart submissions, on PGlite and PostgreSQL, with a
// fixed seed and a bounded number of cases: never a 5xx, every error in the documented shape
// `{ error: { code, message } }`, and a refused write stores nothing (issue 21).
// FUZZ_RUNS sets the cases per route (default 10; multipart submissions get twice as many) and FUZZ_SEED the seed; with FUZZ_REPORT, the
// status codes seen per route are written there as JSON (bench/server-fuzz runs it this way).
import { writeFileSync } from "node:fs";
import { createTestDatabase, probePostgres, type TestDatabase } from "@league/db/testing";
import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.js";
import { registerBuiltinAgents } from "../src/league/builtins.js";
import { type AttachedRooms, attachRooms } from "../src/rooms/index.js";
import { seedLeagues } from "../src/seed.js";
import { checkpointFiles, multipart } from "./fixtures.js";
import {
  type FuzzRequest,
  type FuzzTarget,
  fuzzTargets,
  hostile,
  type Pools,
  requestsFor,
  type StatusTally,
  tallyStatus,
  valueFor,
} from "./helpers/api-fuzz.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 10);
const SEED = Number(process.env.FUZZ_SEED ?? 21);
// A long run (the bench) needs far more than vitest's default per test.
const TIMEOUT = Math.max(120_000, RUNS * 2_000);
const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

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

const tally: StatusTally = {};
afterAll(() => {
  if (process.env.FUZZ_REPORT)
    writeFileSync(process.env.FUZZ_REPORT, JSON.stringify({ runs: RUNS, seed: SEED, statuses: tally }));
});

const postgres = await probePostgres();
describe.each([
  { kind: "pglite" as const, skip: false },
  { kind: "postgres" as const, skip: !postgres.available },
])("property-based fuzzing of the API on $kind", ({ kind, skip }) => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let rooms: AttachedRooms;
  let targets: FuzzTarget[] = [];
  let pools: Pools = {};
  let authorizations: string[] = [];
  let key = "";

  beforeAll(async () => {
    if (skip) return;
    db = await createTestDatabase(kind);
    await seedLeagues(db.prisma);
    await registerBuiltinAgents(db.prisma);
    app = await buildApp({
      db,
      version: "fuzz",
      writeRateLimit: { max: 1_000_000, windowMs: 60_000 },
      submissionLimits: { perOwnerPerDay: 100_000, activeVersionsPerAgent: 3 },
    });
    await app.listen({ port: 0, host: "127.0.0.1" });
    rooms = await attachRooms(app.server);
    const signup = await app.inject({ method: "POST", url: "/api/v1/owners", payload: { name: "fuzzer" } });
    key = (signup.json() as { apiKey: { key: string } }).apiKey.key;
    const bearer = { authorization: `Bearer ${key}` };
    const remote = await app.inject({
      method: "POST",
      url: "/api/v1/agents/remote",
      headers: bearer,
      payload: { name: "fuzz-remote", env: "car-soccer-1v1" },
    });
    const spare = await app.inject({
      method: "POST",
      url: "/api/v1/owners/me/keys",
      headers: bearer,
      payload: {},
    });
    const versions = await db.prisma.agentVersion.findMany({ select: { id: true, agentId: true }, take: 20 });
    const remoteVersion = (remote.json() as { versionId: string }).versionId;
    const leagues = (await db.prisma.league.findMany({ select: { id: true } })).map((l) => l.id);
    const bots = ["ball-chaser", "goalie", "no-such-bot"];
    const spareKey = (spare.json() as { id: string }).id;
    pools = {
      // Real ids, so that fuzzed requests reach past "not found"; never the fuzzer's own key's id.
      uuid: [remoteVersion, spareKey, ...versions.flatMap((v) => [v.id, v.agentId])],
      versionId: [remoteVersion, ...versions.map((v) => v.id)],
      agentId: versions.map((v) => v.agentId),
      keyId: [spareKey],
      id: leagues,
      league: leagues,
      // Weighted towards what passes, with one that does not in each.
      env: [
        "car-soccer-1v1",
        "car-soccer-2v2",
        "car-soccer-1v1",
        "car-soccer-1v1",
        "bandit-bernoulli-10",
        "car-soccer-9v9",
      ],
      name: ["fuzz-remote", "new-name", "other-name", "third-name", "x"],
      opponent: bots,
      observationBuilder: ["default", "default", "default", "no-such-builder"],
      actionParser: ["lookup", "lookup", "lookup", "discrete"],
    };
    const prefix = key.split("_").slice(0, 2).join("_");
    authorizations = [
      ...Array(5).fill(`Bearer ${key}`),
      "",
      `Bearer ${prefix}_${"A".repeat(43)}`,
      `Bearer ${key} ${key}`,
      "Basic Zm9vOmJhcg==",
      "Bearer al_%00../x",
    ];
    const document = (await app.inject({ method: "GET", url: "/api/v1/openapi.json" })).json();
    targets = fuzzTargets(document).filter((t) => t.path !== "/api/v1/submissions");
  }, 120_000);
  afterAll(async () => {
    await rooms?.stop();
    await app?.close();
    await db?.destroy();
  });

  /** Rows a request could add (ratings and live matches' results change in the background). */
  async function snapshot(): Promise<Record<string, number>> {
    const p = db.prisma;
    return {
      owners: await p.owner.count(),
      apiKeys: await p.apiKey.count({ where: { revokedAt: null } }),
      agents: await p.agent.count(),
      versions: await p.agentVersion.count(),
      matches: await p.match.count(),
    };
  }

  /** Sends one request and checks what every answer must be; returns its status. */
  async function check(
    label: string,
    request: FuzzRequest & { headers?: Record<string, string>; body?: Buffer },
  ) {
    const write = WRITE_METHODS.has(request.method);
    const before = write ? await snapshot() : null;
    const res = await app.inject({
      method: request.method as "GET",
      url: request.url,
      ...(request.body
        ? { payload: request.body }
        : request.payload !== undefined
          ? { payload: request.payload }
          : {}),
      headers: {
        ...(request.payload !== undefined ? { "content-type": "application/json" } : {}),
        ...(request.authorization ? { authorization: request.authorization } : {}),
        ...request.headers,
      },
    });
    tallyStatus(tally, `${kind} ${label}`, res.statusCode);
    const where = `${request.method} ${request.url.slice(0, 300)} → ${res.statusCode} ${res.body.slice(0, 300)}`;
    expect(res.statusCode, where).toBeLessThan(500);
    if (res.statusCode >= 400) {
      const body = JSON.parse(res.body) as { error?: { code?: unknown; message?: unknown } };
      expect(typeof body.error?.code, where).toBe("string");
      expect(typeof body.error?.message, where).toBe("string");
      if (before) expect(await snapshot(), `a refused write stored rows: ${where}`).toEqual(before);
    }
    return res.statusCode;
  }

  it.skipIf(skip)("covers every route of the OpenAPI document", () => {
    expect(targets.filter((t) => WRITE_METHODS.has(t.method)).length).toBeGreaterThanOrEqual(4);
    expect(targets.filter((t) => t.query.length > 0).length).toBeGreaterThanOrEqual(4);
  });

  it.skipIf(skip)(
    "never answers 5xx to fuzzed paths, queries, bodies and keys; errors in the documented shape; refused writes store nothing",
    async () => {
      for (const target of targets) {
        const label = `${target.method} ${target.path}`;
        await fc.assert(
          fc.asyncProperty(requestsFor(target, pools, authorizations), async (request) => {
            await check(label, request);
          }),
          { seed: SEED, numRuns: RUNS, endOnFailure: true },
        );
      }
    },
    TIMEOUT * 20,
  );

  it.skipIf(skip)(
    "never answers 5xx to fuzzed multipart submissions, and stores only valid ones",
    async () => {
      const manifest = JSON.parse(checkpoint.get("agent.json")!.toString()) as Record<string, unknown>;
      const model = checkpoint.get("model.json")!.toString();
      const weightFile = [...checkpoint.keys()].find((n) => n.endsWith(".bin"))!;
      const mutation = fc.oneof(
        fc.constant({ kind: "none" as const }),
        fc.record({
          kind: fc.constant("manifest" as const),
          field: fc.constantFrom(...Object.keys(manifest), "extra"),
          value: hostile,
        }),
        fc.record({ kind: fc.constant("layer" as const), index: fc.nat(4), value: hostile }),
        fc.record({
          kind: fc.constant("weight" as const),
          field: fc.constantFrom("dtype", "shape", "name"),
          value: hostile,
        }),
        fc.record({ kind: fc.constant("bytes" as const), delta: fc.integer({ min: -9, max: 9 }) }),
        fc.record({
          kind: fc.constant("file" as const),
          name: fc.oneof(
            fc.constantFrom("../x", ".hidden", "a b", "model.json"),
            fc.string({ maxLength: 12 }),
          ),
        }),
      );
      const cases = fc.record({
        agent: valueFor(
          "name",
          { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]*$", maxLength: 64 },
          pools,
        ),
        mutation,
        authorization: fc.constantFrom(...authorizations),
      });
      await fc.assert(
        fc.asyncProperty(cases, async ({ agent, mutation: m, authorization }) => {
          const files = new Map(checkpoint);
          if (m.kind === "manifest")
            files.set("agent.json", Buffer.from(JSON.stringify({ ...manifest, [m.field]: m.value })));
          if (m.kind === "layer" || m.kind === "weight") {
            const parsed = JSON.parse(model) as {
              modelTopology: { config: { layers: unknown[] } };
              weightsManifest: { weights: Record<string, unknown>[] }[];
            };
            if (m.kind === "layer") parsed.modelTopology.config.layers[m.index] = m.value;
            else parsed.weightsManifest[0]!.weights[0]![m.field] = m.value;
            files.set("model.json", Buffer.from(JSON.stringify(parsed)));
          }
          if (m.kind === "bytes") {
            const bytes = checkpoint.get(weightFile)!;
            files.set(
              weightFile,
              m.delta < 0
                ? bytes.subarray(0, bytes.length + m.delta)
                : Buffer.concat([bytes, Buffer.alloc(m.delta, 1)]),
            );
          }
          if (m.kind === "file") files.set(m.name, Buffer.from("{}"));
          const { payload, headers } = multipart(
            { agent: typeof agent === "string" ? agent : (JSON.stringify(agent) ?? "") },
            files,
          );
          await check("POST /api/v1/submissions", {
            method: "POST",
            url: "/api/v1/submissions",
            body: payload,
            headers,
            authorization,
          });
        }),
        { seed: SEED, numRuns: RUNS * 2, endOnFailure: true },
      );
    },
    TIMEOUT * 3,
  );
});
