// The embedded ladder with its headless pool: matches and validation matches play in worker
// threads, and the stored result and replay are the same as a match played on the main thread
// from the same seed.
import { createTestDatabase, type TestDatabase } from "@league/db/testing";
import { decodeMatchReplay, verifyMatchReplay } from "@league/envs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedLeagues } from "../src/index.js";
import { registerBuiltinAgents } from "../src/league/builtins.js";
import { runHeadToHeadMatch } from "../src/league/head-to-head-runner.js";
import { Ladder } from "../src/league/ladder.js";
import { validatePendingVersions } from "../src/league/validation.js";
import { createHeadlessPool, type HeadlessPool } from "../src/match/headless-jobs.js";

const LEAGUE = "car-soccer-1v1";

describe("the ladder's headless pool", () => {
  let db: TestDatabase;
  let pool: HeadlessPool;
  const bots: Record<string, string> = {};

  beforeAll(async () => {
    db = await createTestDatabase("pglite");
    await seedLeagues(db.prisma);
    await registerBuiltinAgents(db.prisma);
    for (const v of await db.prisma.agentVersion.findMany({
      where: { envId: LEAGUE },
      include: { agent: true },
    }))
      bots[v.agent.name] = v.id;
    pool = createHeadlessPool({ size: 1 });
  });
  afterAll(async () => {
    await pool?.close();
    await db?.close();
  });

  it("stores the same result and replay for a seed whether a thread or the main thread plays it", async () => {
    const seats = [{ versionId: bots["ball-chaser"]! }, { versionId: bots.defender! }];
    const input = { leagueId: LEAGUE, seats, seed: 987654321987n, durationSeconds: 30 };
    const inThread = await runHeadToHeadMatch(db.prisma, null, { ...input, pool });
    const onMain = await runHeadToHeadMatch(db.prisma, null, input);
    const rows = await db.prisma.match.findMany({
      where: { id: { in: [inThread.matchId, onMain.matchId] } },
      select: { id: true, result: true, replay: true, status: true },
    });
    const a = rows.find((r) => r.id === inThread.matchId)!;
    const b = rows.find((r) => r.id === onMain.matchId)!;
    expect(a.status).toBe("finished");
    expect(a.result).toEqual(b.result);
    expect(Buffer.from(a.replay!).equals(Buffer.from(b.replay!))).toBe(true);
    expect(verifyMatchReplay(decodeMatchReplay(new Uint8Array(a.replay!))).ok).toBe(true);
    expect(pool.counts.done).toBe(1);
  });

  it("plays ladder matches of car soccer and a bandit league in the pool", async () => {
    const before = pool.counts.done;
    const ladder = new Ladder(db.prisma, null, {
      intervalMs: 0,
      seed: 3,
      leagues: [LEAGUE, "bandit-lsd-10"],
      headToHeadSeconds: 20,
      pool,
    });
    const played = [];
    for (let i = 0; i < 4; i++) played.push(await ladder.playNext());
    expect(played.every((id) => typeof id === "string")).toBe(true);
    expect(pool.counts.done - before).toBe(4);
    const stored = await db.prisma.match.findMany({ where: { id: { in: played as string[] } } });
    expect(stored.map((m) => m.status)).toEqual(["finished", "finished", "finished", "finished"]);
    expect(new Set(stored.map((m) => m.leagueId))).toEqual(new Set([LEAGUE, "bandit-lsd-10"]));
  });

  it("plays validation matches in the pool: a good version is validated, a damaged one fails with its reason", async () => {
    const agent = await db.prisma.agent.create({
      data: { name: "copycat", kind: "scripted", owner: { create: { name: "pool-test" } } },
    });
    const good = await db.prisma.agentVersion.create({
      data: {
        agentId: agent.id,
        version: 1,
        envId: LEAGUE,
        manifest: { kind: "scripted", bot: "shadow", env: LEAGUE, description: "shadow" },
        status: "pending",
      },
    });
    const bad = await db.prisma.agentVersion.create({
      data: {
        agentId: agent.id,
        version: 2,
        envId: LEAGUE,
        manifest: { kind: "model", observationBuilder: "default", actionParser: "lookup" },
        artifact: new Uint8Array([1, 2, 3]),
        status: "pending",
      },
    });
    const before = pool.counts.done + pool.counts.failed;
    const outcomes = await validatePendingVersions(db.prisma, { pool });
    expect(pool.counts.done + pool.counts.failed - before).toBe(2);
    const byId = new Map(outcomes.map((o) => [o.versionId, o]));
    expect(byId.get(good.id)?.status).toBe("active");
    expect(byId.get(good.id)?.log).toMatch(/10 s of car soccer/);
    expect(byId.get(bad.id)?.status).toBe("failed");
    expect(byId.get(bad.id)?.log).toMatch(/^validation match failed: /);
  });
});
