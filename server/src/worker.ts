#!/usr/bin/env node
// A match worker: takes ladder matches from the Redis queue (REDIS_URL), plays them headless and
// writes their results to PostgreSQL (DATABASE_URL); its feed events reach spectators of every
// server process through Socket.IO's Redis adapter. Run as many as the ladder needs.
import { openDatabase } from "@league/db";
import { createAdapter } from "@socket.io/redis-adapter";
import { Redis } from "ioredis";
import { Server as SocketServer } from "socket.io";
import { ConfigError, loadConfig } from "./config.js";
import { FEED_REDIS_KEY, PlatformEvents, relayEvents } from "./feed.js";
import { queueConnection, startMatchWorker } from "./league/match-queue.js";
import { publishReadCacheChanges } from "./read-cache.js";

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.REDIS_URL)
    throw new ConfigError("a match worker needs REDIS_URL: it takes its matches from the Redis queue");
  if (!config.DATABASE_URL)
    throw new ConfigError(
      "a match worker needs DATABASE_URL (PostgreSQL): the embedded database belongs to one process",
    );
  const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.LEAGUE_DATA_DIR });
  // A Socket.IO server with no HTTP server of its own: its broadcasts go out through Redis only.
  const pub = new Redis(config.REDIS_URL);
  const sub = pub.duplicate();
  const io = new SocketServer({ serveClient: false });
  io.adapter(createAdapter(pub, sub, { key: FEED_REDIS_KEY }));
  const events = new PlatformEvents();
  relayEvents(events, io.of("/feed"));
  // The servers' read caches learn of this worker's finished matches over the same Redis.
  publishReadCacheChanges(events, pub);
  const connection = queueConnection(config.REDIS_URL);
  let played = 0;
  const worker = startMatchWorker(db.prisma, events, connection, {
    concurrency: config.WORKER_CONCURRENCY,
    lockDurationMs: config.WORKER_LOCK_MS,
    stalledIntervalMs: Math.max(500, Math.round(config.WORKER_LOCK_MS / 2)),
    onStarted: (job) => console.log(`worker: playing match ${job.matchId} in ${job.leagueId}`),
    onPlayed: (job, finished) => {
      played++;
      console.log(
        // A match whose lock ran out (a loaded machine) may be played twice; only one storing applies.
        `worker: ${finished?.applied ? "played" : "skipped (already stored)"} match ${job.matchId} in ${job.leagueId} (${played} so far)`,
      );
    },
    onFailed: (job, error, { final, attemptsMade, aborted }) =>
      console.error(
        `worker: match ${job?.matchId ?? "?"} failed (attempt ${attemptsMade}): ${error.message}; ` +
          (final ? (aborted ? "no more retries, match aborted" : "no more retries") : "the queue retries it"),
      ),
  });
  await worker.waitUntilReady();
  console.log(`worker: ready, ${config.WORKER_CONCURRENCY} match(es) at a time, database ${db.kind}`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`worker: ${signal} received, finishing the matches in hand`);
    try {
      // Waits for the jobs in hand; a match cut short would be retried by another worker anyway.
      await worker.close();
      connection.disconnect();
      // No HTTP server and no sockets to close: ending the adapter's Redis connections is all.
      pub.disconnect();
      sub.disconnect();
      await db.close();
      process.exit(0);
    } catch (error) {
      console.error("worker: error while stopping:", error);
      process.exit(1);
    }
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error: unknown) => {
  console.error(
    `worker: ${error instanceof ConfigError ? "" : "failed to start: "}${(error as Error).message}`,
  );
  process.exit(error instanceof ConfigError ? 2 : 1);
});
