// bench/web: what a visitor's browser gets from a real server and web site on this machine, in
// Debian's Chromium (playwright-core): per route the time to first render (first contentful paint
// and the moment the route's content is on screen), and its page weight (bytes over the wire,
// requests, and hosts other than this machine); frames per second of the live views while they
// play — a car-soccer 3v3 match (6 cars, three.js) and a bandit match (curves and bars); and, with
// the server stopped, how soon the home page and a leaderboard say so.
// Needs the build: npm run build. Progress goes to stderr; the last line of stdout is one JSON object.
// Options: --runs N page loads per route, each in a fresh browser context (default 3; medians
// reported), --fps-seconds S per frame-rate figure (default 5), --fps-runs N live car-soccer
// frame-rate figures in fresh pages (default 1; the median run and the range reported),
// --settle-seconds S the live 3D field runs first while its resolution adapts (default 20),
// --ladder-matches N rated before measuring (default 30), --trace FILE a Chromium trace of the
// first live car-soccer frame-rate window.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { openDatabase } from "@league/db";
import {
  attachFeed,
  attachRooms,
  buildApp,
  Ladder,
  PlatformEvents,
  registerBuiltinAgents,
  seedLeagues,
  startLiveDuplicateMatch,
  startLiveMatch,
} from "@league/server";
import { chromium } from "playwright-core";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const CHROMIUM = "/usr/bin/chromium";
const log = (m) => process.stderr.write(`${m}\n`);
const fail = (m) => {
  console.error(`bench/web: ${m}`);
  process.exit(2);
};

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    "fps-seconds": { type: "string", default: "5" },
    "ladder-matches": { type: "string", default: "30" },
    "settle-seconds": { type: "string", default: "20" },
    // The live car-soccer frame rate, measured this many times in fresh pages (one run swings ±2 fps).
    "fps-runs": { type: "string", default: "1" },
    // A Chromium trace of the live car-soccer frame-rate window, for chrome://tracing or Perfetto.
    trace: { type: "string" },
  },
});
const positive = (name, integer) => {
  const v = Number(values[name]);
  if (!(v > 0) || (integer && !Number.isInteger(v)))
    fail(`--${name} must be a positive ${integer ? "integer" : "number"}, got "${values[name]}"`);
  return v;
};
const runs = positive("runs", true);
const fpsSeconds = positive("fps-seconds", false);
const ladderMatches = positive("ladder-matches", true);
const settleSeconds = positive("settle-seconds", false);
const fpsRuns = positive("fps-runs", true);
if (!existsSync(CHROMIUM)) fail(`${CHROMIUM} is missing: apt-get install -y chromium`);
if (!existsSync(path.join(ROOT, "web", ".next", "BUILD_ID")))
  fail("the web site is not built: npm run build");

async function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

const median = (xs) => {
  const s = xs.filter((x) => typeof x === "number").sort((a, b) => a - b);
  if (s.length === 0) return null;
  const m = Math.floor(s.length / 2);
  return Number((s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2).toFixed(1));
};

// 1. The league server, in this process: the same app, feed and rooms that `npm start` runs.
const dataDir = await mkdtemp(path.join(os.tmpdir(), "league-bench-web-"));
const [serverPort, webPort] = [await freePort(), await freePort()];
const webOrigin = `http://127.0.0.1:${webPort}`;
const db = await openDatabase({ dataDir });
await seedLeagues(db.prisma);
await registerBuiltinAgents(db.prisma);
const events = new PlatformEvents();
const app = await buildApp({ db, version: "bench", events, corsOrigins: [webOrigin] });
const io = attachFeed(app.server, events, { corsOrigins: [webOrigin] });
const rooms = await attachRooms(app.server);
await app.listen({ port: serverPort, host: "127.0.0.1" });
const api = `http://127.0.0.1:${serverPort}`;

