// Headless matches left queued or running by a process that stopped, played in-process (no
// queue): the sweep aborts them by age alone, and the ladder runs it when it starts.
import { createTestDatabase, type TestDatabase } from "@league/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerBuiltinAgents } from "../src/league/builtins.js";
import { Ladder } from "../src/league/ladder.js";
import { sweepStrandedMatches } from "../src/league/stranded.js";
import { seedLeagues } from "../src/seed.js";
import { createMatch } from "../src/storage/matches.js";

const LEAGUE = "bandit-bernoulli-10";
const HOUR = 3_600_000;

describe("stranded headless matches without a queue", () => {
  let db: TestDatabase;
  let versionIds: string[] = [];
  let seed = 1n;

  beforeAll(async () => {
    db = await createTestDatabase("pglite");
    await seedLeagues(db.prisma);
    await registerBuiltinAgents(db.prisma);
    versionIds = (
      await db.prisma.agentVersion.findMany({
        where: { envId: LEAGUE },
        orderBy: { createdAt: "asc" },
        take: 2,
      })
    ).map((v) => v.id);
  });
  afterAll(async () => {
    await db?.destroy();
  });

  async function oldMatch(state: "queued" | "running", ageMs: number, live = false): Promise<string> {
    const matchId = await createMatch(db.prisma, {
      leagueId: LEAGUE,
      seed: seed++,
      live,
      seats: versionIds.map((versionId, slot) => ({ versionId, slot, team: slot })),
    });
    const then = new Date(Date.now() - ageMs);
    await db.prisma.match.update({
      where: { id: matchId },
      data: { createdAt: then, status: state, ...(state === "running" ? { startedAt: then } : {}) },
    });
    return matchId;
  }

  const matchOf = (id: string) => db.prisma.match.findUniqueOrThrow({ where: { id } });

  it("aborts headless matches queued or running past the bound, unrated, and leaves the rest", async () => {
    const running = await oldMatch("running", 2 * HOUR);
    const queued = await oldMatch("queued", 2 * HOUR);
    const young = await oldMatch("running", 60_000);
    const live = await oldMatch("running", 2 * HOUR, true);
    const swept = await sweepStrandedMatches(db.prisma, { olderThanMs: HOUR });
    expect(swept.map((m) => m.matchId).sort()).toEqual([running, queued].sort());
    expect(await matchOf(running)).toMatchObject({
      status: "aborted",
      error: "stranded: running for 120 min; the process playing it stopped",
    });
    expect((await matchOf(queued)).error).toBe(
      "stranded: queued for 120 min; the process playing it stopped",
    );
    expect((await matchOf(young)).status).toBe("running");
    expect((await matchOf(live)).status).toBe("running");
    expect(await db.prisma.ratingEvent.count({ where: { matchId: { in: [running, queued] } } })).toBe(0);
    // Nothing left to sweep: a second pass changes nothing.
    expect(await sweepStrandedMatches(db.prisma, { olderThanMs: HOUR })).toEqual([]);
    for (const id of [young, live])
      await db.prisma.match.update({ where: { id }, data: { status: "aborted" } });
  });

  it("the ladder sweeps when it starts; with a queue that cannot tell live jobs it does not", async () => {
    const stranded = await oldMatch("running", 20 * 60_000);
    const blind = new Ladder(db.prisma, null, {
      intervalMs: 20,
      seed: 1,
      leagues: ["no-such-league"],
      queue: { enqueue: async () => {}, backlog: async () => 0 },
    });
    expect(await blind.sweepIfDue()).toEqual([]);
    expect((await matchOf(stranded)).status).toBe("running");

    const reported: string[] = [];
    const ladder = new Ladder(db.prisma, null, {
      intervalMs: 20,
      seed: 1,
      leagues: ["no-such-league"],
      onStranded: (swept) => reported.push(...swept.map((m) => m.matchId)),
    });
    ladder.start();
    try {
      await expect.poll(() => reported, { timeout: 30_000, interval: 50 }).toEqual([stranded]);
    } finally {
      await ladder.stop();
    }
    expect((await matchOf(stranded)).error).toBe(
      "stranded: running for 20 min; the process playing it stopped",
    );
  });
});
