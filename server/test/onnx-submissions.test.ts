// ONNX submissions end to end: the PyTorch export (agents/fixtures/onnx-torch-1v1, made by
// clients/python/export_policy.py) is accepted, validated by a match against itself and rated on
// the ladder; models that break a rule (server/test/fixtures/onnx, made by
// clients/python/make_test_models.py) are refused with a 4xx naming what is wrong, nothing stored.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createTestDatabase, type TestDatabase } from "@league/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, seedLeagues } from "../src/index.js";
import { registerBuiltinAgents } from "../src/league/builtins.js";
import { Ladder } from "../src/league/ladder.js";
import { validatePendingVersions } from "../src/league/validation.js";
import { createHeadlessPool, type HeadlessPool } from "../src/match/headless-jobs.js";
import { PROBE_RETRY_AFTER_S, ProbeSlots } from "../src/submissions/onnx.js";
import { multipart } from "./fixtures.js";

const TORCH = fileURLToPath(new URL("../../agents/fixtures/onnx-torch-1v1/", import.meta.url));
const BAD = fileURLToPath(new URL("./fixtures/onnx/", import.meta.url));
const agentJson = readFileSync(`${TORCH}agent.json`);
const modelOnnx = readFileSync(`${TORCH}model.onnx`);

function files(model: Buffer, manifest: Record<string, unknown> = {}): Map<string, Buffer> {
  const json = { ...JSON.parse(agentJson.toString("utf8")), ...manifest };
  return new Map([
    ["agent.json", Buffer.from(JSON.stringify(json))],
    ["model.onnx", model],
  ]);
}