// A rated leaderboard to draw.
const ladder = new Ladder(db.prisma, events, { intervalMs: 0, seed: 1, leagues: ["bandit-lsd-10"] });
for (let i = 0; i < ladderMatches; i++) await ladder.playNext();
const finished = await db.prisma.match.findFirst({
  where: { leagueId: "bandit-lsd-10", status: "finished" },
  include: { participants: { include: { version: true } } },
});
// Live matches to watch: six cars (six distinct built-in bots, as a live match needs) and a bandit
// match slow enough to outlast the measurements.
const bots = (await db.prisma.agentVersion.findMany({ where: { envId: "car-soccer-3v3" } })).slice(0, 6);
const carSoccer = await startLiveMatch(
  { prisma: db.prisma, events },
  {
    leagueId: "car-soccer-3v3",
    seats: bots.map((v) => ({ versionId: v.id, bot: v.manifest.bot })),
    durationSeconds: 3600,
  },
);
const banditPlayers = await db.prisma.rating.findMany({
  where: { leagueId: "bandit-lsd-10" },
  orderBy: { ordinal: "desc" },
  take: 4,
});
const bandit = await startLiveDuplicateMatch(
  { prisma: db.prisma, events },
  { leagueId: "bandit-lsd-10", versionIds: banditPlayers.map((r) => r.versionId), stepsPerSecond: 10 },
);
log(`server on ${api}: ${ladderMatches} ladder matches rated, live 3v3 and bandit matches playing`);

// 2. The web site, as `npm start` runs it.
const nextBin = createRequire(path.join(ROOT, "web", "package.json")).resolve("next/dist/bin/next");
const web = spawn(
  process.execPath,
  [nextBin, "start", "--port", String(webPort), "--hostname", "127.0.0.1"],
  {
    cwd: path.join(ROOT, "web"),
    env: {
      ...process.env,
      LEAGUE_API_URL: api,
      LEAGUE_PUBLIC_SERVER_PORT: String(serverPort),
      NEXT_TELEMETRY_DISABLED: "1",
    },
    stdio: ["ignore", "ignore", "inherit"],
  },
);
const webExited = new Promise((resolve) => web.on("exit", resolve));
const startedAt = performance.now();
for (;;) {
  const status = await fetch(`${webOrigin}/`).then(
    (r) => r.status,
    () => 0,
  );
  if (status === 200) break;
  if (web.exitCode !== null) fail(`the web site exited (${web.exitCode}) before answering`);
  if (performance.now() - startedAt > 60_000) fail("the web site did not answer within 60 s");
  await new Promise((r) => setTimeout(r, 250));
}
log(`web on ${webOrigin}`);

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  // As ../shared/STACK.md says; SwiftShader gives WebGL without a GPU.
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
  ],
});

const textMatches = (selector, pattern) => ({ selector, pattern });
const routes = [
  { name: "home", path: "/", ready: textMatches("[data-league]", ".") },
  { name: "leaderboard", path: "/leagues/bandit-lsd-10", ready: textMatches("table.board tbody tr td", ".") },
  {
    name: "agent",
    path: `/agents/${finished.participants[0].version.agentId}`,
    ready: textMatches("h1", "."),
  },
  {
    name: "match-finished",
    path: `/matches/${finished.id}`,
    ready: textMatches("table.board tbody tr", "."),
  },
  // The live views count as rendered once the first state from the room is on screen.
  {
    name: "live-car-soccer-3v3",
    path: `/matches/${carSoccer.matchId}`,
    ready: textMatches("[data-testid=clock]", "^\\d+:\\d\\d$"),
  },
  {
    name: "live-bandit",
    path: `/matches/${bandit.matchId}`,
    ready: textMatches("[data-testid=step]", "^step \\d+ /"),
  },
  { name: "api", path: "/api", ready: textMatches("h1", ".") },
  { name: "submit", path: "/submit", ready: textMatches("form", ".") },
];

