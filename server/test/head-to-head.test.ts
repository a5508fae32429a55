import { createCarSoccerBot, ModelCarPolicy } from "@league/agents";
import { createTestDatabase, probePostgres, type TestDatabase } from "@league/db/testing";
import { carSoccerParts, decodeMatchReplay, getEnvSpec, verifyMatchReplay } from "@league/envs";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FeedEventName, PlatformEvents } from "../src/feed.js";
import { buildApp, seedLeagues } from "../src/index.js";
import { registerBuiltinAgents } from "../src/league/builtins.js";
import { runHeadToHeadMatch } from "../src/league/head-to-head-runner.js";
import { Ladder } from "../src/league/ladder.js";
import { validatePendingVersions } from "../src/league/validation.js";
import { CarSoccerMatch, ControllerError } from "../src/match/car-soccer-match.js";
import { TimeBudgetedPolicy } from "../src/match/time-budget.js";
import { checkpointFiles, multipart } from "./fixtures.js";

const LEAGUE = "car-soccer-1v1";
const postgres = await probePostgres();

describe("model car controllers", () => {
  it("time out a model that overruns its inference budget, failing a headless match", () => {
    const { obsBuilder, actionParser } = carSoccerParts("default", "lookup");
    let clock = 0;
    let calls = 0;
    const model = {
      logits: (observation: Float32Array) => {
        expect(observation).toHaveLength(91);
        calls++;
        clock += 80; // every inference takes 80 ms of a 50 ms budget
        return new Float32Array(90);
      },
    };
    const slow = new TimeBudgetedPolicy(
      new ModelCarPolicy("slow v1", model, obsBuilder, actionParser, 1),
      50,
      3,
      () => clock,
    );
    const match = new CarSoccerMatch({
      spec: getEnvSpec(LEAGUE),
      seed: 1,
      controllers: [slow, createCarSoccerBot("ball-chaser")],
      durationSeconds: 10,
      goalPauseSeconds: 0,
      kickoffPauseSeconds: 0,
      failOnControllerError: true,
    });
    let error: unknown;
    try {
      while (!match.done) match.tick();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ControllerError);
    expect((error as Error).message).toBe(
      "car 0 (slow v1) failed: slow v1 exceeded its 50 ms inference budget 4 times",
    );
    // Three overruns are forgiven; the fourth times it out.
    expect(calls).toBe(4);
  });
});