describe("ONNX submissions", () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let key: string;
  // Matches play in a worker thread, as the server's do: the model host runs from there.
  let pool: HeadlessPool;
  // One model probed at a time, so that the tests can fill it.
  const probeSlots = new ProbeSlots(1);
  beforeAll(async () => {
    pool = createHeadlessPool({ size: 1 });
    db = await createTestDatabase("pglite");
    await seedLeagues(db.prisma);
    await registerBuiltinAgents(db.prisma);
    app = await buildApp({
      db,
      version: "0.0.0-test",
      submissionLimits: { perOwnerPerDay: 100, activeVersionsPerAgent: 4, probeSlots },
    });
    key = (
      (
        await app.inject({ method: "POST", url: "/api/v1/owners", payload: { name: "torch-user" } })
      ).json() as {
        apiKey: { key: string };
      }
    ).apiKey.key;
  });
  afterAll(async () => {
    await pool?.close();
    await app?.close();
    await db?.destroy();
  });

  const submit = (upload: Map<string, Buffer>, agent = "torch-policy") => {
    const { payload, headers } = multipart({ agent }, upload);
    return app.inject({
      method: "POST",
      url: "/api/v1/submissions",
      payload,
      headers: { ...headers, authorization: `Bearer ${key}` },
    });
  };

  const corrupted = Buffer.from(modelOnnx);
  corrupted.fill(0xff, 40, 4000);
  it.each([
    ["custom-domain.onnx", {}, "custom_operator", /custom domain "com.example"/],
    ["external-data.onnx", {}, "external_data", /tensor w in an external file/],
    ["loop.onnx", {}, "unknown_operator", /Loop/],
    ["two-inputs.onnx", {}, "shape_mismatch", /takes 2 inputs \(observation, hidden\)/],
    ["wide-input.onnx", {}, "shape_mismatch", /\["batch", 92\]; it must be float \[batch, 91\]/],
    ["nan-output.onnx", {}, "outputs_not_finite", /output 0 is NaN on probe observation 0/],
    // 10 GB on every run: its process's address-space limit makes ORT's allocation fail, not the machine.
    ["huge-expand.onnx", {}, "model_not_loadable", /Failed to allocate memory/],
    [null, { observationBuilder: "advanced" }, "shape_mismatch", /declares 91 observations .* has 103/],
    [null, { env: "bandit-bernoulli-10" }, "unsupported_env", /ONNX models play car-soccer leagues/],
    ["corrupted", {}, "invalid_model", /not an ONNX model/],
    ["truncated", {}, "invalid_model", /not an ONNX model/],
  ])("refuses %s %j with 422 %s, storing nothing", async (name, manifest, code, message) => {
    const model =
      name === null
        ? modelOnnx
        : name === "corrupted"
          ? corrupted
          : name === "truncated"
            ? modelOnnx.subarray(0, 30_000)
            : readFileSync(`${BAD}${name}`);
    const before = await db.prisma.agentVersion.count();
    const res = await submit(files(model, manifest));
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ error: { code } });
    expect((res.json() as { error: { message: string } }).error.message).toMatch(message);
    expect(await db.prisma.agentVersion.count()).toBe(before);
  });

  it("refuses an ONNX submission without its model, or with weight files beside it", async () => {
    const noModel = new Map([["agent.json", agentJson]]);
    expect((await submit(noModel)).json()).toMatchObject({ error: { code: "missing_file" } });
    const extra = files(modelOnnx);
    extra.set("w.bin", Buffer.alloc(16));
    const res = await submit(extra);
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ error: { code: "unexpected_file" } });
  });

  it("accepts the PyTorch export, validates it against itself, and rates it on the ladder (in the match pool's thread)", async () => {
    const upload = files(modelOnnx);
    upload.set("probes.json", readFileSync(`${TORCH}probes.json`));
    const res = await submit(upload);
    expect(res.statusCode).toBe(201);
    // 91·64 + 64 + 64·64 + 64 + 64·90 + 90 numbers in the three Gemm layers.
    expect(res.json()).toMatchObject({ status: "pending", parameters: 15_898 });
    const versionId = (res.json() as { versionId: string }).versionId;
    const stored = await db.prisma.agentVersion.findUniqueOrThrow({ where: { id: versionId } });
    expect(stored.manifest).toMatchObject({ format: "onnx", env: "car-soccer-1v1", observationSize: 91 });
    expect(Buffer.from(stored.artifact!).equals(modelOnnx)).toBe(true);

    expect(await validatePendingVersions(db.prisma, { pool })).toMatchObject([
      { versionId, status: "active", log: expect.stringMatching(/copy of itself/) },
    ]);

    // The built-in field is past its placement games, so the newcomer's placement match comes first.
    await db.prisma.rating.updateMany({
      where: { leagueId: "car-soccer-1v1", versionId: { not: versionId } },
      data: { games: 20 },
    });
    const ladder = new Ladder(db.prisma, null, {
      intervalMs: 0,
      seed: 5,
      leagues: ["car-soccer-1v1"],
      maxPlayers: 2,
      placementGames: 2,
      headToHeadSeconds: 30,
      pool,
    });
    const matchId = await ladder.playNext();
    expect(matchId).not.toBeNull();
    const match = await db.prisma.match.findUniqueOrThrow({
      where: { id: matchId! },
      include: { participants: true },
    });
    expect(match.status).toBe("finished");
    expect(pool.counts.done).toBe(2);
    expect(match.participants.map((p) => p.versionId)).toContain(versionId);
    const rating = await db.prisma.rating.findUniqueOrThrow({
      where: { versionId_leagueId: { versionId, leagueId: "car-soccer-1v1" } },
    });
    expect(rating.games).toBe(1);

    // The agent's API shows the format.
    const agent = await app.inject({ method: "GET", url: `/api/v1/agents/${stored.agentId}` });
    expect(agent.json()).toMatchObject({ versions: [{ id: versionId, format: "onnx" }] });
  });

  // After the ladder test, which validates every pending version: these leave theirs pending.
  it("answers 503 probes_busy with Retry-After while every probe slot is taken, storing nothing; accepts it once one is free", async () => {
    const giveBack = probeSlots.tryTake()!;
    const before = await db.prisma.agentVersion.count();
    const busy = await submit(files(modelOnnx), "busy-policy");
    expect(busy.statusCode).toBe(503);
    expect(busy.headers["retry-after"]).toBe(String(PROBE_RETRY_AFTER_S));
    expect(busy.json()).toMatchObject({
      error: {
        code: "probes_busy",
        message: expect.stringMatching(/at most 1 at once; send the upload again in 5 s/),
      },
    });
    // What the cheap checks refuse is still refused for what it is: no slot is needed to say so.
    expect((await submit(files(readFileSync(`${BAD}loop.onnx`)), "busy-policy")).statusCode).toBe(422);
    expect(await db.prisma.agentVersion.count()).toBe(before);
    giveBack();
    expect((await submit(files(modelOnnx), "busy-policy")).statusCode).toBe(201);
    expect(probeSlots.inUse).toBe(0);
  });

  it("takes three uploads at once with one probe slot: each is stored or refused with 503, never both, and the slot comes back", async () => {
    const before = await db.prisma.agentVersion.count();
    const answers = await Promise.all(
      ["one", "two", "three"].map((n) => submit(files(modelOnnx), `at-once-${n}`)),
    );
    const stored = answers.filter((a) => a.statusCode === 201).length;
    const refused = answers.filter((a) => a.statusCode === 503);
    // How many overlap depends on the machine; that none fails otherwise and the slot is released does not.
    expect(stored + refused.length).toBe(3);
    expect(stored).toBeGreaterThanOrEqual(1);
    for (const a of refused) expect(a.json()).toMatchObject({ error: { code: "probes_busy" } });
    expect(await db.prisma.agentVersion.count()).toBe(before + stored);
    expect(probeSlots.inUse).toBe(0);
  });
});
