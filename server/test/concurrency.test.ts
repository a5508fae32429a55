// Many requests at once by one owner: the daily quota, version numbers, agent names and the cap on
// API keys hold, and every answer is a success or a clean 4xx, never a 500 (issue 21, item 1).
// On PostgreSQL the requests really run at once (PGlite runs one statement at a time, so there these
// tests check the same outcome without the race).
import { createTestDatabase, probePostgres, type TestDatabase } from "@league/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.js";
import { seedLeagues } from "../src/seed.js";
import { checkpointFiles, multipart } from "./fixtures.js";

const QUOTA = 20;

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

const postgres = await probePostgres();
describe.each([
  { kind: "pglite" as const, skip: false },
  { kind: "postgres" as const, skip: !postgres.available },
])("concurrent writes by one owner on $kind", ({ kind, skip }) => {
  let db: TestDatabase;
  let app: FastifyInstance;
  beforeAll(async () => {
    if (skip) return;
    db = await createTestDatabase(kind);
    await seedLeagues(db.prisma);
    app = await buildApp({
      db,
      version: "0.0.0-test",
      submissionLimits: { perOwnerPerDay: QUOTA, activeVersionsPerAgent: 3 },
      ownerLimits: { apiKeysPerOwner: 10, liveMatchesPerOwner: 2 },
      writeRateLimit: { max: 100_000, windowMs: 60_000 },
    });
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
  });

  /** A new owner each time, so that each test starts with a fresh quota. */
  const newOwner = async (name: string) => {
    const res = await app.inject({ method: "POST", url: "/api/v1/owners", payload: { name } });
    const body = res.json() as { owner: { id: string }; apiKey: { key: string } };
    return { id: body.owner.id, key: body.apiKey.key };
  };
  const submit = (key: string, agent: string) => {
    const { payload, headers } = multipart({ agent }, checkpoint);
    return app.inject({
      method: "POST",
      url: "/api/v1/submissions",
      payload,
      headers: { ...headers, authorization: `Bearer ${key}` },
    });
  };
  /** Every status seen, with how often. */
  const tally = (statuses: number[]) => {
    const counts: Record<number, number> = {};
    for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
    return counts;
  };

  /** Each agent's version numbers, sorted: they must be 1..n without gaps or repeats. */
  const versionNumbers = async (ownerId: string) => {
    const rows = await db.prisma.agentVersion.findMany({
      where: { agent: { ownerId } },
      select: { version: true, agent: { select: { name: true } } },
    });
    const byAgent: Record<string, number[]> = {};
    for (const r of rows) byAgent[r.agent.name] = [...(byAgent[r.agent.name] ?? []), r.version];
    for (const list of Object.values(byAgent)) list.sort((a, b) => a - b);
    return byAgent;
  };
  const oneToN = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

  it.skipIf(skip)(
    "40 submissions at once under 40 names: exactly the quota is stored, the rest 429",
    async () => {
      const owner = await newOwner("burst-names");
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) => submit(owner.key, `agent-${i}`)),
      );
      expect(tally(answers.map((a) => a.statusCode))).toEqual({ 201: QUOTA, 429: 40 - QUOTA });
      for (const a of answers.filter((x) => x.statusCode === 429))
        expect(a.json()).toMatchObject({ error: { code: "submission_quota" } });
      expect(await db.prisma.agentVersion.count({ where: { agent: { ownerId: owner.id } } })).toBe(QUOTA);
      // A refused submission leaves no agent behind either.
      expect(await db.prisma.agent.count({ where: { ownerId: owner.id } })).toBe(QUOTA);
    },
  );

  it.skipIf(skip)(
    "40 submissions at once under 4 names: numbered 1..n per agent, the quota holds, no 500",
    async () => {
      const owner = await newOwner("burst-four");
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) => submit(owner.key, `agent-${i % 4}`)),
      );
      expect(tally(answers.map((a) => a.statusCode))).toEqual({ 201: QUOTA, 429: 40 - QUOTA });
      const numbers = await versionNumbers(owner.id);
      expect(Object.keys(numbers).sort()).toEqual(["agent-0", "agent-1", "agent-2", "agent-3"]);
      for (const list of Object.values(numbers)) expect(list).toEqual(oneToN(list.length));
      expect(Object.values(numbers).flat()).toHaveLength(QUOTA);
      // The replies name the numbers stored: each (agent, version) once.
      const replied = answers
        .filter((a) => a.statusCode === 201)
        .map((a) => a.json() as { agentId: string; version: number })
        .map((b) => `${b.agentId}/${b.version}`);
      expect(new Set(replied).size).toBe(QUOTA);
    },
  );

  it.skipIf(skip)("40 submissions at once under one name: versions 1..20, one agent", async () => {
    const owner = await newOwner("burst-one");
    const answers = await Promise.all(Array.from({ length: 40 }, () => submit(owner.key, "only-one")));
    expect(tally(answers.map((a) => a.statusCode))).toEqual({ 201: QUOTA, 429: 40 - QUOTA });
    expect(await versionNumbers(owner.id)).toEqual({ "only-one": oneToN(QUOTA) });
  });

  it.skipIf(skip)("5 remote agents registered at once under one name: one agent, versions 1..5", async () => {
    const owner = await newOwner("burst-remote");
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        app.inject({
          method: "POST",
          url: "/api/v1/agents/remote",
          headers: { authorization: `Bearer ${owner.key}` },
          payload: { name: "far-away", env: "car-soccer-1v1" },
        }),
      ),
    );
    expect(tally(answers.map((a) => a.statusCode))).toEqual({ 201: 5 });
    expect(await versionNumbers(owner.id)).toEqual({ "far-away": oneToN(5) });
  });

  it.skipIf(skip)(
    "remote registrations count toward SUBMISSIONS_PER_DAY, and are refused past it",
    async () => {
      const owner = await newOwner("remote-quota");
      const answers = await Promise.all(
        Array.from({ length: QUOTA + 5 }, (_, i) =>
          app.inject({
            method: "POST",
            url: "/api/v1/agents/remote",
            headers: { authorization: `Bearer ${owner.key}` },
            payload: { name: `far-${i % 3}`, env: "car-soccer-1v1" },
          }),
        ),
      );
      expect(tally(answers.map((a) => a.statusCode))).toEqual({ 201: QUOTA, 429: 5 });
      expect(await db.prisma.agentVersion.count({ where: { agent: { ownerId: owner.id } } })).toBe(QUOTA);
      // And a model submission after them is over the same quota.
      expect((await submit(owner.key, "late-model")).statusCode).toBe(429);
    },
  );

  it.skipIf(skip)("15 new API keys at once: the owner ends with exactly the cap of 10", async () => {
    const owner = await newOwner("key-burst");
    const answers = await Promise.all(
      Array.from({ length: 15 }, () =>
        app.inject({
          method: "POST",
          url: "/api/v1/owners/me/keys",
          headers: { authorization: `Bearer ${owner.key}` },
          payload: {},
        }),
      ),
    );
    // The sign-up's key is one of the ten.
    expect(tally(answers.map((a) => a.statusCode))).toEqual({ 201: 9, 429: 6 });
    expect(answers.find((a) => a.statusCode === 429)!.json()).toMatchObject({
      error: { code: "api_key_limit" },
    });
    expect(await db.prisma.apiKey.count({ where: { ownerId: owner.id, revokedAt: null } })).toBe(10);
  });
});
