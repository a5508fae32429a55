// bench/api: read throughput and latency of every read endpoint of the HTTP API under a loopback
// load (wrk, 32 connections; autocannon with --load-tool autocannon), with the ladder playing, on
// PGlite and/or PostgreSQL. The server runs as `npm start` runs it (server/dist/main.js, its own
// process); the leaderboard is measured with the read cache on and off, side by side; the replay
// beside a bare node:http server answering the same number of bytes (what the machine and load tool
// carry). Run `npm run build` first.
// Progress goes to stderr; the last line of stdout is one JSON object.
import { execFileSync, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import pg from "pg";

const { values } = parseArgs({
  options: {
    db: { type: "string", default: "pglite,postgres" },
    seconds: { type: "string", default: "8" },
    connections: { type: "string", default: "32" },
    warmup: { type: "string", default: "20" },
    "ladder-interval-ms": { type: "string", default: "100" },
    // What every browser, curl --compressed and fetch send; "identity" measures uncompressed bytes.
    "accept-encoding": { type: "string", default: "gzip, deflate, br" },
    // wrk (C, one thread: the server keeps the other core); autocannon parses every answer in
    // JavaScript and tops out near 600 answers/s at 112 KB on this machine, below the server.
    "load-tool": { type: "string", default: "wrk" },
  },
});
if (!["wrk", "autocannon"].includes(values["load-tool"]))
  throw new Error(`--load-tool: wrk or autocannon, not ${values["load-tool"]}`);
if (values["load-tool"] === "wrk") {
  try {
    execFileSync("wrk", ["--version"], { stdio: "ignore" });
  } catch (error) {
    // wrk --version exits 1 after printing its version; only a missing binary is fatal.
    if (error.code === "ENOENT")
      throw new Error("wrk not found: apt-get install wrk, or --load-tool autocannon");
  }
}
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const warmupSeconds = Number(values.warmup);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const log = (m) => process.stderr.write(`${m}\n`);
const postgresBase = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

async function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function freshPostgres(name) {
  const admin = new pg.Client({ connectionString: postgresBase });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(postgresBase);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Starts the server as its own process; resolves once /api/v1/health answers. */
async function startServer(kind, env) {
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "league-bench-api-"));
  const databaseUrl = kind === "postgres" ? await freshPostgres(`bench_api_${process.pid}`) : undefined;
  const child = spawn(process.execPath, [path.join(root, "server/dist/main.js")], {
    env: {
      ...process.env,
      SERVER_PORT: String(port),
      HOST: "127.0.0.1",
      LEAGUE_DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
      LIVE_MATCHES: "off",
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      ...env,
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/api/v1/health`)).ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error("server did not answer within 120 s");
    await new Promise((r) => setTimeout(r, 250));
  }
  const stop = async () => {
    child.kill("SIGTERM");
    await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
    await rm(dataDir, { recursive: true, force: true });
  };
  return { base, stop };
}

async function load(url) {
  return values["load-tool"] === "wrk" ? loadWrk(url) : loadAutocannon(url);
}

async function loadAutocannon(url) {
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    headers: { "accept-encoding": values["accept-encoding"] },
  });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    // Bytes on the wire per answer, headers included (compressed where the client accepts it).
    bytesPerAnswer: Math.round(result.throughput.total / Math.max(1, result.requests.total)),
  };
}

// wrk's summary as one JSON line (latencies in µs); its own report is for people.
const wrkScript = `done = function(s, latency, r)
  io.write(string.format('WRK {"requests":%d,"us":%d,"bytes":%d,"status":%d,"errors":%d,"p50":%d,"p99":%d,"max":%d}\\n',
    s.requests, s.duration, s.bytes, s.errors.status,
    s.errors.connect + s.errors.read + s.errors.write + s.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end`;

const wrkScriptFile = path.join(os.tmpdir(), `bench-api-wrk-${process.pid}.lua`);
let wrkScriptWritten = null;

async function loadWrk(url) {
  wrkScriptWritten ??= writeFile(wrkScriptFile, wrkScript);
  await wrkScriptWritten;
  const script = wrkScriptFile;
  const args = ["-t1", `-c${connections}`, `-d${seconds}s`, "-s", script];
  args.push("-H", `accept-encoding: ${values["accept-encoding"]}`, url);
  const child = spawn("wrk", args, { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  const code = await new Promise((r) => child.once("exit", r));
  const line = out.split("\n").find((l) => l.startsWith("WRK "));
  if (code !== 0 || !line) throw new Error(`wrk exited with ${code}: ${out}`);
  const w = JSON.parse(line.slice(4));
  const ms = (us) => Math.round(us / 10) / 100;
  return {
    requestsPerSecond: Math.round(w.requests / (w.us / 1e6)),
    p50Ms: ms(w.p50),
    p99Ms: ms(w.p99),
    maxMs: ms(w.max),
    non2xx: w.status,
    errors: w.errors,
    // Bytes on the wire per answer, headers included (compressed where the client accepts it).
    bytesPerAnswer: Math.round(w.bytes / Math.max(1, w.requests)),
  };
}

/** Every read endpoint, with ids taken from what the ladder has played by now. */
async function readEndpoints(base) {
  const json = async (p) => (await fetch(base + p)).json();
  const board = await json("/api/v1/leagues/car-soccer-1v1/leaderboard?limit=20");
  const top = board.items[0];
  const matches = await json("/api/v1/leagues/car-soccer-1v1/matches?limit=1");
  const matchId = matches.items[0]?.id;
  const endpoints = {
    health: "/api/v1/health",
    leagues: "/api/v1/leagues",
    league: "/api/v1/leagues/car-soccer-1v1",
    leaderboard: "/api/v1/leagues/car-soccer-1v1/leaderboard?limit=20",
    leagueMatches: "/api/v1/leagues/car-soccer-1v1/matches?limit=20",
    matches: "/api/v1/matches?limit=20",
    liveMatches: "/api/v1/matches/live",
    agent: `/api/v1/agents/${top.agent.id}`,
    headToHead: `/api/v1/agents/${top.agent.id}/head-to-head`,
    versionRatings: `/api/v1/versions/${top.versionId}/ratings?league=car-soccer-1v1`,
    ownerAgents: "/api/v1/owners/league/agents",
  };
  if (matchId) {
    endpoints.match = `/api/v1/matches/${matchId}`;
    endpoints.replay = `/api/v1/matches/${matchId}/replay`;
  }
  return endpoints;
}

/**
 * What this machine and load tool carry for answers the replay's size, with the league's server
 * still playing its ladder: a bare node:http process that answers every request with that many
 * bytes from memory, no routing, no cache, no database. The replay route is bound by its bytes when
 * it comes close to this.
 */
async function bareServerCeiling(replay) {
  const bytes = Math.max(1, replay.bytesPerAnswer - 200);
  const port = await freePort();
  const code = `
    const body = require("node:crypto").randomBytes(${bytes});
    require("node:http").createServer((req, res) => {
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": body.length });
      res.end(body);
    }).listen(${port}, "127.0.0.1", () => process.stdout.write("ready\\n"));`;
  const child = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise((resolve) => child.stdout.once("data", resolve));
  try {
    const r = await load(`http://127.0.0.1:${port}/`);
    log(
      `bare node:http, ${bytes}-byte answers: ${r.requestsPerSecond} req/s (the replay: ${replay.requestsPerSecond})`,
    );
    return { bodyBytes: bytes, ...r };
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
  }
}

async function measure(kind) {
  const result = { endpoints: {}, leaderboardWithoutCache: null, finishedMatchesAtStart: 0 };
  const ladder = { LADDER_INTERVAL_MS: values["ladder-interval-ms"] };
  // The leaderboard without the read cache first, in its own server, for the side-by-side figure.
  {
    const server = await startServer(kind, { ...ladder, READ_CACHE_MS: "0" });
    await new Promise((r) => setTimeout(r, warmupSeconds * 1000));
    log(`${kind}: leaderboard, read cache off`);
    result.leaderboardWithoutCache = await load(
      `${server.base}/api/v1/leagues/car-soccer-1v1/leaderboard?limit=20`,
    );
    await server.stop();
  }
  const server = await startServer(kind, ladder);
  await new Promise((r) => setTimeout(r, warmupSeconds * 1000));
  const leagues = await (await fetch(`${server.base}/api/v1/leagues`)).json();
  result.finishedMatchesAtStart = leagues.items.reduce((n, l) => n + l.finishedMatches, 0);
  const endpoints = await readEndpoints(server.base);
  if (endpoints.replay) {
    // The replay differs per run (the ladder's own latest match): its size says what each answer costs.
    const raw = await fetch(server.base + endpoints.replay, { headers: { "accept-encoding": "identity" } });
    if (!raw.ok) throw new Error(`${endpoints.replay} answered ${raw.status}`);
    result.replayFile = { bytes: (await raw.arrayBuffer()).byteLength, path: endpoints.replay };
  }
  const names = Object.keys(endpoints);
  for (const [i, name] of names.entries()) {
    const started = Date.now();
    result.endpoints[name] = await load(server.base + endpoints[name]);
    const r = result.endpoints[name];
    const eta = Math.round(((Date.now() - started) / 1000) * (names.length - i - 1));
    log(
      `${kind} [${i + 1}/${names.length}] ${name}: ${r.requestsPerSecond} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms${r.non2xx ? `, ${r.non2xx} non-2xx` : ""} (ETA ${eta} s)`,
    );
  }
  if (result.endpoints.replay) result.replayCeiling = await bareServerCeiling(result.endpoints.replay);
  const after = await (await fetch(`${server.base}/api/v1/leagues`)).json();
  result.finishedMatchesDuringLoad =
    after.items.reduce((n, l) => n + l.finishedMatches, 0) - result.finishedMatchesAtStart;
  await server.stop();
  return result;
}

const results = {};
for (const kind of values.db.split(",")) {
  if (kind !== "pglite" && kind !== "postgres") throw new Error(`--db: pglite or postgres, not ${kind}`);
  results[kind] = await measure(kind);
}
await rm(wrkScriptFile, { force: true });
console.log(
  JSON.stringify({
    bench: "api",
    machine: { cores: os.cpus().length, node: process.version, loadAverage: os.loadavg() },
    parameters: {
      loadTool: values["load-tool"],
      connections,
      secondsPerEndpoint: seconds,
      warmupSeconds,
      ladderIntervalMs: Number(values["ladder-interval-ms"]),
    },
    targets: {
      leaderboardPostgres: ">= 3000 req/s, p99 < 25 ms",
      leaderboardPglite: ">= 1500 req/s",
      otherReads: ">= 1000 req/s",
    },
    results,
  }),
);
