import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createPostgresDatabase, dropPostgresDatabase, probePostgres } from "@league/db/testing";
import { ENV_SPECS } from "@league/envs";
import { afterEach, describe, expect, it } from "vitest";
import { descendants, freePort, isAlive, type Platform, ROOT, startPlatform } from "./platform.js";

const postgres = await probePostgres();
// The newest committed migration: what a fresh start must report as applied.
const LATEST_MIGRATION = readdirSync(path.join(ROOT, "prisma", "migrations"))
  .filter((name) => /^\d{14}_\w+$/.test(name))
  .sort()
  .at(-1);
const running: Platform[] = [];
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  // A failed test may leave the platform up: take down its whole family, not only the launcher,
  // whose children live in process groups of their own.
  for (const platform of running.splice(0)) {
    const family = descendants(platform.process.pid!);
    platform.process.kill("SIGKILL");
    for (const pid of family) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    await platform.exited;
  }
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function tempDataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "league-start-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts the platform, checks what a user sees, stops it with `signal`, and checks nothing is left. */
async function upAndDown(
  env: Record<string, string>,
  expectedKind: "pglite" | "postgres",
  signal: NodeJS.Signals,
) {
  const serverPort = await freePort();
  const webPort = await freePort();
  const platform = startPlatform({ ...env, SERVER_PORT: String(serverPort), WEB_PORT: String(webPort) });
  running.push(platform);

  // Bound on start-up: generous for two busy cores, small enough to catch a hang.
  await platform.waitForOutput("Press Ctrl-C to stop.", 90_000);
  expect(platform.output()).toContain(`web     http://localhost:${webPort}`);
  expect(platform.output()).toContain(`server  http://localhost:${serverPort}`);

  const health = await fetch(`http://127.0.0.1:${serverPort}/api/v1/health`);
  expect(health.status).toBe(200);
  expect(await health.json()).toMatchObject({
    status: "ok",
    version: expect.stringMatching(/^\d+\.\d+\.\d+/),
    database: { kind: expectedKind, ok: true, migration: LATEST_MIGRATION },
  });

  const page = await fetch(`http://127.0.0.1:${webPort}/`);
  expect(page.status).toBe(200);
  const html = await page.text();
  for (const spec of Object.values(ENV_SPECS)) {
    expect(html).toContain(`data-league="${spec.id}"`);
    expect(html).toContain(spec.title);
  }

  // The built-in baselines are on the leaderboard from the first start, read through the API.
  const board = await fetch(`http://127.0.0.1:${webPort}/leagues/bandit-lsd-10`);
  expect(board.status).toBe(200);
  const boardHtml = await board.text();
  expect(boardHtml).toContain("Leaderboard");
  expect(boardHtml).toContain("state-thompson");
  expect((await fetch(`http://127.0.0.1:${webPort}/leagues/no-such-league`)).status).toBe(404);

  const family = descendants(platform.process.pid!);
  expect(family.length).toBeGreaterThanOrEqual(2); // at least the server and the web processes

  platform.process.kill(signal);
  const { code } = await platform.exited;
  expect(code).toBe(0);
  expect(platform.output()).toContain("server: SIG");
  expect(platform.output()).toContain("agent-league: stopped");
  expect(family.filter(isAlive)).toEqual([]);
  return platform;
}

describe("npm start", () => {
  it("brings up server and web on the embedded database, and stops cleanly on SIGTERM", async () => {
    const dataDir = await tempDataDir();
    await upAndDown({ LEAGUE_DATA_DIR: dataDir }, "pglite", "SIGTERM");
    // The database was closed: its lock is released and the files open again with the data kept.
    expect(existsSync(path.join(dataDir, "pglite", "agent-league.pid"))).toBe(false);
    const { openDatabase } = await import("@league/db");
    const db = await openDatabase({ dataDir });
    expect(await db.prisma.league.count()).toBe(Object.keys(ENV_SPECS).length);
    expect(db.migrations.newlyApplied).toEqual([]);
    await db.close();
  });

  it.skipIf(!postgres.available)(
    "uses PostgreSQL when DATABASE_URL is set, and stops on Ctrl-C",
    async () => {
      const { url } = await createPostgresDatabase();
      cleanups.push(() => dropPostgresDatabase(url));
      await upAndDown({ DATABASE_URL: url, LEAGUE_DATA_DIR: await tempDataDir() }, "postgres", "SIGINT");
    },
  );

  it("stops everything and says why when a part cannot start", async () => {
    const platform = startPlatform({
      LEAGUE_DATA_DIR: await tempDataDir(),
      SERVER_PORT: String(await freePort()),
      WEB_PORT: String(await freePort()),
      DATABASE_URL: "mysql://nope",
    });
    running.push(platform);
    const { code } = await platform.exited;
    expect(code).toBe(1);
    expect(platform.output()).toMatch(/DATABASE_URL="mysql:\/\/nope": must be a postgres/);
    expect(platform.output()).toMatch(/server stopped unexpectedly \(exit code 2\)/);
    expect(descendants(platform.process.pid!)).toEqual([]);
  });

  it("refuses a bad port before starting anything", async () => {
    const platform = startPlatform({ SERVER_PORT: "http" });
    running.push(platform);
    expect((await platform.exited).code).toBe(1);
    expect(platform.output()).toContain('SERVER_PORT="http" is not a port number');
  });
});
