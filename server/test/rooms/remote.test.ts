import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { RemoteAgentClient, RemoteAgentError } from "@league/agents";
import { createTestDatabase, probePostgres, type TestDatabase } from "@league/db/testing";
import { ContinuousAction, decodeMatchReplay, LookupTableAction } from "@league/envs";
import { Client, type Room } from "colyseus.js";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/app.js";
import { registerBuiltinAgents } from "../../src/league/builtins.js";
import { Ladder } from "../../src/league/ladder.js";
import { type AttachedRooms, attachRooms } from "../../src/rooms/index.js";
import { seedLeagues } from "../../src/seed.js";

// Colyseus's matchmaker is process-wide: one API + rooms server for the file, on PGlite.
const postgres = await probePostgres();
let db: TestDatabase;
let app: FastifyInstance;
let rooms: AttachedRooms;
let server = "";

async function signUp(name: string): Promise<string> {
  const res = await fetch(`${server}/api/v1/owners`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { apiKey: { key: string } }).apiKey.key;
}

interface StoredSeat {
  versionId: string;
  remote?: { decisions: number; onTime: number; lateAnswers: number; malformedAnswers: number };
}

async function storedMatch(matchId: string) {
  const match = await db.prisma.match.findUniqueOrThrow({
    where: { id: matchId },
    include: { participants: { orderBy: { slot: "asc" } } },
  });
  const result = match.result as unknown as {
    seats: StoredSeat[];
    forfeit?: { team: number; reason: string };
  };
  return { match, result, remote: result.seats[0]!.remote! };
}

/** Blue's remote player (seat 0) forfeited the stored match, for `reason`; orange won. */
async function expectSeat0Forfeited(matchId: string, reason: RegExp): Promise<void> {
  await expect
    .poll(async () => (await storedMatch(matchId)).match.status, { timeout: 15_000 })
    .toBe("finished");
  const { match: stored, result } = await storedMatch(matchId);
  expect(result.forfeit).toMatchObject({ team: 0, reason: expect.stringMatching(reason) });
  expect(stored.participants.map((p) => p.rank)).toEqual([2, 1]);
}

/** Drops the player's connection (not a consented leave) once it has played 10 decisions. */
function dropAfterTenSteps(room: Room, played: () => number): void {
  const timer = setInterval(() => {
    if (played() < 10) return;
    clearInterval(timer);
    room.connection.close();
  }, 20);
}

/** Car 0's controls at every decision of every episode of the stored replay. */
function car0Controls(replay: Uint8Array): Float32Array[] {
  return decodeMatchReplay(replay).flatMap((episode) => {
    const stride = episode.teamSize * 2 * 8;
    return Array.from({ length: episode.numSteps }, (_, step) =>
      episode.controls.slice(step * stride, step * stride + 8),
    );
  });
}

/** The controls a lookup index becomes in the room (its parser, then the match's). */
function controlsOf(index: number): Float32Array {
  const raw = new Float32Array(8);
  new LookupTableAction().parse([index], 0, raw, 0);
  const out = new Float32Array(8);
  new ContinuousAction().parse(raw, 0, out, 0);
  return out;
}

