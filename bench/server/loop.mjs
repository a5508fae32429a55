// bench/server --part loop: is the server's event loop free while the ladder plays at full speed?
// Starts the real server process (node server/dist/main.js, embedded database, ladder every 1 ms,
// no scheduled live matches) and, from this process, plays one live match with a remote agent on
// loopback (answering at once) watched by 16 spectators, while polling /api/v1/health. Reports
// health latency percentiles, the largest gap between a spectator's patches, the share of the
// remote agent's decisions answered on time (as the server counted them), and ladder matches
// played meanwhile. This process's own event-loop delay is reported too: its lag shows up in
// every figure it measures.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { RemoteAgentClient } from "@league/agents";
import { Client } from "colyseus.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const quantile = (sorted, q) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : null;
const round = (x, d = 1) => (x === null ? null : Number(x.toFixed(d)));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

/**
 * @param {{ seconds: number, spectators: number, matchThreads: string | undefined, log: (m: string) => void }} o
 */
export async function measureLoop({
  seconds,
  spectators: spectatorCount,
  matchThreads,
  ladderIntervalMs = 1,
  log,
}) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "league-bench-loop-"));
  const port = await freePort();
  const server = `http://127.0.0.1:${port}`;
  // BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=DIR") profiles the server process.
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, path.join(root, "server/dist/main.js")], {
    env: {
      ...process.env,
      SERVER_PORT: String(port),
      HOST: "127.0.0.1",
      LEAGUE_DATA_DIR: dataDir,
      LADDER_INTERVAL_MS: String(ladderIntervalMs),
      LIVE_MATCHES: "false",
      LIVE_DUPLICATE_MATCHES: "0",
      LOG_LEVEL: "warn",
      WRITE_RATE_LIMIT: "100000",
      ...(matchThreads !== undefined ? { MATCH_THREADS: matchThreads } : {}),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let serverLog = "";
  child.stdout.on("data", (d) => {
    serverLog += d;
  });
  child.stderr.on("data", (d) => {
    serverLog += d;
  });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  try {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`the server exited: ${serverLog.slice(-2000)}`);
      const ok = await fetch(`${server}/api/v1/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (i > 600) throw new Error("the server did not answer /api/v1/health within 60 s");
      await sleep(100);
    }
    log(`loop: server up on ${server} (MATCH_THREADS=${matchThreads ?? "default"})`);
    const signUp = await fetch(`${server}/api/v1/owners`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "bench-loop" }),
    });
    const apiKey = (await signUp.json()).apiKey.key;
    const agent = new RemoteAgentClient({ server, apiKey });
    const { versionId } = await agent.register({ name: "bench-loop-remote", env: "car-soccer-1v1" });
    // Let the ladder get going (its first pass also validates and sweeps).
    await sleep(2000);
    const finishedBefore = await finishedMatchesByLeague(server);
    const match = await agent.requestMatch({ versionId, durationSeconds: seconds, opponent: "ball-chaser" });
    log(`loop: live match ${match.matchId} (${seconds} s of play) with ${spectatorCount} spectators`);

    // Spectators: the gap between consecutive patches, once the first state has arrived.
    const ws = new Client(server.replace(/^http/, "ws"));
    const watchers = [];
    for (let i = 0; i < spectatorCount; i++) {
      const room = await ws.joinById(match.roomId);
      const w = { room, last: 0, lastStatus: "", maxGap: 0, gaps: [] };
      room.onStateChange((s) => {
        const now = performance.now();
        // A patch goes out only when something changed: during a kickoff or goal pause nothing
        // moves, so only gaps from play to play count.
        if (w.last && w.lastStatus === "playing" && s.status === "playing") {
          const gap = now - w.last;
          w.gaps.push(gap);
          if (gap > w.maxGap) w.maxGap = gap;
        }
        w.last = now;
        w.lastStatus = s.status;
      });
      watchers.push(w);
    }

    const ownLag = monitorEventLoopDelay({ resolution: 5 });
    ownLag.enable();
    let polling = true;
    const health = [];
    let healthErrors = 0;
    const poller = (async () => {
      while (polling) {
        const t = performance.now();
        const res = await fetch(`${server}/api/v1/health`).catch(() => null);
        if (res) await res.arrayBuffer();
        if (!res?.ok) healthErrors++;
        health.push(performance.now() - t);
        await sleep(20);
      }
    })();
    const refusals = { late: 0, other: 0 };
    const end = await agent.play(match.roomId, versionId, () => [7], {
      onRefused: (r) => {
        if (/late/.test(r.reason)) refusals.late++;
        else refusals.other++;
      },
    });
    log(`loop: the live match ended (${end.status})`);
    polling = false;
    await poller;
    ownLag.disable();
    // The room closed at the final whistle; leave whatever is still open without waiting on it.
    for (const w of watchers) if (w.room.connection.isOpen) void w.room.leave().catch(() => {});
    const finishedAfter = await finishedMatchesByLeague(server);
    const stored = await (await fetch(`${server}/api/v1/matches/${match.matchId}`)).json();
    const seat = stored.result?.seats?.find((s) => s.versionId === versionId);
    health.sort((a, b) => a - b);
    const gaps = watchers.flatMap((w) => w.gaps).sort((a, b) => a - b);
    const remote = seat?.remote ?? null;
    return {
      matchThreads: matchThreads ?? "default (cores - 1, at least 1)",
      pgliteThread: process.env.PGLITE_THREAD ?? "server default",
      ladderIntervalMs,
      liveMatchSeconds: seconds,
      matchStatus: end.status,
      health: {
        requests: health.length,
        errors: healthErrors,
        p50Ms: round(quantile(health, 0.5), 2),
        p99Ms: round(quantile(health, 0.99), 2),
        maxMs: round(health.at(-1) ?? null, 2),
      },
      spectators: {
        count: watchers.length,
        patches: gaps.length,
        p99GapMs: round(quantile(gaps, 0.99)),
        maxGapMs: round(gaps.at(-1) ?? null),
        over100Ms: gaps.filter((g) => g > 100).length,
      },
      remote: remote && {
        ...remote,
        onTimeShare: remote.decisions ? Number((remote.onTime / remote.decisions).toFixed(4)) : null,
        lateRefusalsSeen: refusals.late,
      },
      // Ladder matches that failed meanwhile (as the server logged them), and of those the ones a
      // model lost to its inference budget: a thread starved of CPU shows here.
      ladderFailuresLogged: (serverLog.match(/ladder: a match in/g) ?? []).length,
      inferenceBudgetFailures: (serverLog.match(/inference budget/g) ?? []).length,
      ladderMatchesDuringLiveMatch: Object.fromEntries(
        Object.entries(finishedAfter).map(([id, n]) => [id, n - (finishedBefore[id] ?? 0)]),
      ),
      benchProcessEventLoopDelay: {
        p99Ms: round(ownLag.percentile(99) / 1e6, 2),
        maxMs: round(ownLag.max / 1e6, 2),
      },
    };
  } finally {
    child.kill("SIGTERM");
    await Promise.race([exited, sleep(15000)]);
    if (child.exitCode === null) child.kill("SIGKILL");
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Finished matches per league so far, from the public API (the one live match included). */
export async function finishedMatchesByLeague(server) {
  const leagues = (await (await fetch(`${server}/api/v1/leagues`)).json()).items ?? [];
  return Object.fromEntries(leagues.map((l) => [l.id, l.finishedMatches]));
}
