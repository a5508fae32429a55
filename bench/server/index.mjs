// bench/server: headless ladder matches per second per league, leaderboard API throughput with
// latency percentiles under a loopback load, live rooms per process that keep every tick on time
// (counted in the server), spectators per room; `--part loop` the event loop while the ladder plays
// at full speed (a real server process, a remote agent and 16 spectators); `--part ladder` ladder
// throughput and a new version's time to σ < 3; `--part settle` the car-soccer-1v1 ladder until
// every version's σ < 3 and its leaderboard then; `--part rooms` live rooms per process alone.
// Each part but settle stays within about two minutes.
// Progress goes to stderr; the last line of stdout is one JSON object.
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { matchMaker } from "@colyseus/core";
import { openDatabase } from "@league/db";
import {
  attachRooms,
  buildApp,
  createHeadlessPool,
  Ladder,
  registerBuiltinAgents,
  registerTrainedAgents,
  seedLeagues,
  startLiveMatch,
} from "@league/server";
import { Client } from "colyseus.js";
import { measureLadder } from "./ladder.mjs";
import { measureLoop } from "./loop.mjs";
import { idleClockBaseline, measureRooms, roomSteps } from "./rooms.mjs";
import { measureSettle } from "./settle.mjs";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" },
    concurrency: { type: "string", default: "16" },
    "max-rooms": { type: "string", default: "64" },
    "max-spectators": { type: "string", default: "128" },
    part: { type: "string", default: "main" },
    "loop-seconds": { type: "string", default: "45" },
    "ladder-interval-ms": { type: "string", default: "1" },
    "match-threads": { type: "string" },
    "ladder-seconds": { type: "string", default: "90" },
    newcomer: { type: "string", default: "model" },
    "settle-seconds": { type: "string", default: "600" },
  },
});
const part = values.part;
if (!["main", "loop", "ladder", "settle", "rooms"].includes(part)) {
  console.error(`--part must be main, loop, ladder, settle or rooms, got ${JSON.stringify(part)}`);
  process.exit(2);
}
const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model,
  loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))),
  node: process.version,
  database: "pglite",
  // PGLITE_THREAD=1 runs the embedded database on a worker thread of its own (prisma/README.md).
  pgliteThread: process.env.PGLITE_THREAD?.trim() === "1",
  // Node flags the bench ran with (e.g. a GC setting under test).
  execArgv: process.execArgv,
};
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const maxRooms = Number(values["max-rooms"]);
const maxSpectators = Number(values["max-spectators"]);
const log = (m) => process.stderr.write(`${m}\n`);

if (part === "loop") {
  const loop = await measureLoop({
    seconds: Number(values["loop-seconds"]),
    spectators: 16,
    matchThreads: values["match-threads"],
    ladderIntervalMs: Number(values["ladder-interval-ms"]),
    log,
  });
  console.log(JSON.stringify({ benchmark: "server", part, loop, machine }));
  process.exit(0);
}

const dataDir = await mkdtemp(path.join(os.tmpdir(), "league-bench-"));
const db = await openDatabase({ dataDir });
await seedLeagues(db.prisma);
await registerBuiltinAgents(db.prisma);

/** Live rooms per process (rooms.mjs) on a fresh HTTP server of this process. */
async function liveRoomsPart() {
  // First the machine alone: the same clock in an idle process, as many windows as room steps.
  const idleClock = await idleClockBaseline({ windows: roomSteps(maxRooms).length, windowSeconds: 3 });
  log(
    `idle 120 Hz clock: a late tick in ${idleClock.windowsWithALateTick} of ${idleClock.windows} windows of 3 s (late ticks ${idleClock.lateTicksPerWindow.join(", ")}; worst ${idleClock.worstLateMs} ms)`,
  );
  const http = createServer();
  const rooms = await attachRooms(http);
  await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));
  const wsUrl = `ws://127.0.0.1:${http.address().port}`;
  const liveRooms = await measureRooms({
    prisma: db.prisma,
    url: wsUrl,
    maxRooms,
    windowSeconds: 3,
    spectatorsPerRoom: 2,
    log,
  });
  return { http, rooms, wsUrl, liveRooms: { ...liveRooms, idleClock } };
}

if (part === "settle") {
  await registerTrainedAgents(db.prisma);
  const threads = values["match-threads"];
  const pool = threads === "0" ? null : createHeadlessPool(threads ? { size: Number(threads) } : {});
  const settle = await measureSettle({
    prisma: db.prisma,
    pool,
    seconds: Number(values["settle-seconds"]),
    log,
  });
  await pool?.close();
  await db.close();
  await rm(dataDir, { recursive: true, force: true });
  console.log(JSON.stringify({ benchmark: "server", part, settle, machine }));
  process.exit(0);
}
if (part === "rooms") {
  const { rooms, liveRooms } = await liveRoomsPart();
  for (const roomId of liveRooms.roomIds) await matchMaker.getLocalRoomById(roomId)?.disconnect();
  await rooms.stop();
  await db.close();
  await rm(dataDir, { recursive: true, force: true });
  const { roomIds, ...report } = liveRooms;
  console.log(JSON.stringify({ benchmark: "server", part, liveRooms: report, machine }));
  process.exit(0);
}
if (part === "ladder") {
  await registerTrainedAgents(db.prisma);
  const threads = values["match-threads"];
  const pool = threads === "0" ? null : createHeadlessPool(threads ? { size: Number(threads) } : {});
  const ladder = await measureLadder({
    prisma: db.prisma,
    pool,
    seconds: Number(values["ladder-seconds"]),
    newcomerKind: values.newcomer,
    log,
  });
  await pool?.close();
  await db.close();
  await rm(dataDir, { recursive: true, force: true });
  console.log(JSON.stringify({ benchmark: "server", part, ladder, machine }));
  process.exit(0);
}

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

// 3. Live rooms per process: two spectators each, every tick on time as the server counts it.
const { http, rooms, wsUrl, liveRooms } = await liveRoomsPart();

// 4. Spectators per room: one live room, spectators doubling until the room falls behind 120 Hz
// or a spectator's view lags (its clock advancing less than 119 ticks of play per second).
// The spectators are colyseus.js clients in this same process, so their decoding shares the CPU.
// The rooms of part 3 are closed first (their matches aborted: the server stopped them).
for (const step of liveRooms.roomIds) await matchMaker.getLocalRoomById(step)?.disconnect();
const versions1v1 = await db.prisma.agentVersion.findMany({ where: { envId: "car-soccer-1v1" } });
const seats = versions1v1
  .filter((v) => v.manifest?.kind === "scripted" && typeof v.manifest.bot === "string")
  .slice(0, 2)
  .map((v) => ({ versionId: v.id, bot: v.manifest.bot }));
const client = new Client(wsUrl);
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
    liveRooms: { ...liveRooms, roomIds: undefined },
    spectators: {
      maxPerRoomAt120Hz: spectatorsKeptUp,
      testedUpTo: spectators.length,
      slowestViewTicksPerSecondAtLastStep: Number(slowestSpectator.toFixed(1)),
    },
    leaderboard,
    machine,
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
