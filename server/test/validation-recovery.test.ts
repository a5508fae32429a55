// Validations a process abandoned (it was killed while validating): they used to stay `validating`
// forever, holding a slot of their agent, since only `pending` versions are picked up (issue 21,
// item 5). Now a stale heartbeat sends them back to be validated again, or fails them, with the
// reason, once abandoned too often; and a process that alone holds its database recovers at start.
import { createTestDatabase, probePostgres, type TestDatabase } from "@league/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerBuiltinAgents } from "../src/league/builtins.js";
import {
  MAX_VALIDATION_ATTEMPTS,
  recoverSoleProcess,
  VALIDATION_STALE_AFTER_MS,
} from "../src/league/stranded.js";
import { validatePendingVersions } from "../src/league/validation.js";
import { seedLeagues } from "../src/seed.js";
import { createMatch } from "../src/storage/matches.js";

const LEAGUE = "bandit-bernoulli-10";

const postgres = await probePostgres();
describe.each([
  { kind: "pglite" as const, skip: false },
  { kind: "postgres" as const, skip: !postgres.available },
])("abandoned validations on $kind", ({ kind, skip }) => {
  let db: TestDatabase;
  let builtin: { id: string; manifest: unknown };
  let ownerId = "";
  beforeAll(async () => {
    if (skip) return;
    db = await createTestDatabase(kind);
    await seedLeagues(db.prisma);
    await registerBuiltinAgents(db.prisma);
    builtin = await db.prisma.agentVersion.findFirstOrThrow({
      where: { envId: LEAGUE, agent: { kind: "scripted" } },
      select: { id: true, manifest: true },
    });
    ownerId = (await db.prisma.owner.create({ data: { name: "crashed" } })).id;
  });
  afterAll(async () => {
    await db?.destroy();
  });

  /** A scripted bandit version left `validating` as a process that died would leave it. */
  let count = 0;
  async function leftValidating(heartbeatAgoMs: number | null, attempts: number): Promise<string> {
    const agent = await db.prisma.agent.create({
      data: { ownerId, name: `left-${count++}`, kind: "scripted" },
    });
    const version = await db.prisma.agentVersion.create({
      data: {
        agentId: agent.id,
        version: 1,
        envId: LEAGUE,
        manifest: builtin.manifest as object,
        status: "validating",
        validationAttempts: attempts,
        validationHeartbeatAt: heartbeatAgoMs === null ? null : new Date(Date.now() - heartbeatAgoMs),
      },
    });
    return version.id;
  }
  const versionOf = (id: string) => db.prisma.agentVersion.findUniqueOrThrow({ where: { id } });

  it.skipIf(skip)(
    "validates again what a stopped process abandoned, fails what was abandoned too often, leaves a live one alone",
    async () => {
      const stale = await leftValidating(VALIDATION_STALE_AFTER_MS + 5_000, 1);
      const noHeartbeat = await leftValidating(null, 0);
      const alive = await leftValidating(1_000, 1);
      const tooOften = await leftValidating(VALIDATION_STALE_AFTER_MS + 5_000, MAX_VALIDATION_ATTEMPTS);

      const outcomes = await validatePendingVersions(db.prisma, { limit: 10, activeVersionsPerAgent: 3 });
      expect(outcomes.map((o) => o.versionId).sort()).toEqual([stale, noHeartbeat].sort());
      expect(await versionOf(stale)).toMatchObject({
        status: "active",
        validationAttempts: 2,
        validationHeartbeatAt: null,
      });
      expect(await versionOf(noHeartbeat)).toMatchObject({ status: "active", validationAttempts: 1 });
      expect(await versionOf(alive)).toMatchObject({ status: "validating", validationAttempts: 1 });
      const failed = await versionOf(tooOften);
      expect(failed.status).toBe("failed");
      expect(failed.failureLog).toMatch(/abandoned 3 times .*the process validating it stopped/);
      // Validated versions start on the ladder with a rating.
      expect(await db.prisma.rating.count({ where: { versionId: { in: [stale, noHeartbeat] } } })).toBe(2);
    },
  );

  it.skipIf(skip)(
    "at the start of a process that alone holds its database, nothing is left running or validating",
    async () => {
      const validating = await leftValidating(1_000, 1);
      const seats = [0, 1].map((slot) => ({ versionId: builtin.id, slot, team: slot }));
      const headless = await createMatch(db.prisma, { leagueId: LEAGUE, seed: 1n, seats });
      const live = await createMatch(db.prisma, { leagueId: LEAGUE, seed: 2n, seats, live: true });
      await db.prisma.match.updateMany({
        where: { id: { in: [headless, live] } },
        data: { status: "running", startedAt: new Date() },
      });
      const recovered = await recoverSoleProcess(db.prisma, { activeVersionsPerAgent: 3 });
      expect(recovered.matches.map((m) => m.matchId).sort()).toEqual([headless, live].sort());
      // Every validation, however fresh its heartbeat (the first test's live one too): none can be running.
      expect(recovered.validations.map((v) => v.versionId)).toContain(validating);
      expect(recovered.validations.every((v) => v.status === "pending")).toBe(true);
      expect(await db.prisma.match.count({ where: { status: { in: ["queued", "running"] } } })).toBe(0);
      expect(await db.prisma.agentVersion.count({ where: { status: "validating" } })).toBe(0);
      // Aborted matches are unrated: no rating events, no ranks.
      expect(await db.prisma.ratingEvent.count({ where: { matchId: { in: [headless, live] } } })).toBe(0);
    },
  );
});
