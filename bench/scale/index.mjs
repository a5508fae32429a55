// bench/scale: ladder matches per second played by 1, 2 and 4 match-worker processes
// (server/dist/worker.js) taking BullMQ jobs from Redis and storing results in PostgreSQL, and the
// ratio to one worker. The matches are created and queued by the ladder's own code before the
// clock starts; the clock stops when the last one is stored. Needs PostgreSQL (TEST_DATABASE_URL,
// a throw-away database is created and dropped) and Redis (--redis, a database index it flushes).
// Then leaderboard requests per second and p99 latency under a loopback load, on PGlite and on
// PostgreSQL (the ratings the workers wrote). Live rooms per process are measured by bench/server.
// Progress goes to stderr; the last line of stdout is one JSON object.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { openDatabase } from "@league/db";
import { createPostgresDatabase, dropPostgresDatabase, probePostgres } from "@league/db/testing";
import {
  buildApp,
  Ladder,
  MatchQueue,
  queueConnection,
  registerBuiltinAgents,
  seedLeagues,
} from "@league/server";

const { values } = parseArgs({
  options: {
    league: { type: "string", default: "bandit-bernoulli-10" },
    matches: { type: "string", default: "40" },
    workers: { type: "string", default: "1,2,4" },
    // Database 14: the scale and queue tests flush 12 and 13.
    redis: { type: "string", default: "redis://127.0.0.1:6379/14" },
    seconds: { type: "string", default: "5" },
    concurrency: { type: "string", default: "16" },
  },
});
const log = (m) => process.stderr.write(`${m}\n`);
function fail(message) {
  console.error(`bench/scale: ${message}`);
  process.exit(2);
}
const matches = Number(values.matches);
if (!Number.isInteger(matches) || matches < 1 || matches > 10_000)
  fail(`--matches must be 1..10000, got "${values.matches}"`);
const workerCounts = values.workers.split(",").map(Number);
if (workerCounts.some((n) => !Number.isInteger(n) || n < 1 || n > 32))
  fail(`--workers must be a comma-separated list of 1..32, got "${values.workers}"`);
if (!/^rediss?:\/\//.test(values.redis)) fail(`--redis must be a redis:// URL, got "${values.redis}"`);

const loadSeconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
if (!(loadSeconds > 0 && loadSeconds <= 600)) fail(`--seconds must be in (0, 600], got "${values.seconds}"`);
if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1024)
  fail(`--concurrency must be 1..1024, got "${values.concurrency}"`);

/** Leaderboard requests per second and latency percentiles, `concurrency` clients over loopback. */
async function leaderboardLoad(database, league) {
  const app = await buildApp({ db: database, version: "bench" });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const url = `http://127.0.0.1:${app.server.address().port}/api/v1/leagues/${league}/leaderboard?limit=25`;
  const latencies = [];
  let errors = 0;
  const until = performance.now() + loadSeconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        const res = await fetch(url);
        await res.arrayBuffer();
        if (!res.ok) errors++;
        latencies.push(performance.now() - t);
      }
    }),
  );
  await app.close();
  latencies.sort((a, b) => a - b);
  const pct = (q) =>
    Number(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(2));
  return {
    requestsPerSecond: Math.round(latencies.length / loadSeconds),
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    errors,
    concurrency,
  };
}

const postgres = await probePostgres();
if (!postgres.available) fail(postgres.reason);
const workerJs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../server/dist/worker.js");

const { url: databaseUrl } = await createPostgresDatabase();
const db = await openDatabase({ databaseUrl });
const connection = queueConnection(values.redis);
const children = [];
try {
  await seedLeagues(db.prisma);
  await registerBuiltinAgents(db.prisma);
  if (!(await db.prisma.league.findUnique({ where: { id: values.league } })))
    fail(`no league "${values.league}"`);

  const results = [];
  for (const [run, count] of workerCounts.entries()) {
    await connection.flushdb();
    const queue = new MatchQueue(connection);
    // Queue every match first: the ladder creates the rows and the jobs (job id = match id).
    const ladder = new Ladder(db.prisma, null, {
      intervalMs: 0,
      seed: 1000 + run,
      leagues: [values.league],
      queue,
      maxBacklog: matches + 1,
    });
    // Paused until every worker is ready, so that none starts ahead of the clock.
    await queue.queue.pause();
    const ids = [];
    for (let i = 0; i < matches; i++) {
      const id = await ladder.playNext();
      if (!id) fail(`the ladder could not form a match in ${values.league}`);
      ids.push(id);
    }
    // The queue holds the jobs; workers start now, and the clock when all are ready.
    const procs = Array.from({ length: count }, () => {
      const child = spawn(process.execPath, [workerJs], {
        env: { ...process.env, DATABASE_URL: databaseUrl, REDIS_URL: values.redis, LOG_LEVEL: "warn" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (d) => (output += d));
      child.stderr.on("data", (d) => (output += d));
      children.push(child);
      return { child, output: () => output };
    });
    while (!procs.every((p) => p.output().includes("worker: ready"))) {
      const dead = procs.find((p) => p.child.exitCode !== null);
      if (dead) fail(`a worker exited: ${dead.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await queue.queue.resume();
    const start = performance.now();
    let done = 0;
    while (done < matches) {
      await new Promise((r) => setTimeout(r, 50));
      done = await db.prisma.match.count({
        where: { id: { in: ids }, status: { in: ["finished", "aborted"] } },
      });
    }
    const seconds = (performance.now() - start) / 1000;
    const abortedRows = await db.prisma.match.findMany({
      where: { id: { in: ids }, status: "aborted" },
      select: { error: true },
    });
    const aborted = abortedRows.length;
    for (const { error } of abortedRows) log(`aborted: ${error}`);
    for (const p of procs) p.child.kill("SIGTERM");
    await Promise.all(
      procs.map((p) => (p.child.exitCode === null ? new Promise((r) => p.child.on("exit", r)) : null)),
    );
    await queue.close();
    const perSecond = Number((matches / seconds).toFixed(2));
    results.push({
      workers: count,
      seconds: Number(seconds.toFixed(2)),
      matchesPerSecond: perSecond,
      aborted,
    });
    log(
      `${count} worker(s): ${matches} matches in ${seconds.toFixed(2)} s, ${perSecond}/s, ${aborted} aborted`,
    );
  }
  const one = results.find((r) => r.workers === 1)?.matchesPerSecond;
  for (const r of results) r.ratioToOne = one ? Number((r.matchesPerSecond / one).toFixed(2)) : null;
  const leaderboard = { postgres: await leaderboardLoad(db, values.league) };
  log(`leaderboard on postgres: ${JSON.stringify(leaderboard.postgres)}`);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "league-bench-scale-"));
  const lite = await openDatabase({ dataDir });
  try {
    await seedLeagues(lite.prisma);
    await registerBuiltinAgents(lite.prisma);
    leaderboard.pglite = await leaderboardLoad(lite, values.league);
    log(`leaderboard on pglite: ${JSON.stringify(leaderboard.pglite)}`);
  } finally {
    await lite.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  console.log(
    JSON.stringify({
      bench: "scale",
      workerDatabase: "postgres",
      queue: "bullmq on redis",
      league: values.league,
      matches,
      cores: os.availableParallelism(),
      results,
      leaderboard,
    }),
  );
} finally {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  connection.disconnect();
  await db.close();
  await dropPostgresDatabase(databaseUrl);
}
