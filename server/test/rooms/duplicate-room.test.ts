import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { matchMaker } from "@colyseus/core";
import { type BaselinePolicy, DuplicateMatch, playDuplicate } from "@league/agents";
import { createTestDatabase, type TestDatabase } from "@league/db/testing";
import { Client, type Room } from "colyseus.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FeedEventName, PlatformEvents } from "../../src/feed.js";
import { registerBuiltinAgents } from "../../src/league/builtins.js";
import { runDuplicateMatch } from "../../src/league/duplicate-runner.js";
import { LiveScheduler } from "../../src/league/live-scheduler.js";
import { duplicateEntrants, duplicateSeeds } from "../../src/match/duplicate.js";
import {
  type AttachedRooms,
  attachRooms,
  DUPLICATE_ROOM,
  type DuplicateLiveOutcome,
  duplicateLaunches,
  LiveMatchError,
  liveRooms,
  SPECTATOR_ERROR,
  startLiveDuplicateMatch,
} from "../../src/rooms/index.js";
import { seedLeagues } from "../../src/seed.js";
import { createMatch, startMatch } from "../../src/storage/matches.js";

interface SeatState {
  name: string;
  totalReturn: number;
  totalRegret: number;
  clicks: number;
  last: number;
  counts: { toArray(): number[] };
  returnCurve: { length: number };
}
interface ViewState {
  status: string;
  step: number;
  totalSteps: number;
  episodeStep: number;
  episode: number;
  family: string;
  curveSteps: { toArray(): number[] };
  seats: { toArray(): SeatState[] };
}

interface Watched {
  steps: number[];
  episodes: Set<number>;
  last: { step: number; counts: number[][]; clicks: number[]; returns: number[]; curvePoints: number } | null;
  ended: Promise<DuplicateLiveOutcome>;
  /** The last step seen when "match.ended" arrived: the final state must come first. */
  stepWhenEnded: number | null;
}

function watch(room: Room): Watched {
  const w: Watched = {
    steps: [],
    episodes: new Set(),
    last: null,
    ended: new Promise((resolve) =>
      room.onMessage("match.ended", (outcome) => {
        w.stepWhenEnded = w.last?.step ?? null;
        resolve(outcome);
      }),
    ),
    stepWhenEnded: null,
  };
  room.onStateChange((state: ViewState) => {
    w.steps.push(state.step);
    w.episodes.add(state.episode);
    const seats = state.seats.toArray();
    w.last = {
      step: state.step,
      counts: seats.map((s) => s.counts.toArray()),
      clicks: seats.map((s) => s.clicks),
      returns: seats.map((s) => s.totalReturn),
      curvePoints: state.curveSteps.toArray().length,
    };
  });
  return w;
}

function outcomePromise() {
  let onEnd!: (o: DuplicateLiveOutcome) => void;
  const done = new Promise<DuplicateLiveOutcome>((resolve) => {
    onEnd = resolve;
  });
  return { onEnd, done };
}

