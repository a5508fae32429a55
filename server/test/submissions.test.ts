import { createTestDatabase, probePostgres, type TestDatabase } from "@league/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FeedEvents, PlatformEvents } from "../src/feed.js";
import { buildApp, seedLeagues } from "../src/index.js";
import { ladderCandidates } from "../src/league/ladder.js";
import { validatePendingVersions } from "../src/league/validation.js";
import { MAX_ARTIFACT_BYTES } from "../src/submissions/validate.js";
import { checkpointFiles, multipart } from "./fixtures.js";

let checkpoint: Map<string, Buffer>;
beforeAll(async () => {
  // bandit-bernoulli-10 with the default observation (12 numbers) and one logit per arm (10).
  checkpoint = await checkpointFiles({
    env: "bandit-bernoulli-10",
    observationBuilder: "default",
    actionParser: "discrete",
    observationSize: 12,
    actionCount: 10,
    name: "arm-picker",
  });
});

const postgres = await probePostgres();
describe.each([
  { kind: "pglite" as const, skip: false },
  { kind: "postgres" as const, skip: !postgres.available },
])("submissions on $kind", ({ kind, skip }) => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let key: string;
  const submitted: FeedEvents["agent.submitted"][] = [];
  beforeAll(async () => {
    if (skip) return;
    db = await createTestDatabase(kind);
    await seedLeagues(db.prisma);
    const events = new PlatformEvents();
    events.on("agent.submitted", (e) => void submitted.push(e));
    app = await buildApp({
      db,
      version: "0.0.0-test",
      events,
      submissionLimits: { perOwnerPerDay: 4, activeVersionsPerAgent: 2 },
      writeRateLimit: { max: 1000, windowMs: 60_000 },
    });
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

  const submit = (fields: Record<string, string>, files: Map<string, Buffer>, auth = true) => {
    const { payload, headers } = multipart(fields, files);
    return app.inject({
      method: "POST",
      url: "/api/v1/submissions",
      payload,
      headers: { ...headers, ...(auth ? { authorization: `Bearer ${key}` } : {}) },
    });
  };
  const withFile = (name: string, bytes: Buffer) => new Map([...checkpoint, [name, bytes]]);
  const stored = () => db.prisma.agentVersion.count();

  it.skipIf(skip)("stores a valid checkpoint as a pending version and announces it on the feed", async () => {
    const res = await submit({ agent: "arm-picker" }, checkpoint);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      version: 1,
      status: "pending",
      parameters: 12 * 16 + 16 + 16 * 10 + 10,
    });
    const version = await db.prisma.agentVersion.findUniqueOrThrow({
      where: { id: (res.json() as { versionId: string }).versionId },
    });
    expect(version.envId).toBe("bandit-bernoulli-10");
    expect(version.artifactSize).toBe(version.artifact!.byteLength);
    expect(version.artifactSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(submitted).toMatchObject([{ agentName: "arm-picker", ownerName: "ada", version: 1 }]);
  });

  it.skipIf(skip)(
    "refuses corrupted, wrong-shape and unknown-layer models with the reason, storing nothing",
    async () => {
      const before = await stored();
      const weights = checkpoint.get("weights.bin")!;
      const corrupted = await submit(
        { agent: "arm-picker" },
        withFile("weights.bin", weights.subarray(0, weights.byteLength - 8)),
      );
      expect(corrupted.statusCode).toBe(422);
      expect(corrupted.json()).toMatchObject({ error: { code: "weights_mismatch" } });

      const manifest = JSON.parse(checkpoint.get("agent.json")!.toString());
      const wrongEnv = await submit(
        { agent: "arm-picker" },
        withFile("agent.json", Buffer.from(JSON.stringify({ ...manifest, env: "bandit-lsd-10" }))),
      );
      expect(wrongEnv.statusCode).toBe(422);
      expect(wrongEnv.json()).toMatchObject({
        error: { code: "shape_mismatch", message: expect.stringMatching(/bandit-lsd-10/) },
      });

      const model = JSON.parse(checkpoint.get("model.json")!.toString());
      model.modelTopology.config.layers[0].class_name = "Lambda";
      const lambda = await submit(
        { agent: "arm-picker" },
        withFile("model.json", Buffer.from(JSON.stringify(model))),
      );
      expect(lambda.statusCode).toBe(422);
      expect(lambda.json()).toMatchObject({ error: { code: "unknown_layer" } });

      const oversized = await submit(
        { agent: "arm-picker" },
        withFile("weights.bin", Buffer.alloc(MAX_ARTIFACT_BYTES + 1)),
      );
      expect(oversized.statusCode).toBe(413);
      expect(oversized.json()).toMatchObject({ error: { code: "too_large" } });
      expect(await stored()).toBe(before);
    },
  );

  it.skipIf(skip)("needs an API key, a multipart body and a valid agent name", async () => {
    expect((await submit({ agent: "arm-picker" }, checkpoint, false)).statusCode).toBe(401);
    const json = await app.inject({
      method: "POST",
      url: "/api/v1/submissions",
      headers: { authorization: `Bearer ${key}` },
      payload: { agent: "x" },
    });
    expect(json.json()).toMatchObject({ error: { code: "not_multipart" } });
    const badName = await submit({ agent: "../../etc" }, checkpoint);
    expect(badName.statusCode).toBe(400);
    expect(badName.json()).toMatchObject({ error: { code: "invalid_agent_name" } });
  });

  it.skipIf(skip)(
    "keeps the newest versions at full rate, older ones in reserve on the ladder, and enforces the daily quota",
    async () => {
      const cap = { activeVersionsPerAgent: 2 };
      const leagueId = "bandit-bernoulli-10";
      const statuses = async (agent: string) =>
        (
          await db.prisma.agentVersion.findMany({
            where: { agent: { name: agent } },
            orderBy: { version: "asc" },
            select: { status: true },
          })
        ).map((v) => v.status);
      // v1 (submitted above) validated: active.
      expect(await validatePendingVersions(db.prisma, cap)).toMatchObject([{ status: "active" }]);
      expect((await submit({ agent: "arm-picker" }, checkpoint)).json()).toMatchObject({ version: 2 });
      const third = (await submit({ agent: "arm-picker" }, checkpoint)).json() as {
        agentId: string;
        version: number;
      };
      expect(third.version).toBe(3);
      // Two newer versions: v1 leaves the cap, but not the ladder.
      expect(await statuses("arm-picker")).toEqual(["reserve", "pending", "pending"]);
      expect(await validatePendingVersions(db.prisma, cap)).toMatchObject([
        { status: "active" },
        { status: "active" },
      ]);
      expect(await statuses("arm-picker")).toEqual(["reserve", "active", "active"]);

      // v4 takes a slot while pending (v2 goes to reserve) and gives it back when it fails.
      const fourth = (await submit({ agent: "arm-picker" }, checkpoint)).json() as { versionId: string };
      expect(await statuses("arm-picker")).toEqual(["reserve", "reserve", "active", "pending"]);
      await db.prisma.agentVersion.update({
        where: { id: fourth.versionId },
        data: { artifact: new Uint8Array([1, 2, 3]) },
      });
      expect(await validatePendingVersions(db.prisma, cap)).toMatchObject([{ status: "failed" }]);
      expect(await statuses("arm-picker")).toEqual(["reserve", "active", "active", "failed"]);

      // The agent page shows it; the ladder draws reserve versions (flagged), never failed ones.
      const page = (await app.inject({ method: "GET", url: `/api/v1/agents/${third.agentId}` })).json() as {
        versions: { version: number; status: string }[];
      };
      expect(page.versions.map((v) => [v.version, v.status])).toEqual([
        [4, "failed"],
        [3, "active"],
        [2, "active"],
        [1, "reserve"],
      ]);
      const versions = await db.prisma.agentVersion.findMany({ where: { agentId: third.agentId } });
      const numberOf = new Map(versions.map((v) => [v.id, v.version]));
      const onLadder = (await ladderCandidates(db.prisma, leagueId))
        .filter((c) => numberOf.has(c.versionId))
        .map((c) => [numberOf.get(c.versionId), c.reserve ?? false])
        .sort();
      expect(onLadder).toEqual([
        [1, true],
        [2, false],
        [3, false],
      ]);

      // Four submissions in 24 hours is this owner's quota.
      const overQuota = await submit({ agent: "second-bot" }, checkpoint);
      expect(overQuota.statusCode).toBe(429);
      expect(overQuota.json()).toMatchObject({ error: { code: "submission_quota" } });
    },
  );

  it.skipIf(skip)("sends a version validated beyond its agent's cap straight to reserve", async () => {
    const model = await db.prisma.agentVersion.findFirstOrThrow({
      where: { agent: { name: "arm-picker" }, version: 1 },
    });
    const owner = await db.prisma.owner.findUniqueOrThrow({ where: { name: "ada" } });
    const agent = await db.prisma.agent.create({ data: { ownerId: owner.id, name: "rapid", kind: "model" } });
    // Three submitted before any was validated: all pending, the oldest beyond a cap of two.
    for (const version of [1, 2, 3])
      await db.prisma.agentVersion.create({
        data: {
          agentId: agent.id,
          version,
          envId: model.envId,
          manifest: model.manifest as object,
          artifact: model.artifact,
          artifactSize: model.artifactSize,
          status: "pending",
        },
      });
    const outcomes = await validatePendingVersions(db.prisma, { activeVersionsPerAgent: 2, limit: 10 });
    expect(outcomes.map((o) => o.status)).toEqual(["reserve", "active", "active"]);
    const after = await db.prisma.agentVersion.findMany({
      where: { agentId: agent.id },
      orderBy: { version: "asc" },
    });
    expect(after.map((v) => v.status)).toEqual(["reserve", "active", "active"]);
    // A reserve version is rated like any other: it starts at the league's default rating.
    expect(await db.prisma.rating.count({ where: { versionId: after[0]!.id } })).toBe(1);
  });
});
