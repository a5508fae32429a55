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
  seedLeagues,
  startLiveMatch,
} from "@league/server";
import { Client } from "colyseus.js";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" },
    concurrency: { type: "string", default: "16" },
    "max-rooms": { type: "string", default: "64" },
    "max-spectators": { type: "string", default: "128" },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const maxRooms = Number(values["max-rooms"]);
const maxSpectators = Number(values["max-spectators"]);
const log = (m) => process.stderr.write(`${m}\n`);

const dataDir = await mkdtemp(path.join(os.tmpdir(), "league-bench-"));
const db = await openDatabase({ dataDir });
await seedLeagues(db.prisma);
await registerBuiltinAgents(db.prisma);

// 1. Headless ladder matches per second, per league: duplicate (bandit, recommender) and
// head-to-head (car-soccer, full-length games between the built-in bots).
const matchesPerSecond = {};
const skipped = {};
const leagues = (await db.prisma.league.findMany({ orderBy: { id: "asc" } })).map((l) => l.id);
for (const league of leagues) {
  const ladder = new Ladder(db.prisma, null, { intervalMs: 0, seed: 1, leagues: [league] });
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < seconds * 1000) {
    if ((await ladder.playNext()) === null) break;
    n++;
  }
  if (n === 0) {
    // 2v2 and 3v3 need four and six distinct agents; say so rather than report zero.
    skipped[league] = "no match could be formed from the registered agents";
    log(`headless ${league}: skipped (${skipped[league]})`);
    continue;
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

// 4. Spectators per room: one live room, spectators doubling until the room falls behind 120 Hz
// or a spectator's view lags (its clock advancing less than 119 ticks of play per second).
// The spectators are colyseus.js clients in this same process, so their decoding shares the CPU.
const { roomId: watchedRoom } = await startLiveMatch(
  { prisma: db.prisma, events: null },
  { leagueId: "car-soccer-1v1", seats, durationSeconds: 600, kickoffPauseSeconds: 0, goalPauseSeconds: 0 },
);
const spectators = [];
let spectatorsKeptUp = 0;
let slowestSpectator = 0;
for (let target = 1; target <= maxSpectators; target *= 2) {
  while (spectators.length < target) {
    const room = await client.joinById(watchedRoom);
    const probe = { room, clock: 0 };
    room.onStateChange((s) => {
      probe.clock = s.clock;
    });
    spectators.push(probe);
  }
  await new Promise((r) => setTimeout(r, 1000));
  const before = spectators.map((p) => p.clock);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, 3000));
  const elapsed = (performance.now() - t0) / 1000;
  slowestSpectator = Math.min(...spectators.map((p, i) => ((before[i] - p.clock) * 120) / elapsed));
  log(`spectators ${target}: slowest view ${slowestSpectator.toFixed(1)} ticks/s`);
  if (slowestSpectator < 119) break;
  spectatorsKeptUp = target;
}
for (const p of spectators) await p.room.leave().catch(() => {});
await rooms.stop();
await new Promise((resolve) => http.close(resolve));
await db.close();
await rm(dataDir, { recursive: true, force: true });

console.log(
  JSON.stringify({
    benchmark: "server",
    headlessMatchesPerSecond: matchesPerSecond,
    headlessSkipped: skipped,
    liveRooms: {
      maxConcurrentAt120Hz: keptUp,
      testedUpTo: joined.length,
      slowestTicksPerSecondAtLastStep: Number(Math.min(...roomTicks).toFixed(1)),
    },
    spectators: {
      maxPerRoomAt120Hz: spectatorsKeptUp,
      testedUpTo: spectators.length,
      slowestViewTicksPerSecondAtLastStep: Number(slowestSpectator.toFixed(1)),
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
      maxSpectators,
      note: "car-soccer headless matches are full-length games between built-in bots",
    },
  }),
);
process.exit(0);