/** One cold page load in a fresh context: times since navigation start, and what came over the wire. */
async function load(route) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  let bytes = 0;
  let requests = 0;
  const outside = new Set();
  cdp.on("Network.requestWillBeSent", (e) => {
    requests++;
    const url = new URL(e.request.url);
    if (url.protocol.startsWith("http") && url.hostname !== "127.0.0.1" && url.hostname !== "localhost")
      outside.add(url.host);
  });
  cdp.on("Network.loadingFinished", (e) => {
    bytes += e.encodedDataLength;
  });
  await page.goto(`${webOrigin}${route.path}`);
  const readyHandle = await page.waitForFunction(
    ({ selector, pattern }) => {
      const el = document.querySelector(selector);
      return el && new RegExp(pattern).test(el.textContent ?? "") ? performance.now() : false;
    },
    route.ready,
    { polling: "raf", timeout: 30_000 },
  );
  const readyMs = await readyHandle.jsonValue();
  await page.waitForLoadState("load");
  // Late chunks (the live views' client code) finish loading after the first render.
  await page.waitForTimeout(500);
  const timing = await page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    const fcp = performance.getEntriesByName("first-contentful-paint")[0];
    return {
      ttfbMs: nav.responseStart,
      firstContentfulPaintMs: fcp ? fcp.startTime : null,
      domContentLoadedMs: nav.domContentLoadedEventEnd,
    };
  });
  await context.close();
  if (errors.length) throw new Error(`${route.path}: page errors: ${errors.join("; ")}`);
  return { ...timing, readyMs, bytes, requests, outsideHosts: [...outside] };
}

const pages = {};
for (const route of routes) {
  const loads = [];
  for (let i = 0; i < runs; i++) loads.push(await load(route));
  pages[route.name] = {
    path: route.path.replace(/[0-9a-f-]{36}/, ":id"),
    ttfbMs: median(loads.map((l) => l.ttfbMs)),
    firstContentfulPaintMs: median(loads.map((l) => l.firstContentfulPaintMs)),
    readyMs: median(loads.map((l) => l.readyMs)),
    // The first load is the cold one: nothing cached.
    transferBytes: loads[0].bytes,
    requests: loads[0].requests,
    outsideHosts: loads[0].outsideHosts.length,
  };
  log(
    `${route.name}: first paint ${pages[route.name].firstContentfulPaintMs} ms, content ${pages[route.name].readyMs} ms, ${(loads[0].bytes / 1024).toFixed(0)} KiB in ${loads[0].requests} requests`,
  );
}

let traced = false;

/** Busy and total CPU time of the whole machine so far, from /proc/stat (jiffies). */
function cpuTimes() {
  const [, ...fields] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/);
  const n = fields.map(Number);
  const idle = n[3] + n[4];
  const total = n.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Frames the browser produced per second on a live page, over fpsSeconds once it is drawing. */