/** The built `league` CLI of @league/agents, as `npx league` runs it. */
function leagueCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const cli = path.resolve(import.meta.dirname, "../../../agents/dist/cli/main.js");
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("exit", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let key = "";
let versionId = "";
let agent: RemoteAgentClient;

beforeAll(async () => {
  db = await createTestDatabase("pglite");
  await seedLeagues(db.prisma);
  await registerBuiltinAgents(db.prisma);
  app = await buildApp({ db, version: "remote-test" });
  await app.listen({ port: 0, host: "127.0.0.1" });
  rooms = await attachRooms(app.server);
  server = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  key = await signUp("remote-owner");
  agent = new RemoteAgentClient({ server, apiKey: key });
  ({ versionId } = await agent.register({ name: "far-away", env: "car-soccer-1v1", actionParser: "lookup" }));
});

afterAll(async () => {
  await rooms?.stop();
  await app?.close();
  await db?.destroy();
});

describe("remote agents", () => {
  it("play a whole live match through the protocol: every answer counted, the car driven, the result stored", async () => {
    const match = await agent.requestMatch({ versionId, opponent: "defender", durationSeconds: 5 });
    expect(match).toMatchObject({
      room: "car-soccer",
      leagueId: "car-soccer-1v1",
      seat: 0,
      graceSeconds: 10,
    });
    const observed: number[] = [];
    let seatInfo: unknown = null;
    const outcome = await agent.play(
      match.roomId,
      versionId,
      (observation, info) => {
        observed.push(info.step);
        expect(observation.length).toBeGreaterThan(0);
        return [7];
      },
      { onSeat: (seat) => (seatInfo = seat) },
    );
    expect(outcome.status).toBe("finished");
    expect(seatInfo).toMatchObject({ seat: 0, team: 0, matchId: match.matchId });
    // 5 s at 15 decisions a second: 75 observations, numbered from 1.
    expect(observed).toEqual(Array.from({ length: 75 }, (_, i) => i + 1));
    const { match: stored, remote } = await storedMatch(match.matchId);
    expect(stored.status).toBe("finished");
    expect(stored.participants.map((p) => p.versionId)[0]).toBe(versionId);
    // Every decision after the first is accounted for exactly once.
    expect(remote.decisions).toBe(74);
    expect(remote.onTime + remote.lateAnswers + remote.malformedAnswers).toBe(74);
    expect(remote.onTime).toBeGreaterThan(0);
    expect(remote.malformedAnswers).toBe(0);
    // Once an answer was used, the car plays lookup action 7 (late ones repeat it).
    const controls = car0Controls(stored.replay!);
    expect(Array.from(controls.at(-1)!)).toEqual(Array.from(controlsOf(7)));
    expect(await db.prisma.rating.count({ where: { versionId } })).toBe(1);
  });

  it("play a 2v2 seat on the orange side, the other three seats filled by distinct bots", async () => {
    const team = await agent.register({ name: "far-away-2v2", env: "car-soccer-2v2" });
    const match = await agent.requestMatch({ versionId: team.versionId, side: "orange", durationSeconds: 5 });
    expect(match).toMatchObject({ leagueId: "car-soccer-2v2", seat: 2 });
    let seatInfo: { seat: number; team: number; observationSize: number } | null = null;
    const sizes = new Set<number>();
    const outcome = await agent.play(
      match.roomId,
      team.versionId,
      (observation) => {
        sizes.add(observation.length);
        return [7];
      },
      { onSeat: (seat) => (seatInfo = seat) },
    );
    expect(outcome.status).toBe("finished");
    expect(seatInfo).toMatchObject({ seat: 2, team: 1 });
    expect([...sizes]).toEqual([seatInfo!.observationSize]);
    const stored = await db.prisma.match.findUniqueOrThrow({
      where: { id: match.matchId },
      include: { participants: { orderBy: { slot: "asc" } } },
    });
    const seats = stored.participants.map((p) => p.versionId);
    expect(seats[2]).toBe(team.versionId);
    expect(new Set(seats).size).toBe(4);
    const result = stored.result as unknown as { seats: StoredSeat[] };
    expect(result.seats[2]!.remote!.decisions).toBe(74);
    expect(result.seats.filter((s) => s.remote)).toHaveLength(1);
  });

  it("count late answers and repeat the last action meanwhile", async () => {
    const match = await agent.requestMatch({ versionId, durationSeconds: 5 });
    // The first ten answers come at once (action 7); every later one several decisions after its
    // deadline (action 3), so it must never drive the car.
    const outcome = await agent.play(match.roomId, versionId, async (_observation, info) => {
      if (info.step <= 10) return [7];
      await sleep(400);
      return [3];
    });
    expect(outcome.status).toBe("finished");
    const { remote, match: stored } = await storedMatch(match.matchId);
    expect(remote.onTime).toBeGreaterThan(0);
    expect(remote.lateAnswers).toBeGreaterThan(50);
    expect(remote.onTime + remote.lateAnswers + remote.malformedAnswers).toBe(remote.decisions);
    const controls = car0Controls(stored.replay!).map((c) => Array.from(c).join());
    expect(controls).toContain(Array.from(controlsOf(7)).join());
    expect(controls).not.toContain(Array.from(controlsOf(3)).join());
    expect(controls.at(-1)).toBe(Array.from(controlsOf(7)).join());
  });

  it("count malformed answers, tell the player why, and never apply them", async () => {
    const match = await agent.requestMatch({ versionId, durationSeconds: 5 });
    const refusals: string[] = [];
    const outcome = await agent.play(match.roomId, versionId, () => [1, 2], {
      onRefused: (r) => refusals.push(r.reason),
    });
    expect(outcome.status).toBe("finished");
    const { remote, match: stored } = await storedMatch(match.matchId);
    expect(remote.malformedAnswers).toBeGreaterThan(0);
    expect(remote.onTime).toBe(0);
    expect(remote.malformedAnswers + remote.lateAnswers).toBe(remote.decisions);
    expect(refusals[0]).toMatch(/action must be an array of 1 number for the lookup parser/);
    for (const c of car0Controls(stored.replay!)) expect(Array.from(c)).toEqual(new Array(8).fill(0));
  });

  it("refuse a bad key, someone else's key, and requests that cannot be served", async () => {
    const stranger = await signUp("stranger");
    const match = await agent.requestMatch({ versionId, durationSeconds: 5, remoteGraceSeconds: 3 });
    const client = new Client(server.replace("http", "ws"));
    await expect(client.joinById(match.roomId, { apiKey: "al_nope", versionId })).rejects.toThrow(
      /remote player refused: that is not an Agent League API key/,
    );
    await expect(client.joinById(match.roomId, { apiKey: stranger, versionId })).rejects.toThrow(
      /is not yours/,
    );
    await expect(
      new RemoteAgentClient({ server, apiKey: stranger }).requestMatch({ versionId }),
    ).rejects.toThrow(/403 \(not_yours\)/);
    await expect(agent.requestMatch({ versionId, opponent: "pele" })).rejects.toThrow(
      /400 \(unknown_opponent\): no built-in bot "pele"/,
    );
    await expect(
      agent.register({ name: "odd", env: "car-soccer-1v1", actionParser: "telepathy" }),
    ).rejects.toThrow(/422 \(unknown_policy_io\): unknown action parser "telepathy"/);
    await expect(agent.register({ name: "odd", env: "bandit-lsd-10" })).rejects.toThrow(/400/);
    await expect(
      new RemoteAgentClient({ server, apiKey: "al_nope" }).register({ name: "x1", env: "car-soccer-1v1" }),
    ).rejects.toBeInstanceOf(RemoteAgentError);
    // Nobody joined that match: after the grace seconds its remote side forfeits.
    await expectSeat0Forfeited(match.matchId, /did not join within 3 s/);
  });

  it("forfeit a player who disconnects past the grace period", async () => {
    const match = await agent.requestMatch({ versionId, durationSeconds: 60, remoteGraceSeconds: 1 });
    let steps = 0;
    const played = agent.play(
      match.roomId,
      versionId,
      () => {
        steps++;
        return [0];
      },
      {
        reconnect: false,
        // Drop the connection once the match is under way.
        onJoin: (room) => dropAfterTenSteps(room, () => steps),
      },
    );
    await expect(played).rejects.toThrow(/left room .* before the match ended/);
    await expectSeat0Forfeited(match.matchId, /disconnected for more than 1 s/);
  });

  it("rejoin within the grace period after a dropped connection and play on to the end", async () => {
    const match = await agent.requestMatch({ versionId, durationSeconds: 5, remoteGraceSeconds: 5 });
    const steps: number[] = [];
    const seats: unknown[] = [];
    let joins = 0;
    const outcome = await agent.play(
      match.roomId,
      versionId,
      (_observation, info) => {
        steps.push(info.step);
        return [7];
      },
      {
        onSeat: (seat) => seats.push(seat),
        onJoin: (room) => {
          if (++joins === 1) dropAfterTenSteps(room, () => steps.length);
        },
      },
    );
    expect(joins).toBe(2);
    expect(seats).toHaveLength(2);
    expect(outcome.status).toBe("finished");
    expect(outcome.forfeit).toBeUndefined();
    // Observations kept coming after the rejoin, up to the last decision of the match.
    expect(steps.at(-1)).toBe(75);
    const { match: stored, result, remote } = await storedMatch(match.matchId);
    expect(stored.status).toBe("finished");
    expect(result.forfeit).toBeUndefined();
    expect(remote.onTime + remote.lateAnswers + remote.malformedAnswers).toBe(74);
  });

  it("count a fresh join within the grace period as coming back (a restarted player)", async () => {
    const match = await agent.requestMatch({ versionId, durationSeconds: 10, remoteGraceSeconds: 2 });
    let steps = 0;
    const first = agent.play(
      match.roomId,
      versionId,
      () => {
        steps++;
        return [7];
      },
      {
        reconnect: false,
        onJoin: (room) => dropAfterTenSteps(room, () => steps),
      },
    );
    await expect(first).rejects.toThrow(/before the match ended/);
    // The old seat's reconnection window runs out mid-match; the new player holds the seat by then.
    const outcome = await agent.play(match.roomId, versionId, () => [7]);
    expect(outcome.status).toBe("finished");
    expect(outcome.forfeit).toBeUndefined();
    const { result } = await storedMatch(match.matchId);
    expect(result.forfeit).toBeUndefined();
  });

  it.skipIf(!postgres.available)("play and store a remote match on PostgreSQL too", async () => {
    const pg = await createTestDatabase("postgres");
    // A second API on PostgreSQL; its rooms live in the file's process-wide matchmaker and are
    // joined through the first server's WebSocket, the room checking keys in its own database.
    const pgApp = await buildApp({ db: pg, version: "remote-test-pg" });
    try {
      await seedLeagues(pg.prisma);
      await registerBuiltinAgents(pg.prisma);
      await pgApp.listen({ port: 0, host: "127.0.0.1" });
      const api = `http://127.0.0.1:${(pgApp.server.address() as AddressInfo).port}`;
      const res = await fetch(`${api}/api/v1/owners`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "pg-owner" }),
      });
      const pgKey = ((await res.json()) as { apiKey: { key: string } }).apiKey.key;
      const http = new RemoteAgentClient({ server: api, apiKey: pgKey });
      const { versionId: pgVersion } = await http.register({ name: "pg-remote", env: "car-soccer-1v1" });
      const match = await http.requestMatch({ versionId: pgVersion, durationSeconds: 5, side: "orange" });
      expect(match.seat).toBe(1);
      const outcome = await new RemoteAgentClient({ server, apiKey: pgKey }).play(
        match.roomId,
        pgVersion,
        () => [7],
      );
      expect(outcome.status).toBe("finished");
      const stored = await pg.prisma.match.findUniqueOrThrow({
        where: { id: match.matchId },
        include: { participants: { orderBy: { slot: "asc" } } },
      });
      expect(stored.status).toBe("finished");
      expect(stored.participants[1]!.versionId).toBe(pgVersion);
      const seats = (stored.result as unknown as { seats: StoredSeat[] }).seats;
      expect(seats[1]!.remote!.decisions).toBe(74);
      expect(seats[1]!.remote!.onTime).toBeGreaterThan(0);
      expect(await pg.prisma.rating.count({ where: { versionId: pgVersion } })).toBe(1);
    } finally {
      await pgApp.close();
      await pg.destroy();
    }
  });

  it("play a checkpoint through `league connect`: registered as a remote version, every answer read as an action, the result stored", async () => {
    const checkpoint = path.resolve(import.meta.dirname, "../../builtins/ppo-selfplay-1v1");
    const run = await leagueCli([
      "connect",
      checkpoint,
      "--server",
      server,
      "--key",
      key,
      "--agent",
      "connected-ppo",
      "--opponent",
      "defender",
      "--seconds",
      "5",
    ]);
    expect(run.code).toBe(0);
    // On a loaded machine an answer may miss its 67 ms deadline; such refusals are only ever late
    // ones, and the CLI's count of them is the one it printed line by line.
    const line =
      /match \S+ finished: blue \d+ – \d+ orange; 75 observations answered, (\d+) answers refused/.exec(
        run.stdout,
      );
    expect(line).not.toBeNull();
    const refusals = run.stderr.split("\n").filter((l) => l.includes("refused"));
    expect(refusals.length).toBe(Number(line![1]));
    for (const refusal of refusals) expect(refusal).toMatch(/answered after its deadline/);
    const matchId = /match (\S+) finished/.exec(run.stdout)![1]!;
    const { match: stored, remote } = await storedMatch(matchId);
    expect(stored.status).toBe("finished");
    const version = await db.prisma.agentVersion.findUniqueOrThrow({
      where: { id: stored.participants[0]!.versionId },
      include: { agent: true },
    });
    expect(version.agent.name).toBe("connected-ppo");
    // Registered with the checkpoint's own interface, as its agent.json names it.
    const onDisk = JSON.parse(await readFile(path.join(checkpoint, "agent.json"), "utf8")) as {
      observationBuilder: string;
      actionParser: string;
    };
    expect(version.manifest).toMatchObject({
      kind: "remote",
      env: "car-soccer-1v1",
      observationBuilder: onDisk.observationBuilder,
      actionParser: onDisk.actionParser,
    });
    expect(remote.decisions).toBe(74);
    expect(remote.malformedAnswers).toBe(0);
    expect(remote.onTime).toBeGreaterThan(0);
    expect(remote.onTime + remote.lateAnswers).toBe(remote.decisions);
    // Once the first answer is used, car 0 is driven by lookup-table actions only.
    const table = Array.from({ length: 90 }, (_, i) => Array.from(controlsOf(i)).join());
    const controls = car0Controls(stored.replay!).map((c) => Array.from(c).join());
    const firstDriven = controls.findIndex((c, i) => i > 0 && table.includes(c));
    expect(firstDriven).toBeGreaterThan(0);
    for (const c of controls.slice(firstDriven)) expect(table).toContain(c);
  });

  it("refuse `league connect` without a server, key or checkpoint, saying what is missing", async () => {
    const noServer = await leagueCli(["connect", "somewhere", "--key", key]);
    expect(noServer.code).toBe(2);
    expect(noServer.stderr).toMatch(/connect needs --server URL/);
    const noCheckpoint = await leagueCli(["connect", "/nonexistent/dir", "--server", server, "--key", key]);
    expect(noCheckpoint.code).toBe(2);
    expect(noCheckpoint.stderr).toMatch(/\/nonexistent\/dir is not a checkpoint folder/);
    const badKey = await leagueCli([
      "connect",
      path.resolve(import.meta.dirname, "../../builtins/ppo-selfplay-1v1"),
      "--server",
      server,
      "--key",
      "not-a-key",
    ]);
    expect(badKey.code).toBe(1);
    expect(badKey.stderr).toMatch(/answered 401/);
  });

  it("never play headless ladder matches, where nobody would answer", async () => {
    expect(await db.prisma.rating.count({ where: { versionId } })).toBe(1);
    const ladder = new Ladder(db.prisma, null, {
      intervalMs: 0,
      seed: 3,
      leagues: ["car-soccer-1v1"],
      headToHeadSeconds: 2,
    });
    const played: string[] = [];
    for (let i = 0; i < 4; i++) {
      const id = await ladder.playNext();
      expect(id).not.toBeNull();
      played.push(id!);
    }
    const seats = await db.prisma.matchParticipant.findMany({ where: { matchId: { in: played } } });
    expect(seats).toHaveLength(8);
    expect(seats.some((s) => s.versionId === versionId)).toBe(false);
  });
});
