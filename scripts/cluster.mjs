#!/usr/bin/env node
// The scaled-out topology of infra/ as plain processes on this machine: two league servers, two
// match workers and the web site, sharing PostgreSQL (DATABASE_URL) and Redis (REDIS_URL).
// `npm run cluster` (after `npm run build`); Ctrl-C stops everything.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const env = { ...process.env };
const databaseUrl = env.DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/agent_league";
const redisUrl = env.REDIS_URL || "redis://127.0.0.1:6379/0";
const basePort = Number(env.SERVER_PORT || 2567);
const webPort = env.WEB_PORT || "3000";
const workers = Number(env.WORKERS || 2);

function fail(message) {
  console.error(`cluster: ${message}`);
  process.exit(1);
}
if (!/^postgres(ql)?:\/\//.test(databaseUrl))
  fail(`DATABASE_URL must be a PostgreSQL URL, got "${databaseUrl}"`);
if (!/^rediss?:\/\//.test(redisUrl)) fail(`REDIS_URL must be a redis:// URL, got "${redisUrl}"`);
if (!Number.isInteger(workers) || workers < 1 || workers > 32)
  fail(`WORKERS must be 1..32, got "${env.WORKERS}"`);
for (const file of ["server/dist/main.js", "server/dist/worker.js", "web/.next/BUILD_ID"])
  if (!existsSync(path.join(root, file))) fail(`${file} is missing: run \`npm run build\` first`);

// The database must exist; create it when it does not (PostgreSQL's own `postgres` database is used to ask).
const pg = (await import(path.join(root, "node_modules", "pg", "lib", "index.js"))).default;
{
  const url = new URL(databaseUrl);
  const name = url.pathname.slice(1);
  const admin = new pg.Client({
    connectionString: Object.assign(new URL(databaseUrl), { pathname: "/postgres" }).toString(),
  });
  try {
    await admin.connect();
    const found = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (found.rowCount === 0) {
      if (!/^\w+$/.test(name))
        fail(`database "${name}" does not exist and its name is not a plain identifier`);
      await admin.query(`CREATE DATABASE "${name}"`);
      console.log(`cluster: created database ${name}`);
    }
  } catch (error) {
    fail(`cannot reach PostgreSQL at ${url.host}: ${error.message}`);
  } finally {
    await admin.end().catch(() => {});
  }
}

const children = [];
function run(name, args, extraEnv, cwd = root) {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...env, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, ...extraEnv },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  for (const stream of [child.stdout, child.stderr])
    stream.on("data", (d) => {
      for (const line of d.toString().split("\n")) if (line.trim()) console.log(`[${name}] ${line}`);
    });
  child.on("exit", (code, signal) => {
    console.log(`[${name}] exited (${signal ?? code})`);
    if (!stopping) void stop(1);
  });
  children.push(child);
  return child;
}

let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) process.kill(-c.pid, "SIGTERM");
  const deadline = Date.now() + 15_000;
  while (children.some((c) => c.exitCode === null && c.signalCode === null) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  for (const c of children) if (c.exitCode === null && c.signalCode === null) process.kill(-c.pid, "SIGKILL");
  process.exit(code);
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));

const serverMain = path.join(root, "server", "dist", "main.js");
// Both servers queue ladder matches, keep live matches going and serve clients: either carries on alone.
run("server-1", [serverMain], { SERVER_PORT: String(basePort), PUBLIC_ADDRESS: `127.0.0.1:${basePort}` });
await new Promise((r) => setTimeout(r, 3000)); // let the first apply migrations and seed
run("server-2", [serverMain], {
  SERVER_PORT: String(basePort + 1),
  PUBLIC_ADDRESS: `127.0.0.1:${basePort + 1}`,
});
for (let i = 1; i <= workers; i++) run(`worker-${i}`, [path.join(root, "server", "dist", "worker.js")], {});
run(
  "web",
  [path.join(root, "node_modules", "next", "dist", "bin", "next"), "start", "-p", webPort],
  {
    LEAGUE_API_URL: `http://127.0.0.1:${basePort}`,
  },
  path.join(root, "web"),
);
console.log(
  `cluster: servers on http://localhost:${basePort} and http://localhost:${basePort + 1}, ${workers} match workers, web on http://localhost:${webPort}; Ctrl-C stops all`,
);
