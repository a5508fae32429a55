// Live play while the ladder plays back to back in its headless pool: real colyseus.js
// spectators and a real remote client in one live match. Counts and behaviour, not timings: the
// ladder finishes matches meanwhile (in its worker thread, not on this event loop), every
// spectator keeps receiving patches through the match, and every decision of the remote player is
// counted once. On an idle machine its late answers are zero; on a loaded one they are reported.
import type { AddressInfo } from "node:net";
import { RemoteAgentClient } from "@league/agents";
import { createTestDatabase, type TestDatabase } from "@league/db/testing";
import { Client } from "colyseus.js";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, seedLeagues } from "../../src/index.js";
import { registerBuiltinAgents } from "../../src/league/builtins.js";
import { Ladder } from "../../src/league/ladder.js";
import { createHeadlessPool, type HeadlessPool } from "../../src/match/headless-jobs.js";
import { type AttachedRooms, attachRooms } from "../../src/rooms/index.js";

describe("live play while the ladder plays", () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let rooms: AttachedRooms;
  let pool: HeadlessPool;
  let server = "";

  beforeAll(async () => {
    db = await createTestDatabase("pglite");
    await seedLeagues(db.prisma);
    await registerBuiltinAgents(db.prisma);
    app = await buildApp({ db, version: "0.0.0-test" });
    await app.listen({ port: 0, host: "127.0.0.1" });
    rooms = await attachRooms(app.server);
    server = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    pool = createHeadlessPool({ size: 1 });
  });
  afterAll(async () => {
    await rooms?.stop();
    await pool?.close();
    await app?.close();
    await db?.close();
  });

  it("spectators keep getting patches and the remote player's every decision is counted", async () => {
    const signUp = await fetch(`${server}/api/v1/owners`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "lou" }),
    });
    const apiKey = ((await signUp.json()) as { apiKey: { key: string } }).apiKey.key;
    const agent = new RemoteAgentClient({ server, apiKey });
    const { versionId } = await agent.register({ name: "lou-remote", env: "car-soccer-1v1" });

    const ladder = new Ladder(db.prisma, null, {
      intervalMs: 0,
      seed: 11,
      leagues: ["car-soccer-1v1", "bandit-lsd-10"],
      headToHeadSeconds: 30,
      pool,
    });
    ladder.start();
    const match = await agent.requestMatch({ versionId, opponent: "defender", durationSeconds: 8 });
    const spectators = [];
    for (let i = 0; i < 4; i++) {
      const room = await new Client(server.replace(/^http/, "ws")).joinById(match.roomId);
      const seen = { patches: 0, playingPatches: 0, lastTick: 0, ticksForward: 0 };
      room.onStateChange((s: { status: string; tick: number }) => {
        seen.patches++;
        if (s.status === "playing") seen.playingPatches++;
        if (s.tick > seen.lastTick) seen.ticksForward++;
        seen.lastTick = s.tick;
      });
      spectators.push(seen);
    }
    const end = await agent.play(match.roomId, versionId, () => [7]);
    const playedDuring = ladder.matchesPlayed;
    await ladder.stop();

    expect(end.status).toBe("finished");
    // The ladder kept playing in its thread while the match was live.
    expect(playedDuring).toBeGreaterThan(0);
    expect(pool.counts.done).toBeGreaterThan(0);
    // 8 s of play at 30 patches a second: every spectator saw the game move all along.
    for (const s of spectators) {
      expect(s.playingPatches).toBeGreaterThan(60);
      expect(s.ticksForward).toBeGreaterThan(60);
    }
    const stored = await db.prisma.match.findUniqueOrThrow({ where: { id: match.matchId } });
    const remote = (
      stored.result as { seats: { remote?: { decisions: number; onTime: number; lateAnswers: number } }[] }
    ).seats[0]!.remote!;
    // 8 s at 15 decisions a second; every decision after the first counted once.
    expect(remote.decisions).toBe(119);
    expect(remote.onTime + remote.lateAnswers).toBe(119);
    expect(remote.onTime).toBeGreaterThan(0);
    console.log(`remote player while the ladder played: ${remote.lateAnswers} late of ${remote.decisions}`);
  });
});