describe.each([
  { kind: "pglite" as const, skip: false },
  { kind: "postgres" as const, skip: !postgres.available },
])("headless car-soccer matches on $kind", ({ kind, skip }) => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let key: string;
  const bots: Record<string, string> = {};

  beforeAll(async () => {
    if (skip) return;
    db = await createTestDatabase(kind);
    await seedLeagues(db.prisma);
    await registerBuiltinAgents(db.prisma);
    for (const v of await db.prisma.agentVersion.findMany({
      where: { envId: LEAGUE },
      include: { agent: true },
    }))
      bots[v.agent.name] = v.id;
    app = await buildApp({ db, version: "0.0.0-test" });
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

  async function submitCarSoccerModel(agent: string): Promise<string> {
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
      headers: { ...headers, authorization: `Bearer ${key}` },
    });
    expect(res.statusCode).toBe(201);
    return (res.json() as { versionId: string }).versionId;
  }

  it.skipIf(skip)(
    "stores the result, ranks, rating events and a replay that verifies, and tells the feed",
    async () => {
      const events = new PlatformEvents();
      const seen: { event: FeedEventName; matchId?: string }[] = [];
      for (const event of ["match.started", "match.finished", "rating.changed"] as const)
        events.on(event, (p) => seen.push({ event, matchId: (p as { matchId?: string }).matchId }));
      const finished = await runHeadToHeadMatch(db.prisma, events, {
        leagueId: LEAGUE,
        seats: [{ versionId: bots["ball-chaser"]! }, { versionId: bots.defender! }],
        seed: 21n,
        durationSeconds: 15,
      });
      expect(finished.applied).toBe(true);
      const match = await db.prisma.match.findUniqueOrThrow({
        where: { id: finished.matchId },
        include: { participants: { orderBy: { slot: "asc" } } },
      });
      expect(match).toMatchObject({ status: "finished", live: false, seed: 21n });
      const result = match.result as {
        format: string;
        score: { blue: number; orange: number };
        goals: unknown[];
        seats: { controller: string; controllerErrors: number }[];
      };
      expect(result.format).toBe("car-soccer");
      expect(result.goals).toHaveLength(result.score.blue + result.score.orange);
      expect(result.seats.map((s) => [s.controller, s.controllerErrors])).toEqual([
        ["ball-chaser", 0],
        ["defender", 0],
      ]);
      const { blue, orange } = result.score;
      const expectedRanks = blue === orange ? [1, 1] : blue > orange ? [1, 2] : [2, 1];
      expect(match.participants.map((p) => p.rank)).toEqual(expectedRanks);
      expect(await db.prisma.ratingEvent.count({ where: { matchId: match.id } })).toBe(2);

      const episodes = decodeMatchReplay(match.replay!);
      // One episode per goal, plus the one cut by the final whistle when it did not end in a goal.
      expect(episodes.length).toBeGreaterThanOrEqual(blue + orange);
      expect(episodes.length).toBeLessThanOrEqual(blue + orange + 1);
      // 15 s at 120 Hz, 8 ticks a decision: 225 decision steps over all episodes.
      expect(episodes.reduce((n, e) => n + e.numSteps, 0)).toBe(225);
      expect(verifyMatchReplay(episodes).ok).toBe(true);

      expect(seen.filter((s) => s.matchId === match.id).map((s) => s.event)).toEqual([
        "match.started",
        "match.finished",
        "rating.changed",
        "rating.changed",
      ]);
    },
  );

  it.skipIf(skip)("ranks ball-chaser above random after a few headless matches", async () => {
    for (let i = 0; i < 4; i++) {
      // Alternate sides so neither bot keeps the blue half.
      const pair = [bots["ball-chaser"]!, bots.random!];
      if (i % 2 === 1) pair.reverse();
      await runHeadToHeadMatch(db.prisma, null, {
        leagueId: LEAGUE,
        seats: pair.map((versionId) => ({ versionId })),
        seed: BigInt(100 + i),
        durationSeconds: 20,
      });
    }
    const rating = async (versionId: string) =>
      db.prisma.rating.findUniqueOrThrow({ where: { versionId_leagueId: { versionId, leagueId: LEAGUE } } });
    const chaser = await rating(bots["ball-chaser"]!);
    const random = await rating(bots.random!);
    expect(random.games).toBeGreaterThanOrEqual(4);
    // Each win moves the two ordinals about 2 points apart; demand at least one clear win's worth.
    expect(chaser.ordinal - random.ordinal).toBeGreaterThan(1);
  });

  it.skipIf(skip)(
    "validates a submitted model against a copy of itself, then plays it on the ladder",
    async () => {
      const versionId = await submitCarSoccerModel("striker");
      const outcomes = await validatePendingVersions(db.prisma);
      expect(outcomes).toMatchObject([
        { versionId, status: "active", log: expect.stringMatching(/copy of itself: 10 s of car soccer/) },
      ]);
      expect(
        await db.prisma.rating.findUnique({
          where: { versionId_leagueId: { versionId, leagueId: LEAGUE } },
        }),
      ).toMatchObject({ games: 0, mu: 25 });

      const errors: string[] = [];
      const ladder = new Ladder(db.prisma, null, {
        intervalMs: 0,
        seed: 4,
        leagues: [LEAGUE],
        headToHeadSeconds: 5,
        onError: (e, league) => errors.push(`${league}: ${e.message}`),
      });
      // The newcomer's priority makes it a likely focal player; up to 12 matches make it near certain (seeded).
      let played = 0;
      for (let i = 0; i < 12 && played === 0; i++) {
        expect(await ladder.playNext()).not.toBeNull();
        played = (
          await db.prisma.rating.findUniqueOrThrow({
            where: { versionId_leagueId: { versionId, leagueId: LEAGUE } },
          })
        ).games;
      }
      expect(errors).toEqual([]);
      expect(played).toBe(1);
      const match = await db.prisma.match.findFirstOrThrow({
        where: { participants: { some: { versionId } } },
        include: { participants: true },
      });
      expect(match.status).toBe("finished");
      expect(match.participants).toHaveLength(2);
      // Only the 1v1 league was asked for: nothing else was played.
      expect(await db.prisma.match.count({ where: { leagueId: { not: LEAGUE } } })).toBe(0);
    },
  );

  it.skipIf(skip)("fails a model whose stored artifact is damaged, with a readable log", async () => {
    const versionId = await submitCarSoccerModel("broken-striker");
    // Damage the stored artifact, as a disk fault would.
    await db.prisma.agentVersion.update({
      where: { id: versionId },
      data: { artifact: new Uint8Array([1, 2, 3]) },
    });
    const [outcome] = await validatePendingVersions(db.prisma);
    expect(outcome).toMatchObject({ versionId, status: "failed" });
    const version = await db.prisma.agentVersion.findUniqueOrThrow({ where: { id: versionId } });
    expect(version.status).toBe("failed");
    expect(version.failureLog).toMatch(/validation match failed: .*not an Agent League model artifact/);
    expect(await db.prisma.rating.count({ where: { versionId } })).toBe(0);
  });
});
