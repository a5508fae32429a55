#!/usr/bin/env node
// The server process: configuration, database, seed, HTTP, and a clean stop on SIGINT/SIGTERM.
import { readFileSync } from "node:fs";
import { type Database, openDatabase } from "@league/db";
import { buildApp } from "./app.js";
import { ConfigError, loadConfig } from "./config.js";
import { attachFeed, leagueLookup, PlatformEvents } from "./feed.js";
import { registerBuiltinAgents } from "./league/builtins.js";
import { Ladder } from "./league/ladder.js";
import { LiveScheduler } from "./league/live-scheduler.js";
import { MatchQueue, queueConnection } from "./league/match-queue.js";
import { backfillRewardInsights } from "./league/reward-insight.js";
import { recoverSoleProcess } from "./league/stranded.js";
import { registerTrainedAgents } from "./league/trained-agents.js";
import { createHeadlessPool } from "./match/headless-jobs.js";
import { attachRooms, liveRooms } from "./rooms/index.js";
import { seedLeagues } from "./seed.js";
import { ProbeSlots } from "./submissions/onnx.js";

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  version: string;
};

async function main(): Promise<void> {
  const config = loadConfig();
  const db: Database = await openDatabase({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.LEAGUE_DATA_DIR,
    pgliteThread: config.PGLITE_THREAD,
  });
  const migrated = db.migrations.newlyApplied;
  console.log(
    `database: ${db.kind} at ${db.location}; ` +
      (migrated.length
        ? `applied ${migrated.length} migration(s), now at ${db.migrations.latest}`
        : `at ${db.migrations.latest}`),
  );
  const { created } = await seedLeagues(db.prisma);
  if (created) console.log(`seeded ${created} league(s)`);
  const builtins = await registerBuiltinAgents(db.prisma);
  const trained = await registerTrainedAgents(db.prisma);
  if (trained.missing.length)
    console.log(`trained built-in agent(s) not shipped in this build: ${trained.missing.join(", ")}`);
  const registered = builtins.created + trained.created;
  if (registered) console.log(`registered ${registered} built-in agent version(s)`);
  // Reward insight for shipped and older versions that have none yet, in a worker thread, unawaited.
  void backfillRewardInsights(db.prisma).catch((error: Error) =>
    console.warn(`reward analysis of stored versions: ${error.message}`),
  );

  // Without REDIS_URL this is the one process of the platform (the embedded database admits no other;
  // scaled out needs Redis): whatever the database shows running or validating, a process that died left.
  if (!config.REDIS_URL) {
    const recovered = await recoverSoleProcess(db.prisma, {
      activeVersionsPerAgent: config.ACTIVE_VERSIONS_PER_AGENT,
    });
    for (const m of recovered.matches) console.log(`recovery: aborted match ${m.matchId}: ${m.reason}`);
    for (const v of recovered.validations) console.log(`recovery: version ${v.versionId}: ${v.reason}`);
  }

  const corsOrigins = config.CORS_ORIGINS ?? [
    `http://localhost:${config.WEB_PORT}`,
    `http://127.0.0.1:${config.WEB_PORT}`,
  ];
  const events = new PlatformEvents();
  const app = await buildApp({
    db,
    version,
    logLevel: config.LOG_LEVEL === "info" ? "warn" : config.LOG_LEVEL,
    writeRateLimit: { max: config.WRITE_RATE_LIMIT, windowMs: 60_000 },
    corsOrigins,
    events,
    readCache:
      config.READ_CACHE_MS > 0 ? { maxAgeMs: config.READ_CACHE_MS, redisUrl: config.REDIS_URL } : null,
    placementGames: config.PLACEMENT_GAMES,
    submissionLimits: {
      perOwnerPerDay: config.SUBMISSIONS_PER_DAY,
      activeVersionsPerAgent: config.ACTIVE_VERSIONS_PER_AGENT,
      probeSlots: new ProbeSlots(config.ONNX_PROBES),
    },
    ownerLimits: {
      apiKeysPerOwner: config.API_KEYS_PER_OWNER,
      liveMatchesPerOwner: config.LIVE_MATCHES_PER_OWNER,
      challengesPerOwner: config.CHALLENGES_PER_OWNER,
    },
    remoteMatchSeconds: config.REMOTE_MATCH_SECONDS,
  });
  const io = attachFeed(app.server, events, {
    corsOrigins,
    redisUrl: config.REDIS_URL,
    leagueExists: leagueLookup(db.prisma),
  });
  // After buildApp: Colyseus wraps the HTTP server's request handlers, Fastify's included.
  const rooms = await attachRooms(app.server, {
    redisUrl: config.REDIS_URL,
    publicAddress: config.PUBLIC_ADDRESS ?? `127.0.0.1:${config.SERVER_PORT}`,
  });
  const live = new LiveScheduler(db.prisma, liveRooms({ prisma: db.prisma, events }), {
    intervalMs: 10_000,
    durationSeconds: config.LIVE_MATCH_SECONDS > 0 ? config.LIVE_MATCH_SECONDS : undefined,
    duplicateMatches: config.LIVE_DUPLICATE_MATCHES,
    duplicateStepsPerSecond: config.LIVE_DUPLICATE_STEPS_PER_SECOND,
    seed: (Date.now() + 1) % 2_147_483_647,
    onError: (error, leagueId) =>
      console.error(`live: a match in ${leagueId} could not start: ${error.message}`),
  });
  // Scaled out, ladder matches are jobs that match workers (`league-worker`) play.
  const queueRedis = config.REDIS_URL ? queueConnection(config.REDIS_URL) : null;
  const queue = queueRedis ? new MatchQueue(queueRedis) : null;
  // Headless ladder matches (embedded) and validation matches play in worker threads, off the
  // event loop that serves the API, the live rooms and the feed; threads start when first needed.
  const pool = config.MATCH_THREADS === 0 ? null : createHeadlessPool({ size: config.MATCH_THREADS });
  const ladder = new Ladder(db.prisma, events, {
    ...(queue ? { queue } : {}),
    pool,
    intervalMs: config.LADDER_INTERVAL_MS,
    seed: Date.now() % 2_147_483_647,
    placementGames: config.PLACEMENT_GAMES,
    activeVersionsPerAgent: config.ACTIVE_VERSIONS_PER_AGENT,
    onError: (error, leagueId) => console.error(`ladder: a match in ${leagueId} failed: ${error.message}`),
    // On its first pass and every minute: headless matches stranded queued or running are aborted.
    onStranded: (swept) => {
      for (const m of swept) console.log(`ladder: aborted match ${m.matchId}: ${m.reason}`);
    },
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`server: ${signal} received, stopping`);
    try {
      await ladder.stop();
      await pool?.close();
      await queue?.close();
      queueRedis?.disconnect();
      await live.stop();
      // Aborts any live match still playing, so that nothing is left half-finished.
      await rooms.stop();
      // One whose room was still opening escapes that: alone on the database, nothing is left running.
      if (!config.REDIS_URL) await recoverSoleProcess(db.prisma);
      await io.close();
      await app.close();
      await db.close();
      process.exit(0);
    } catch (error) {
      console.error("server: error while stopping:", error);
      process.exit(1);
    }
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));

  try {
    await app.listen({ port: config.SERVER_PORT, host: config.HOST });
  } catch (error) {
    await db.close();
    throw error;
  }
  if (config.LADDER_INTERVAL_MS > 0) ladder.start();
  if (config.LIVE_MATCHES) live.start();
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.SERVER_PORT;
  console.log(
    `server: listening on http://localhost:${port} (API at /api/v1, health at /api/v1/health, live feed: Socket.IO namespace /feed)`,
  );
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`server: ${error.message}`);
    process.exit(2);
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EADDRINUSE") {
    console.error(
      `server: port already in use (${(error as Error).message}); set SERVER_PORT to another port`,
    );
    process.exit(1);
  }
  console.error(`server: failed to start: ${(error as Error).message}`);
  process.exit(1);
});
