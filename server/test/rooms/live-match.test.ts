import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createTestDatabase, probePostgres, type TestDatabase } from "@league/db/testing";
import { decodeMatchReplay, verifyMatchReplay } from "@league/envs";
import { Client, type Room } from "colyseus.js";
import { io as connectFeed } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attachFeed, type FeedEventName, PlatformEvents } from "../../src/feed.js";
import { registerBuiltinAgents } from "../../src/league/builtins.js";
import {
  type AttachedRooms,
  attachRooms,
  LiveMatchError,
  type LiveMatchOutcome,
  SPECTATOR_ERROR,
  startLiveMatch,
} from "../../src/rooms/index.js";
import { seedLeagues } from "../../src/seed.js";

// Colyseus's matchmaker is process-wide: one server for the file, matches on PGlite, and one
// extra finished match on PostgreSQL when it is reachable.
const postgres = await probePostgres();

interface Spectated {
  ticks: number[];
  ballY: number[];
  statuses: Set<string>;
  ended: Promise<unknown>;
  left: Promise<number>;
}

function spectate(room: Room): Spectated {
  const s: Spectated = {
    ticks: [],
    ballY: [],
    statuses: new Set(),
    ended: Promise.resolve(),
    left: Promise.resolve(0),
  };
  room.onStateChange((state: { tick: number; status: string; ball: { y: number } }) => {
    s.ticks.push(state.tick);
    s.ballY.push(state.ball.y);
    s.statuses.add(state.status);
  });
  s.ended = new Promise((resolve) => room.onMessage("match.ended", resolve));
  s.left = new Promise((resolve) => room.onLeave(resolve));
  return s;
}

function outcomePromise(): { onEnd: (o: LiveMatchOutcome) => void; done: Promise<LiveMatchOutcome> } {
  let onEnd!: (o: LiveMatchOutcome) => void;
  const done = new Promise<LiveMatchOutcome>((resolve) => {
    onEnd = resolve;
  });
  return { onEnd, done };
}

