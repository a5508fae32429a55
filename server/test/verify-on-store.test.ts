// Every result is checked before it is stored (storage/verify.ts): a car-soccer replay must
// re-simulate to its hashes, score and goals; a duplicate result must be recomputed from its seeds
// and the recorded choices. What fails is recorded on the match, never stored as if it proved it.
import { createCarSoccerBot, DuplicateMatch, type DuplicateResult } from "@league/agents";
import { createTestDatabase, type TestDatabase } from "@league/db/testing";
import { decodeMatchReplayFile, getEnvSpec, summarizeMatchReplay } from "@league/envs";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, seedLeagues } from "../src/index.js";
import { registerBuiltinAgents } from "../src/league/builtins.js";
import { runDuplicateMatch } from "../src/league/duplicate-runner.js";
import { runHeadToHeadMatch } from "../src/league/head-to-head-runner.js";
import { CarSoccerMatch } from "../src/match/car-soccer-match.js";
import { storeCarSoccerMatch } from "../src/storage/car-soccer.js";
import { storeDuplicateMatch } from "../src/storage/duplicate.js";
import { createMatch, startMatch } from "../src/storage/matches.js";

const CAR = "car-soccer-1v1";
const BANDIT = "bandit-bernoulli-10";

describe("results checked when stored", () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    db = await createTestDatabase("pglite");
    await seedLeagues(db.prisma);
    await registerBuiltinAgents(db.prisma);
    for (const v of await db.prisma.agentVersion.findMany({ include: { agent: true } }))
      ids[`${v.envId}/${v.agent.name}`] = v.id;
    app = await buildApp({ db, version: "0.0.0-test" });
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
  });

  /** A played 20 s match (seed 12: blue scores at 5.3 s and 10.7 s) of the ball-chaser against the random bot, in a created, running match row. */
  async function playedMatch(seed: number) {
    const seats = [ids[`${CAR}/ball-chaser`]!, ids[`${CAR}/random`]!];
    const matchId = await createMatch(db.prisma, {
      leagueId: CAR,
      seed: BigInt(seed),
      seats: seats.map((versionId, slot) => ({ versionId, slot, team: slot })),
    });
    await startMatch(db.prisma, matchId);
    const match = new CarSoccerMatch({
      spec: getEnvSpec(CAR),
      seed,
      controllers: [createCarSoccerBot("ball-chaser", seed), createCarSoccerBot("random", seed + 1)],
      durationSeconds: 20,
      goalPauseSeconds: 0,
      kickoffPauseSeconds: 0,
    });
    while (!match.done) match.tick();
    const input = {
      matchId,
      leagueId: CAR,
      format: "car-soccer" as const,
      seed,
      match,
      seats: seats.map((versionId) => ({ versionId, controller: "bot" })),
    };
    return { matchId, match, input };
  }

  it("verifies a headless ladder match and serves its replay as one documented file", async () => {
    const finished = await runHeadToHeadMatch(db.prisma, null, {
      leagueId: CAR,
      seats: [{ versionId: ids[`${CAR}/ball-chaser`]! }, { versionId: ids[`${CAR}/random`]! }],
      seed: 5n,
      durationSeconds: 20,
    });
    const row = await db.prisma.match.findUniqueOrThrow({ where: { id: finished.matchId } });
    const result = row.result as { score: { blue: number; orange: number }; goals: unknown[] };
    expect(result.goals).toHaveLength(result.score.blue + result.score.orange);
    expect(row).toMatchObject({ status: "finished", verified: true, error: null });
    expect(row.verification).toMatchObject({
      kind: "car-soccer-replay",
      ok: true,
      replayedScore: result.score,
      firstMismatch: null,
    });

    const view = (await app.inject({ method: "GET", url: `/api/v1/matches/${row.id}` })).json();
    expect(view).toMatchObject({ verified: true, verification: { ok: true, durationSeconds: 20 } });

    const res = await app.inject({ method: "GET", url: `/api/v1/matches/${row.id}/replay` });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-disposition"]).toBe(`attachment; filename="match-${row.id}.lgcm"`);
    const file = decodeMatchReplayFile(new Uint8Array(res.rawPayload));
    expect(file.version).toBe(2);
    expect(file.metadata).toMatchObject({
      matchId: row.id,
      leagueId: CAR,
      seed: 5,
      players: [
        { slot: 0, team: "blue", name: expect.stringMatching(/^ball-chaser v\d+$/) },
        { slot: 1, team: "orange", name: expect.stringMatching(/^random v\d+$/) },
      ],
      recorded: { score: result.score, goals: result.goals },
    });
    const summary = summarizeMatchReplay(file.episodes);
    expect(summary.ok).toBe(true);
    expect(summary.score).toEqual(result.score);
  });

  it("records a replay that does not reproduce its hashes as the match's error", async () => {
    const { matchId, match, input } = await playedMatch(12);
    // Blue's throttle reversed at decision step 40 of the first episode (tick 320-328).
    const first = match.replays[0]!;
    first.controls[40 * 16] = -first.controls[40 * 16]! || 1;
    await storeCarSoccerMatch(db.prisma, null, input);
    const row = await db.prisma.match.findUniqueOrThrow({ where: { id: matchId } });
    expect(row.status).toBe("finished");
    expect(row.verified).toBe(false);
    // The first hash after the change is the one at tick 360: hash 3 of episode 1, at 3 s of play.
    expect(row.error).toBe(
      "replay does not reproduce its hashes: episode 1, hash 3 at 3.00 s of play (tick 360 of the episode)",
    );
    expect(row.verification).toMatchObject({
      ok: false,
      firstMismatch: { episode: 0, tick: 360, hashIndex: 2 },
    });
    const view = (await app.inject({ method: "GET", url: `/api/v1/matches/${matchId}` })).json();
    expect(view).toMatchObject({ verified: false, error: row.error });
  });

  it("records a stored score the replay does not reproduce", async () => {
    const { matchId, match, input } = await playedMatch(12);
    const { blue, orange } = match.score;
    const claimed = {
      ...input,
      // Everything as played, but one more goal for blue in the stored score.
      match: {
        score: { blue: blue + 1, orange },
        goals: match.goals,
        durationSeconds: match.durationSeconds,
        controllerErrors: match.controllerErrors,
        teamOf: (car: number) => match.teamOf(car),
        encodeReplay: () => match.encodeReplay(),
        replays: match.replays,
      },
    };
    await storeCarSoccerMatch(db.prisma, null, claimed);
    const row = await db.prisma.match.findUniqueOrThrow({ where: { id: matchId } });
    expect(row.verified).toBe(false);
    expect(row.error).toBe(
      `the replay scores ${blue}–${orange}; the recorded result is ${blue + 1}–${orange}`,
    );
  });

  it("recomputes a duplicate result from its seeds and choices, and records one that does not add up", async () => {
    const bandits = ["greedy", "random"].map((name) => ids[`${BANDIT}/${name}`]!);
    const finished = await runDuplicateMatch(db.prisma, null, {
      leagueId: BANDIT,
      versionIds: bandits,
      seed: 3n,
    });
    const good = await db.prisma.match.findUniqueOrThrow({ where: { id: finished.matchId } });
    expect(good).toMatchObject({
      verified: true,
      error: null,
      verification: { kind: "duplicate-recompute", ok: true, seats: 2 },
    });
    const res = await app.inject({ method: "GET", url: `/api/v1/matches/${good.id}/replay` });
    expect(res.headers["content-disposition"]).toBe(`attachment; filename="match-${good.id}.choices.json"`);
    expect(res.json()).toMatchObject({
      format: "league-duplicate-choices",
      players: [{ slot: 0 }, { slot: 1 }],
    });

    // The same play stored with one return changed: the recomputation catches it.
    const matchId = await createMatch(db.prisma, {
      leagueId: BANDIT,
      seed: 4n,
      seats: bandits.map((versionId, slot) => ({ versionId, slot, team: slot })),
    });
    await startMatch(db.prisma, matchId);
    const played = new DuplicateMatch({
      env: BANDIT,
      policies: ["greedy", "random"],
      seeds: [40, 41],
    }).playToEnd();
    const outcome: DuplicateResult = played.result();
    outcome.entries[1]!.returns[0]! += 5;
    await storeDuplicateMatch(db.prisma, null, {
      matchId,
      leagueId: BANDIT,
      versionIds: bandits,
      outcome,
      choices: played.choices(),
    });
    const bad = await db.prisma.match.findUniqueOrThrow({ where: { id: matchId } });
    expect(bad.verified).toBe(false);
    expect(bad.error).toMatch(
      /^result not reproduced from the recorded choices: seat 1 \(random\), seed 40: recomputed return/,
    );
  });
});
