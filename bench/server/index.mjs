// bench/server: headless ladder matches per second per league, concurrent live rooms that keep
// 120 Hz, and leaderboard API throughput with latency percentiles under a loopback load.
// Progress goes to stderr; the last line of stdout is one JSON object.
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { openDatabase } from "@league/db";
import {
  attachRooms,
  buildApp,
  Ladder,
  registerBuiltinAgents,
  registerCarSoccerBots,
  seedLeagues,
  startLiveMatch,
} from "@league/server";
import { Client } from "colyseus.js";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" },
    concurrency: { type: "string", default: "16" },
    "max-rooms": { type: "string", default: "64" },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const maxRooms = Number(values["max-rooms"]);
const log = (m) => process.stderr.write(`${m}\n`);

const dataDir = await mkdtemp(path.join(os.tmpdir(), "league-bench-"));
const db = await openDatabase({ dataDir });
await seedLeagues(db.prisma);
await registerBuiltinAgents(db.prisma);
await registerCarSoccerBots(db.prisma);

// 1. Headless duplicate matches per second, per league.
const matchesPerSecond = {};
const leagues = (
  await db.prisma.league.findMany({ where: { mode: "duplicate" }, orderBy: { id: "asc" } })
).map((l) => l.id);
for (const league of leagues) {
  const ladder = new Ladder(db.prisma, null, { intervalMs: 0, seed: 1, leagues: [league] });
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < seconds * 1000) {
    await ladder.playNext();
    n++;
  }
  matchesPerSecond[league] = Number((n / ((performance.now() - start) / 1000)).toFixed(2));
  log(`headless ${league}: ${matchesPerSecond[league]} matches/s`);
}

// 2. Leaderboard requests per second with latency percentiles, over loopback.
const app = await buildApp({ db, version: "bench" });
await app.listen({ port: 0, host: "127.0.0.1" });
const base = `http://127.0.0.1:${app.server.address().port}`;
const latencies = [];
const until = performance.now() + seconds * 1000;
let errors = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (performance.now() < until) {
      const t = performance.now();
      const res = await fetch(`${base}/api/v1/leagues/bandit-lsd-10/leaderboard?limit=25`);
      await res.arrayBuffer();
      if (!res.ok) errors++;
      latencies.push(performance.now() - t);
    }
  }),
);
latencies.sort((a, b) => a - b);
const pct = (p) =>
  Number(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))].toFixed(2));
const leaderboard = {
  requestsPerSecond: Math.round(latencies.length / seconds),
  p50Ms: pct(50),
  p99Ms: pct(99),
  errors,
  concurrency,
};
log(
  `leaderboard: ${leaderboard.requestsPerSecond} req/s, p50 ${leaderboard.p50Ms} ms, p99 ${leaderboard.p99Ms} ms`,
);
await app.close();

// 3. Live rooms: how many run at once while each still advances 120 ticks per second.
const http = createServer();
const rooms = await attachRooms(http);
await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));
const wsUrl = `ws://127.0.0.1:${http.address().port}`;
const bots = await db.prisma.agentVersion.findMany({
  where: { envId: "car-soccer-1v1" },
  include: { agent: true },
});
const botOf = (v) => v.manifest.bot;
const seats = bots.slice(0, 2).map((v) => ({ versionId: v.id, bot: botOf(v) ?? v.agent.name }));
const client = new Client(wsUrl);
const joined = [];
let keptUp = 0;
let roomTicks = [];
for (let target = 1; target <= maxRooms; target *= 2) {
  while (joined.length < target) {
    const { roomId } = await startLiveMatch(
      { prisma: db.prisma, events: null },
      {
        leagueId: "car-soccer-1v1",
        seats,
        durationSeconds: 600,
        kickoffPauseSeconds: 0,
        goalPauseSeconds: 0,
      },
    );
    const room = await client.joinById(roomId);
    // The tick counter restarts with every kickoff; the match clock (seconds of play left) does not.
    const probe = { room, clock: 0 };
    room.onStateChange((s) => {
      probe.clock = s.clock;
    });
    joined.push(probe);
  }
  await new Promise((r) => setTimeout(r, 1000));
  const before = joined.map((p) => p.clock);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, 3000));
  const elapsed = (performance.now() - t0) / 1000;
  roomTicks = joined.map((p, i) => ((before[i] - p.clock) * 120) / elapsed);
  const slowest = Math.min(...roomTicks);
  log(`live rooms ${target}: slowest room ${slowest.toFixed(1)} ticks/s`);
  // Lag beyond one tick: a room that falls more than one tick per second behind 120 Hz.
  if (slowest < 119) break;
  keptUp = target;
}
for (const p of joined) await p.room.leave().catch(() => {});
await rooms.stop();
await new Promise((resolve) => http.close(resolve));
await db.close();
await rm(dataDir, { recursive: true, force: true });

console.log(
  JSON.stringify({
    benchmark: "server",
    headlessMatchesPerSecond: matchesPerSecond,
    liveRooms: {
      maxConcurrentAt120Hz: keptUp,
      testedUpTo: joined.length,
      slowestTicksPerSecondAtLastStep: Number(Math.min(...roomTicks).toFixed(1)),
      spectatorsPerRoom: 1,
    },
    leaderboard,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      node: process.version,
      database: "pglite",
    },
    parameters: {
      seconds,
      concurrency,
      maxRooms,
      note: "headless matches: duplicate leagues; car-soccer headless matches not yet measured",
    },
  }),
);
process.exit(0);
