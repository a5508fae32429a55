// A real PostgreSQL restart under a running server and its ladder. The machine's shared PostgreSQL
// serves every other test at once, so this test initialises a cluster of its own (the same
// PostgreSQL binaries, on a free port, in a temporary folder), and stops and starts that one.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { chmod, chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { openDatabase } from "@league/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DIST, freePort, spawnNode } from "./helpers/processes.js";

/** PostgreSQL's server binaries, as Debian installs them. */
function findPostgresBin(): string | null {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const v of versions)
    if (existsSync(path.join(root, v, "bin", "pg_ctl"))) return path.join(root, v, "bin");
  return null;
}

const bin = findPostgresBin();
// PostgreSQL refuses to run as root: as root (CI here), the cluster runs as the postgres user.
const asRoot = process.getuid?.() === 0;
let reason: string | null = null;
if (!bin) reason = "no PostgreSQL server binaries under /usr/lib/postgresql";
else if (asRoot) {
  try {
    execFileSync("id", ["postgres"], { stdio: "ignore" });
  } catch {
    reason = "running as root, and there is no postgres user to run a cluster as";
  }
}
if (reason) {
  if (process.env.CI) throw new Error(`the PostgreSQL restart test must run under CI: ${reason}`);
  console.warn(`skipping the PostgreSQL restart test: ${reason}`);
}

/** A PostgreSQL program, as the postgres user when we are root. */
function pg(program: string, args: string[]): string {
  const exe = path.join(bin!, program);
  const [file, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", exe, ...args]] : [exe, args];
  return execFileSync(file, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

describe.skipIf(reason !== null)("a real PostgreSQL restart", () => {
  let dir: string;
  let port: number;
  let databaseUrl: string;
  const ctl = (action: "start" | "stop") =>
    pg("pg_ctl", [
      "-D",
      path.join(dir, "data"),
      "-l",
      path.join(dir, "postgres.log"),
      "-w",
      "-t",
      "60",
      ...(action === "start"
        ? ["-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, "start"]
        : ["-m", "fast", "stop"]),
    ]);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "league-pg-restart-"));
    await chmod(dir, 0o755);
    if (asRoot) {
      const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }));
      const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }));
      await chown(dir, uid, gid);
    }
    pg("initdb", ["-D", path.join(dir, "data"), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
    port = await freePort();
    ctl("start");
    databaseUrl = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  }, 120_000);

  afterAll(async () => {
    try {
      ctl("stop");
    } catch {
      // Already stopped.
    }
    await rm(dir, { recursive: true, force: true });
  });

  it("the server waits through it and resumes the ladder; every stored match is whole and every rating counts it once", async () => {
    const serverPort = await freePort();
    const server = spawnNode([path.join(DIST, "main.js")], {
      DATABASE_URL: databaseUrl,
      HOST: "127.0.0.1",
      SERVER_PORT: String(serverPort),
      LADDER_INTERVAL_MS: "300",
      LIVE_MATCHES: "off",
    });
    const health = async () => {
      try {
        return (await fetch(`http://127.0.0.1:${serverPort}/api/v1/health`)).status;
      } catch {
        return 0;
      }
    };
    const finishedLadder = async () => {
      const db = await openDatabase({ databaseUrl, migrate: false });
      try {
        return await db.prisma.match.count({ where: { live: false, status: "finished" } });
      } finally {
        await db.close();
      }
    };
    try {
      await expect
        .poll(() => server.output(), { timeout: 120_000, interval: 200 })
        .toContain("server: listening");
      await expect.poll(finishedLadder, { timeout: 60_000, interval: 500 }).toBeGreaterThan(2);

      ctl("stop");
      await expect.poll(health, { timeout: 30_000 }).toBe(503);
      expect(server.child.exitCode).toBeNull();
      ctl("start");
      await expect.poll(health, { timeout: 60_000 }).toBe(200);
      const atReturn = await finishedLadder();
      await expect.poll(finishedLadder, { timeout: 60_000, interval: 500 }).toBeGreaterThan(atReturn + 2);
      expect(server.child.exitCode).toBeNull();

      const db = await openDatabase({ databaseUrl, migrate: false });
      try {
        // The ladder plays on: read matches and ratings from one snapshot, or a match finished
        // between the two reads would count in the ratings and not in the matches.
        const { finished, ratings } = await db.prisma.$transaction(
          async (tx) => ({
            finished: await tx.match.findMany({
              where: { status: "finished" },
              include: { participants: true, ratingEvents: true },
            }),
            ratings: await tx.rating.findMany(),
          }),
          { isolationLevel: "RepeatableRead" },
        );
        for (const m of finished) {
          expect(m.ratingEvents.length).toBe(m.participants.length);
          expect(m.participants.every((p) => p.rank !== null)).toBe(true);
        }
        // No rating update lost or applied twice across the restart.
        for (const r of ratings) {
          const played = finished.filter(
            (m) => m.leagueId === r.leagueId && m.participants.some((p) => p.versionId === r.versionId),
          ).length;
          expect(r.games, `${r.versionId} in ${r.leagueId}`).toBe(played);
        }
      } finally {
        await db.close();
      }
    } finally {
      server.child.kill("SIGTERM");
      await new Promise((resolve) => server.child.once("exit", resolve));
    }
  });
});