describe("live duplicate (bandit and recommender) rooms", () => {
  let db: TestDatabase;
  let http: HttpServer;
  let rooms: AttachedRooms;
  let client: Client;
  const events = new PlatformEvents();
  const published: { event: FeedEventName; matchId?: string }[] = [];

  const versionsOf = async (envId: string, names: string[]) => {
    const versions = await db.prisma.agentVersion.findMany({ where: { envId }, include: { agent: true } });
    return names.map((n) => versions.find((v) => v.agent.name === n)!.id);
  };

  beforeAll(async () => {
    db = await createTestDatabase("pglite");
    await seedLeagues(db.prisma);
    await registerBuiltinAgents(db.prisma);
    for (const event of ["match.started", "match.finished", "rating.changed"] as const)
      events.on(event, (payload) =>
        published.push({ event, matchId: (payload as { matchId?: string }).matchId }),
      );
    http = createServer((_req, res) => {
      res.writeHead(404).end();
    });
    rooms = await attachRooms(http);
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    client = new Client(`ws://127.0.0.1:${(http.address() as AddressInfo).port}`);
  });

  afterAll(async () => {
    await rooms?.stop();
    await new Promise((resolve) => http?.close(resolve));
    await db?.destroy();
  });

  it("streams a bandit match step by step, then stores the same result and ranking as headless play on that seed", async () => {
    const league = "bandit-bernoulli-10";
    const versionIds = await versionsOf(league, ["ucb1", "random", "thompson-bernoulli"]);
    const end = outcomePromise();
    const { roomId, matchId } = await startLiveDuplicateMatch(
      { prisma: db.prisma, events },
      { leagueId: league, versionIds, seed: 4242n, stepsPerSecond: 1000, onEnd: end.onEnd },
    );
    const room = await client.joinById(roomId);
    const watched = watch(room);
    // A spectator cannot steer the match.
    const refused = new Promise<number>((resolve) => room.onError((code) => resolve(code)));
    room.send("pull", { arm: 3 });
    expect(await refused).toBe(SPECTATOR_ERROR);
    const outcome = await watched.ended;
    expect(outcome).toMatchObject({ matchId, status: "finished" });
    expect(await end.done).toEqual(outcome);

    // The state advanced in many patches, never backwards, through every episode, to the last step.
    expect(new Set(watched.steps).size).toBeGreaterThan(10);
    expect(watched.steps).toEqual([...watched.steps].sort((a, b) => a - b));
    expect(watched.last!.step).toBe(4 * 1000);
    expect(watched.stepWhenEnded).toBe(4 * 1000);
    // A spectator joins a match already under way, so it may miss the first episode or two (one
    // lasts a second here), never the later ones: what it sees runs without gaps to the last.
    const seen = [...watched.episodes].sort();
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => 5 - seen.length + i));
    // Every seat pulled one arm per step; UCB1 concentrates on few arms, random spreads evenly.
    const [ucb, random] = watched.last!.counts;
    expect(watched.last!.counts.map((c) => c.reduce((a, b) => a + b, 0))).toEqual([4000, 4000, 4000]);
    expect(Math.max(...ucb!)).toBeGreaterThan(Math.max(...random!));
    expect(watched.last!.curvePoints).toBeGreaterThan(100);

    const stored = await db.prisma.match.findUniqueOrThrow({
      where: { id: matchId },
      include: { participants: { orderBy: { slot: "asc" } } },
    });
    expect(stored).toMatchObject({ status: "finished", live: true });
    const result = stored.result as {
      format: string;
      seeds: number[];
      entries: { name: string; meanReturn: number; returns: number[] }[];
      curves: {
        episodeSteps: number;
        steps: number[];
        seats: { totalReturn: number[]; totalRegret: number[]; counts: number[] }[];
      };
    };
    expect(result.format).toBe("duplicate");
    expect(result.seeds).toEqual(duplicateSeeds(4242n));
    // The stored curves end at the final totals; the counts are what spectators saw.
    expect(result.curves.steps.at(-1)).toBe(4000);
    expect(result.curves.episodeSteps).toBe(1000);
    result.curves.seats.forEach((seat, i) => {
      expect(seat.totalReturn.at(-1)).toBeCloseTo(watched.last!.returns[i]!, 3);
      expect(seat.counts).toEqual(watched.last!.counts[i]);
    });
    expect(await db.prisma.ratingEvent.count({ where: { matchId } })).toBe(3);
    expect(published.filter((p) => p.matchId === matchId).map((p) => p.event)).toEqual([
      "match.started",
      "match.finished",
      "rating.changed",
      "rating.changed",
      "rating.changed",
    ]);

    // The same seed and players, headless: the same result, scores and ranks.
    const headless = await runDuplicateMatch(db.prisma, null, { leagueId: league, versionIds, seed: 4242n });
    const replayed = await db.prisma.match.findUniqueOrThrow({
      where: { id: headless.matchId },
      include: { participants: { orderBy: { slot: "asc" } } },
    });
    const { curves: _curves, ...liveResult } = result;
    expect(replayed.result).toEqual(liveResult);
    expect(replayed.participants.map((p) => [p.rank, p.score])).toEqual(
      stored.participants.map((p) => [p.rank, p.score]),
    );
    expect(new Set(stored.participants.map((p) => p.rank)).size).toBeGreaterThan(1);
  });

  it("streams a recommender match with clicks per item, ranked as duplicate play ranks it", async () => {
    const league = "recsim-slate-5";
    const versionIds = await versionsOf(league, ["popularity", "rec-random", "linucb-slate"]);
    const end = outcomePromise();
    const { roomId, matchId } = await startLiveDuplicateMatch(
      { prisma: db.prisma, events: null },
      { leagueId: league, versionIds, seed: 99n, stepsPerSecond: 400, onEnd: end.onEnd },
    );
    const room = await client.joinById(roomId);
    const watched = watch(room);
    expect(await watched.ended).toMatchObject({ status: "finished" });
    expect(watched.last!.step).toBe(4 * 200);
    expect(watched.stepWhenEnded).toBe(4 * 200);
    expect(watched.last!.counts[0]).toHaveLength(100);
    watched.last!.counts.forEach((c, i) => {
      expect(c.reduce((a, b) => a + b, 0)).toBe(watched.last!.clicks[i]);
    });
    expect(Math.max(...watched.last!.clicks)).toBeGreaterThan(0);

    const expected = playDuplicate({
      env: league,
      policies: await duplicateEntrants(db.prisma, versionIds),
      seeds: duplicateSeeds(99n),
    });
    const participants = await db.prisma.matchParticipant.findMany({
      where: { matchId },
      orderBy: { slot: "asc" },
    });
    expect(participants.map((p) => p.score)).toEqual(expected.entries.map((e) => e.meanReturn));
    // Dense ranks (the league's) order the seats as duplicate play's ranking does.
    const order = (ranks: number[]) => ranks.map((_, i) => i).sort((a, b) => ranks[a]! - ranks[b]! || a - b);
    expect(order(participants.map((p) => p.rank!))).toEqual(order(expected.entries.map((e) => e.rank)));
  });

  it("a player that throws mid-match aborts it, unrated, with the step in the reason; the server stays up", async () => {
    const versionIds = await versionsOf("bandit-bernoulli-10", ["ucb1", "random"]);
    const matchId = await createMatch(db.prisma, {
      leagueId: "bandit-bernoulli-10",
      seed: 5n,
      live: true,
      seats: versionIds.map((versionId, slot) => ({ versionId, slot, team: slot })),
    });
    await startMatch(db.prisma, matchId);
    let acted = 0;
    const broken: BaselinePolicy = {
      name: "broken",
      reset() {},
      act() {
        if (++acted > 40) throw new Error("inference failed");
        return new Float32Array([0]);
      },
      update() {},
    };
    const end = outcomePromise();
    duplicateLaunches.register("broken-launch", {
      matchId,
      leagueId: "bandit-bernoulli-10",
      versionIds,
      match: new DuplicateMatch({ env: "bandit-bernoulli-10", policies: ["ucb1", broken], seeds: [1, 2] }),
      family: "bandit",
      numChoices: 10,
      stepsPerSecond: 400,
      onEnd: end.onEnd,
    });
    const room = await matchMaker.createRoom(DUPLICATE_ROOM, {
      launchKey: "broken-launch",
      deps: { prisma: db.prisma, events: null },
    });
    const spectator = await client.joinById(room.roomId);
    const ended = watch(spectator).ended;
    expect(await ended).toMatchObject({
      status: "aborted",
      error: "a player failed at step 41: inference failed",
    });
    expect((await end.done).status).toBe("aborted");
    const stored = await db.prisma.match.findUniqueOrThrow({ where: { id: matchId } });
    expect(stored).toMatchObject({
      status: "aborted",
      error: "a player failed at step 41: inference failed",
    });
    expect(await db.prisma.ratingEvent.count({ where: { matchId } })).toBe(0);
    // The launch key was used up: it cannot open a second room.
    await expect(matchMaker.createRoom(DUPLICATE_ROOM, { launchKey: "broken-launch" })).rejects.toThrow(
      /started by the server/,
    );
  });

  it("refuses bad input with a clear error and leaves nothing behind", async () => {
    const bandit = await versionsOf("bandit-bernoulli-10", ["ucb1", "random"]);
    const before = await db.prisma.match.count();
    const start = (input: Parameters<typeof startLiveDuplicateMatch>[1]) =>
      startLiveDuplicateMatch({ prisma: db.prisma, events: null }, input);
    await expect(start({ leagueId: "car-soccer-1v1", versionIds: bandit })).rejects.toThrow(
      /plays car-soccer-1v1; live duplicate matches are for bandit and recommender leagues/,
    );
    await expect(start({ leagueId: "nope", versionIds: bandit })).rejects.toThrow(/no league "nope"/);
    await expect(start({ leagueId: "bandit-gaussian-10", versionIds: bandit })).rejects.toThrow(
      /seat 0: version .* plays bandit-bernoulli-10, not bandit-gaussian-10/,
    );
    await expect(
      start({ leagueId: "bandit-bernoulli-10", versionIds: bandit, stepsPerSecond: 0 }),
    ).rejects.toThrow(/stepsPerSecond must be in \(0, 100000\], got 0/);
    await expect(
      start({ leagueId: "bandit-bernoulli-10", versionIds: [bandit[0]!, bandit[0]!] }),
    ).rejects.toThrow(LiveMatchError);
    await expect(client.create(DUPLICATE_ROOM, {})).rejects.toThrow(/started by the server, not by clients/);
    expect(await db.prisma.match.count()).toBe(before);
  });

  it("the live scheduler keeps the configured number of bandit/recommender matches going", async () => {
    const errors: Error[] = [];
    const scheduler = new LiveScheduler(db.prisma, liveRooms({ prisma: db.prisma, events: null }), {
      intervalMs: 50,
      seed: 3,
      duplicateMatches: 2,
      duplicateStepsPerSecond: 5,
      onError: (e) => errors.push(e),
    });
    // The car-soccer leagues are switched off here: only duplicate matches start.
    await db.prisma.league.updateMany({
      where: { envId: { startsWith: "car-soccer-" } },
      data: { active: false },
    });
    const started = await scheduler.fill();
    expect(errors).toEqual([]);
    expect(started).toHaveLength(2);
    const live = await db.prisma.match.findMany({
      where: { live: true, status: "running" },
      include: { participants: true },
    });
    expect(live).toHaveLength(2);
    expect(new Set(live.map((m) => m.leagueId)).size).toBe(2);
    for (const m of live) expect(m.participants.length).toBeGreaterThanOrEqual(2);
    expect(await scheduler.fill()).toEqual([]); // already two
    // Spectators find them by match id in the rooms' metadata.
    const listed = await matchMaker.query({ name: DUPLICATE_ROOM });
    expect(listed.map((r) => (r.metadata as { matchId: string }).matchId).sort()).toEqual(
      live.map((m) => m.id).sort(),
    );
  });

  it("a spectator who joins before the first step reads zeros, not missing numbers", async () => {
    const league = "bandit-bernoulli-10";
    const versionIds = await versionsOf(league, ["ucb1", "random"]);
    // One step a second: the join lands before the first (the room is stopped with the others).
    const { roomId } = await startLiveDuplicateMatch(
      { prisma: db.prisma, events },
      { leagueId: league, versionIds, seed: 11n, stepsPerSecond: 1 },
    );
    const room = await client.joinById(roomId);
    const first = await new Promise<ViewState>((resolve) => room.onStateChange.once(resolve));
    expect(first.step).toBe(0);
    expect(first.episodeStep).toBe(0);
    for (const seat of first.seats.toArray()) {
      expect(seat).toMatchObject({ totalReturn: 0, totalRegret: 0, clicks: 0, last: -1 });
    }
    // After the first patches and a step, the seats and their arrays are there once each: a
    // creation sent in the full state and again in the first patch doubled them.
    const watched = watch(room);
    await new Promise<void>((resolve) => {
      const check = () => ((watched.last?.step ?? 0) >= 1 ? resolve() : setTimeout(check, 50));
      check();
    });
    const state = room.state as ViewState;
    expect(state.seats.toArray()).toHaveLength(2);
    for (const counts of watched.last!.counts) {
      expect(counts).toHaveLength(10);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(watched.last!.step);
    }
    expect(state.curveSteps.toArray()[0]).toBe(0);
    expect(new Set(state.curveSteps.toArray()).size).toBe(state.curveSteps.toArray().length);
    await room.leave();
  });
});
