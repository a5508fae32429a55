#!/usr/bin/env node
// Starts the league server and the web site together, prints where they answer, and stops both
// (with everything they started) on Ctrl-C or SIGTERM. `npm start` builds first, then runs this.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const env = { ...process.env };
const serverPort = env.SERVER_PORT || "2567";
const webPort = env.WEB_PORT || "3000";
const host = env.HOST || "0.0.0.0";
const dataDir = path.resolve(root, env.LEAGUE_DATA_DIR || "data");
const STARTUP_TIMEOUT_MS = Number(env.LEAGUE_STARTUP_TIMEOUT_MS || 120_000);
const STOP_TIMEOUT_MS = 15_000;

function fail(message) {
  console.error(`agent-league: ${message}`);
  process.exit(1);
}

for (const [name, value] of [
  ["SERVER_PORT", serverPort],
  ["WEB_PORT", webPort],
]) {
  if (!/^\d+$/.test(value) || Number(value) > 65535)
    fail(`${name}="${value}" is not a port number (0-65535)`);
}
if (serverPort === webPort && serverPort !== "0")
  fail(`SERVER_PORT and WEB_PORT are both ${serverPort}; pick two ports`);

const serverMain = path.join(root, "server", "dist", "main.js");
const webDir = path.join(root, "web");
if (!existsSync(serverMain) || !existsSync(path.join(webDir, ".next", "BUILD_ID"))) {
  fail(
    "the server or the web site is not built yet: run `npm start` (which builds) or `npm run build` first",
  );
}
const nextBin = createRequire(path.join(webDir, "package.json")).resolve("next/dist/bin/next");

const children = [];
let stopping = false;

/** Runs one part in its own process group, so that stopping it stops whatever it started too. */
function launch(name, args, options) {
  const child = spawn(process.execPath, args, {
    ...options,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const tag = `[${name}]`.padEnd(9);
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on("line", (line) => console.log(`${tag}${line}`));
  }
  child.exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  child.exited.then(({ code, signal }) => {
    if (!stopping) {
      console.error(
        `agent-league: ${name} stopped unexpectedly (${signal ?? `exit code ${code}`}); stopping the rest`,
      );
      void stop(1);
    }
  });
  child.partName = name;
  children.push(child);
  return child;
}

function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

async function stop(exitCode) {
  if (stopping) return;
  stopping = true;
  for (const child of children) signalGroup(child, "SIGTERM");
  const timer = setTimeout(() => {
    for (const child of children) {
      console.error(
        `agent-league: ${child.partName} did not stop in ${STOP_TIMEOUT_MS / 1000} s; killing it`,
      );
      signalGroup(child, "SIGKILL");
    }
  }, STOP_TIMEOUT_MS);
  await Promise.all(children.map((child) => child.exited));
  // A part may leave helpers behind in its group; none may outlive the platform.
  for (const child of children) signalGroup(child, "SIGKILL");
  clearTimeout(timer);
  console.log("agent-league: stopped");
  process.exit(exitCode);
}

process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));
process.on("SIGHUP", () => void stop(0));

async function waitFor(url, what) {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (!stopping) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      console.error(`agent-league: ${what} did not answer at ${url} within ${STARTUP_TIMEOUT_MS / 1000} s`);
      return stop(1);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

launch("server", [serverMain], {
  cwd: root,
  env: { ...env, SERVER_PORT: serverPort, HOST: host, LEAGUE_DATA_DIR: dataDir },
});
launch("web", [nextBin, "start", "--port", webPort, "--hostname", host], {
  cwd: webDir,
  env: {
    ...env,
    NEXT_TELEMETRY_DISABLED: "1",
    NODE_ENV: "production",
    LEAGUE_API_URL: env.LEAGUE_API_URL || `http://127.0.0.1:${serverPort}`,
  },
});

await Promise.all([
  waitFor(`http://127.0.0.1:${serverPort}/api/v1/health`, "the server"),
  waitFor(`http://127.0.0.1:${webPort}/`, "the web site"),
]);
if (!stopping) {
  console.log("");
  console.log("Agent League is up:");
  console.log(`  web     http://localhost:${webPort}`);
  console.log(
    `  server  http://localhost:${serverPort}   (health: http://localhost:${serverPort}/api/v1/health)`,
  );
  console.log(`  data    ${env.DATABASE_URL ? "PostgreSQL from DATABASE_URL" : dataDir}`);
  console.log("Press Ctrl-C to stop.");
}