async function eventually(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("live car-soccer rooms", () => {
  let db: TestDatabase;
  let http: HttpServer;
  let rooms: AttachedRooms;
  let client: Client;
  let port = 0;
  const events = new PlatformEvents();
  const published: { event: FeedEventName; payload: { matchId?: string } }[] = [];
  const bots: Record<string, string> = {};

  beforeAll(async () => {
    db = await createTestDatabase("pglite");
    await seedLeagues(db.prisma);
    await registerBuiltinAgents(db.prisma);
    const carSoccerBots = await db.prisma.agentVersion.count({
      where: { envId: { startsWith: "car-soccer-" } },
    });
    expect(carSoccerBots).toBe(18); // six bots in each of three leagues
    expect((await registerBuiltinAgents(db.prisma)).created).toBe(0);
    const versions = await db.prisma.agentVersion.findMany({
      where: { envId: "car-soccer-1v1" },
      include: { agent: true },
    });
    for (const v of versions) bots[v.agent.name] = v.id;
    for (const event of ["match.started", "match.finished", "rating.changed"] as const)
      events.on(event, (payload) => published.push({ event, payload: payload as { matchId?: string } }));
    http = createServer((_req, res) => {
      res.writeHead(404).end();
    });
    attachFeed(http, events, { corsOrigins: [] });
    rooms = await attachRooms(http);
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    port = (http.address() as AddressInfo).port;
    client = new Client(`ws://127.0.0.1:${port}`);
  });

  afterAll(async () => {
    await rooms?.stop();
    await new Promise((resolve) => http?.close(resolve));
    await db?.destroy();
  });

  const seats = () => [
    { versionId: bots["ball-chaser"]!, bot: "ball-chaser" },
    { versionId: bots.defender!, bot: "defender" },
  ];

  it("spectators who join as their rooms open read the kickoff, not missing numbers, then the play", async () => {
    type View = {
      tick: number;
      clock: number;
      ball: { x: number; y: number };
      cars: { toArray(): { x: number; y: number; boost: number }[] };
    };
    // Three rooms, each joined the moment it opens: once the client is warm a join takes a few
    // ms, before the room's first patch (33 ms), and reads the state as the room created it.
    for (let i = 0; i < 3; i++) {
      const end = outcomePromise();
      const { roomId } = await startLiveMatch(
        { prisma: db.prisma, events },
        {
          leagueId: "car-soccer-1v1",
          seats: seats(),
          durationSeconds: 1,
          kickoffPauseSeconds: 0,
          onEnd: end.onEnd,
        },
      );
      const room = await client.joinById(roomId);
      const first = await new Promise<unknown[]>((resolve) =>
        room.onStateChange.once((s: View) =>
          resolve([
            s.tick,
            s.clock,
            s.ball.x,
            s.ball.y,
            ...s.cars.toArray().flatMap((c) => [c.x, c.y, c.boost]),
          ]),
        ),
      );
      expect(first).toHaveLength(4 + 2 * 3);
      for (const value of first) expect(Number.isFinite(value)).toBe(true);
      const seen = spectate(room);
      await eventually(
        () => seen.ticks.length > 3 && Math.max(...seen.ticks) > Math.min(...seen.ticks),
        "the tick advances",
      );
      expect((await end.done).status).toBe("finished");
    }
  });

  it("a spectator sees the tick and the ball advance, then the stored match: result, ranks, ratings, replay", async () => {
    const end = outcomePromise();
    // Long enough that a spectator joining on a loaded machine (the whole suite in parallel on two
    // cores) still finds the match playing: at 3 s it once joined as the match ended.
    const durationSeconds = 10;
    const { roomId, matchId } = await startLiveMatch(
      { prisma: db.prisma, events },
      {
        leagueId: "car-soccer-1v1",
        seats: seats(),
        durationSeconds,
        seed: 7n,
        kickoffPauseSeconds: 0,
        onEnd: end.onEnd,
      },
    );
    expect(published.some((p) => p.event === "match.started" && p.payload.matchId === matchId)).toBe(true);
    const room = await client.joinById(roomId);
    const seen = spectate(room);
    await eventually(
      () => seen.ticks.length > 3 && Math.max(...seen.ticks) > Math.min(...seen.ticks),
      "the tick advances",
    );
    await eventually(() => new Set(seen.ballY).size > 1, "the ball moves");
    const outcome = await end.done;
    expect(outcome.status).toBe("finished");
    await seen.ended;
    await seen.left;

    const match = await db.prisma.match.findUniqueOrThrow({
      where: { id: matchId },
      include: { participants: { orderBy: { slot: "asc" } }, ratingEvents: true },
    });
    expect(match.status).toBe("finished");
    expect(match.live).toBe(true);
    const result = match.result as {
      score: { blue: number; orange: number };
      seats: { controllerErrors: number }[];
    };
    expect(result.score).toEqual(outcome.score);
    expect(result.seats.map((s) => s.controllerErrors)).toEqual([0, 0]);
    const { blue, orange } = result.score;
    expect(match.participants.map((p) => p.score)).toEqual([blue, orange]);
    expect(match.participants.map((p) => p.rank)).toEqual(
      blue === orange ? [1, 1] : blue > orange ? [1, 2] : [2, 1],
    );
    expect(match.ratingEvents).toHaveLength(2);
    expect(
      published.filter((p) => p.event === "rating.changed" && p.payload.matchId === matchId),
    ).toHaveLength(2);
    expect(published.some((p) => p.event === "match.finished" && p.payload.matchId === matchId)).toBe(true);

    const episodes = decodeMatchReplay(match.replay!);
    expect(episodes).toHaveLength(blue + orange + 1);
    // 120 ticks a second at tickSkip 8: 15 decision steps a second of play, over all episodes.
    expect(episodes.reduce((n, e) => n + e.numSteps, 0)).toBe((durationSeconds * 120) / 8);
    expect(verifyMatchReplay(episodes).ok).toBe(true);
  });

  it("spectator messages get an error and change nothing: the same seed replays bit for bit", async () => {
    const a = outcomePromise();
    const b = outcomePromise();
    const options = {
      leagueId: "car-soccer-1v1",
      seats: seats(),
      durationSeconds: 2,
      seed: 99n,
      kickoffPauseSeconds: 0,
    };
    const quiet = await startLiveMatch({ prisma: db.prisma, events }, { ...options, onEnd: a.onEnd });
    const noisy = await startLiveMatch({ prisma: db.prisma, events }, { ...options, onEnd: b.onEnd });
    const room = await client.joinById(noisy.roomId);
    const errors: [number, string | undefined][] = [];
    room.onError((code, message) => errors.push([code, message]));
    room.onMessage("match.ended", () => {});
    // A few tries, spread over the match.
    for (let i = 0; i < 3; i++) {
      room.send("control", { car: 0, action: [-1, 1, 0, 0, 0, 1, 1, 1] });
      room.send("reset", {});
      await new Promise((r) => setTimeout(r, 200));
    }
    await eventually(() => errors.length >= 6, "the spectator gets errors back");
    const [outcomeA, outcomeB] = await Promise.all([a.done, b.done]);
    expect(errors[0]![0]).toBe(SPECTATOR_ERROR);
    expect(errors[0]![1]).toMatch(/spectators cannot send messages/);
    expect(outcomeA.status).toBe("finished");
    expect(outcomeB.score).toEqual(outcomeA.score);
    const [ma, mb] = await Promise.all(
      [quiet.matchId, noisy.matchId].map((id) => db.prisma.match.findUniqueOrThrow({ where: { id } })),
    );
    expect(Buffer.from(mb!.replay!).equals(Buffer.from(ma!.replay!))).toBe(true);
  });

  it("a throwing controller is counted, its car idles, and the match still finishes", async () => {
    const end = outcomePromise();
    const broken = {
      name: "broken",
      act() {
        throw new Error("controller bug");
      },
    };
    const { matchId } = await startLiveMatch(
      { prisma: db.prisma, events },
      {
        leagueId: "car-soccer-1v1",
        seats: [seats()[0]!, { versionId: bots.random!, bot: broken }],
        durationSeconds: 1,
        kickoffPauseSeconds: 0,
        onEnd: end.onEnd,
      },
    );
    expect((await end.done).status).toBe("finished");
    const match = await db.prisma.match.findUniqueOrThrow({ where: { id: matchId } });
    const result = match.result as { seats: { controllerErrors: number }[] };
    // 1 s at tickSkip 8 is 15 decisions, each one throwing.
    expect(result.seats.map((s) => s.controllerErrors)).toEqual([0, 15]);
    const episodes = decodeMatchReplay(match.replay!);
    for (const e of episodes)
      for (let step = 0; step < e.numSteps; step++)
        expect(Array.from(e.controls.subarray(step * 16 + 8, step * 16 + 16))).toEqual([
          0, 0, 0, 0, 0, 0, 0, 0,
        ]);
  });

  it("refuses rooms created by clients and bad live-match input with clear errors", async () => {
    await expect(client.create("car-soccer", {})).rejects.toThrow(/started by the server, not by clients/);
    const deps = { prisma: db.prisma, events };
    await expect(startLiveMatch(deps, { leagueId: "nope", seats: seats() })).rejects.toThrow(
      /no league "nope"/,
    );
    await expect(
      startLiveMatch(deps, { leagueId: "car-soccer-1v1", seats: seats().slice(0, 1) }),
    ).rejects.toThrow(/needs 2 seats/);
    await expect(
      startLiveMatch(deps, {
        leagueId: "car-soccer-1v1",
        seats: [seats()[0]!, { versionId: bots.random!, bot: "flying" }],
      }),
    ).rejects.toThrow(/seat 1: unknown car-soccer bot "flying"/);
    await expect(
      startLiveMatch(deps, { leagueId: "car-soccer-1v1", seats: seats(), durationSeconds: -1 }),
    ).rejects.toThrow(LiveMatchError);
    await expect(client.joinById("no-such-room")).rejects.toThrow();
  });

  it("Socket.IO's feed still upgrades to WebSocket on the same server", async () => {
    const socket = connectFeed(`http://127.0.0.1:${port}/feed`, { transports: ["websocket"] });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.on("connect", resolve);
        socket.on("connect_error", reject);
      });
      expect(socket.io.engine.transport.name).toBe("websocket");
    } finally {
      socket.close();
    }
  });

  it.skipIf(!postgres.available)("stores a finished live match on PostgreSQL too", async () => {
    const pg = await createTestDatabase("postgres");
    try {
      await seedLeagues(pg.prisma);
      await registerBuiltinAgents(pg.prisma);
      const versions = await pg.prisma.agentVersion.findMany({
        where: { envId: "car-soccer-1v1" },
        include: { agent: true },
      });
      const id = (name: string) => versions.find((v) => v.agent.name === name)!.id;
      const end = outcomePromise();
      const { matchId } = await startLiveMatch(
        { prisma: pg.prisma, events: null },
        {
          leagueId: "car-soccer-1v1",
          seats: [
            { versionId: id("ball-chaser"), bot: "ball-chaser" },
            { versionId: id("random"), bot: "random" },
          ],
          durationSeconds: 1,
          onEnd: end.onEnd,
        },
      );
      expect((await end.done).status).toBe("finished");
      const match = await pg.prisma.match.findUniqueOrThrow({ where: { id: matchId } });
      expect(match.status).toBe("finished");
      expect(verifyMatchReplay(decodeMatchReplay(match.replay!)).ok).toBe(true);
    } finally {
      await pg.destroy();
    }
  });
});
