import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DatabaseError, databaseOptionsFromEnv, openDatabase, redactUrl } from "../src/client.js";

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "league-factory-"));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe("database factory", () => {
  it("uses PGlite under LEAGUE_DATA_DIR unless DATABASE_URL is set", () => {
    expect(databaseOptionsFromEnv({ LEAGUE_DATA_DIR: "/srv/league" })).toEqual({
      databaseUrl: undefined,
      dataDir: "/srv/league",
    });
    expect(databaseOptionsFromEnv({}).dataDir).toBe(path.resolve("data"));
    expect(databaseOptionsFromEnv({ DATABASE_URL: "postgresql://u:p@h/db" }).databaseUrl).toBe(
      "postgresql://u:p@h/db",
    );
  });

  it("keeps embedded data across restarts", async () => {
    const dataDir = await tempDir();
    const first = await openDatabase({ dataDir });
    expect(first.kind).toBe("pglite");
    expect(first.migrations.newlyApplied.length).toBeGreaterThan(0);
    await first.prisma.owner.create({ data: { name: "persisted" } });
    await first.close();

    const second = await openDatabase({ dataDir });
    expect(second.migrations.newlyApplied).toEqual([]);
    expect(second.migrations.latest).toBe(first.migrations.latest);
    expect(await second.prisma.owner.count({ where: { name: "persisted" } })).toBe(1);
    await second.close();
  });

  it("refuses to open embedded data that another client holds, and takes over a stale lock", async () => {
    const dataDir = await tempDir();
    const db = await openDatabase({ dataDir });
    await expect(openDatabase({ dataDir })).rejects.toThrow(DatabaseError);
    await expect(openDatabase({ dataDir })).rejects.toThrow(/in use by process \d+/);
    await db.close();

    // A pid file left by a crashed process whose pid no longer exists.
    await writeFile(path.join(dataDir, "pglite", "agent-league.pid"), "2147483646");
    const reopened = await openDatabase({ dataDir });
    await reopened.close();
  });

  it("says which PostgreSQL it could not reach, without the password", async () => {
    const error = await openDatabase({ databaseUrl: "postgresql://league:s3cret@127.0.0.1:1/league" }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as Error).message).toMatch(
      /cannot connect to PostgreSQL at postgresql:\/\/league:\*\*\*@127\.0\.0\.1:1\/league/,
    );
    expect((error as Error).message).not.toContain("s3cret");
    expect(redactUrl("postgres://a@b/c")).toBe("postgres://a@b/c");
  });
});