async function frameRate(route) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${webOrigin}${route.path}`);
  await page.waitForFunction(
    ({ selector, pattern }) => {
      const el = document.querySelector(selector);
      return Boolean(el && new RegExp(pattern).test(el.textContent ?? ""));
    },
    route.ready,
    { timeout: 30_000 },
  );
  // The 3D field adapts its resolution to this machine's speed (resolution.ts): let it settle.
  await page.waitForTimeout(route.name.startsWith("live-car-soccer") ? settleSeconds * 1000 : 1000);
  const tracing = values.trace && route.name.startsWith("live-car-soccer") && !traced;
  traced ||= Boolean(tracing);
  if (tracing) await browser.startTracing(page, { path: values.trace, screenshots: false });
  const cpuBefore = cpuTimes();
  const result = await page.evaluate(
    (seconds) =>
      new Promise((resolve) => {
        const gaps = [];
        let frames = 0;
        let first = 0;
        let last = 0;
        const tick = (t) => {
          if (frames === 0) first = t;
          else gaps.push(t - last);
          last = t;
          frames++;
          if (t - first < seconds * 1000) requestAnimationFrame(tick);
          else {
            gaps.sort((a, b) => a - b);
            resolve({
              fps: ((frames - 1) * 1000) / (last - first),
              // Over 1.5 refreshes of a 60 Hz display: the display showed the previous frame again.
              missedFrames: gaps.filter((g) => g > 25).length,
              frames,
              p95FrameMs: gaps[Math.floor(gaps.length * 0.95)] ?? null,
              longestFrameMs: gaps.at(-1) ?? null,
            });
          }
        };
        requestAnimationFrame(tick);
      }),
    fpsSeconds,
  );
  const cpuAfter = cpuTimes();
  if (tracing) await browser.stopTracing();
  const { resolutionScale, antialias, arenaDetail, drawCalls } = await page.evaluate(() => {
    const canvas = document.querySelector("canvas[data-resolution-scale]");
    const s = canvas?.dataset.resolutionScale;
    return {
      resolutionScale: s === undefined ? null : Number(s),
      drawCalls: canvas?.dataset.drawCalls ? Number(canvas.dataset.drawCalls) : null,
      antialias: canvas?.dataset.antialias ?? null,
      arenaDetail: canvas?.dataset.arenaDetail ?? null,
    };
  });
  await context.close();
  return {
    ...(resolutionScale === null
      ? {}
      : { resolutionScale, antialias: antialias === "true", arenaDetail, drawCalls }),
    fps: Number(result.fps.toFixed(1)),
    missedFrames: result.missedFrames,
    frames: result.frames,
    p95FrameMs: Number(result.p95FrameMs.toFixed(1)),
    longestFrameMs: Number(result.longestFrameMs.toFixed(1)),
    // The whole machine's CPU in use meanwhile (server, web server, browser): 1 is both cores.
    machineBusy: Number(((cpuAfter.busy - cpuBefore.busy) / (cpuAfter.total - cpuBefore.total)).toFixed(2)),
  };
}

const carSoccerRuns = [];
for (let i = 0; i < fpsRuns; i++) {
  const r = await frameRate(routes.find((r) => r.name === "live-car-soccer-3v3"));
  carSoccerRuns.push(r);
  log(
    `live car soccer (6 cars) [${i + 1}/${fpsRuns}]: ${r.fps} fps at resolution scale ${r.resolutionScale}, ${r.missedFrames} of ${r.frames} frames missed, p95 frame ${r.p95FrameMs} ms, machine ${Math.round(r.machineBusy * 100)}% busy, ${r.drawCalls} draw calls a frame`,
  );
}
const byFps = [...carSoccerRuns].sort((a, b) => a.fps - b.fps);
// The median run's figures, the spread over runs, and every run.
const liveCarSoccer = {
  cars: 6,
  ...byFps[Math.floor((byFps.length - 1) / 2)],
  fpsRange: [byFps[0].fps, byFps.at(-1).fps],
  missedFramesAll: carSoccerRuns.reduce((n, r) => n + r.missedFrames, 0),
  framesAll: carSoccerRuns.reduce((n, r) => n + r.frames, 0),
  runs: carSoccerRuns,
};
const liveBandit = {
  seats: banditPlayers.length,
  ...(await frameRate(routes.find((r) => r.name === "live-bandit"))),
};
log(`live bandit (${liveBandit.seats} seats): ${liveBandit.fps} fps, p95 frame ${liveBandit.p95FrameMs} ms`);

// With the server down, the web still answers at once with a clear message (not a blank page).
await rooms.stop();
await io.close();
await app.close();
const serverDown = {};
for (const route of routes.filter((r) => r.name === "home" || r.name === "leaderboard")) {
  const loads = [];
  for (let i = 0; i < runs; i++)
    loads.push(await load({ ...route, ready: textMatches(".notice-error", "not answering") }));
  serverDown[route.name] = {
    path: route.path,
    ttfbMs: median(loads.map((l) => l.ttfbMs)),
    readyMs: median(loads.map((l) => l.readyMs)),
  };
  log(`${route.name} with the server down: message on screen at ${serverDown[route.name].readyMs} ms`);
}

const browserVersion = browser.version();
await browser.close();
web.kill("SIGTERM");
await webExited;
await db.close();
await rm(dataDir, { recursive: true, force: true });

console.log(
  JSON.stringify({
    bench: "web",
    pages,
    liveViewFrameRate: { carSoccer3v3: liveCarSoccer, bandit: liveBandit },
    serverDown,
    machine: {
      cores: os.cpus().length,
      node: process.version,
      browser: `Chromium ${browserVersion} (headless, SwiftShader WebGL)`,
    },
    params: {
      runs,
      fpsSeconds,
      fpsRuns,
      settleSeconds,
      ladderMatches,
      viewport: "1280x900",
      banditStepsPerSecond: 10,
    },
  }),
);
