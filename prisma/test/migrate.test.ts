import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { pgliteSession, pgSession } from "../src/client.js";
import {
  applyMigrations,
  loadMigrations,
  type Migration,
  MigrationError,
  migrationChecksum,
  type SqlSession,
} from "../src/migrate.js";
import { createTestDatabase, type TestDatabase } from "../src/testing.js";
import { BACKENDS } from "./backends.js";

const TABLES = [
  "Agent",
  "AgentVersion",
  "ApiKey",
  "League",
  "Match",
  "MatchParticipant",
  "Owner",
  "Rating",
  "RatingEvent",
];

/** A raw SQL session on the test database, bypassing Prisma, as the runner uses it. */
async function rawSession(db: TestDatabase): Promise<{ session: SqlSession; end: () => Promise<void> }> {
  if (db.kind === "postgres") {
    const client = new pg.Client({ connectionString: db.env.DATABASE_URL });
    await client.connect();
    return { session: pgSession(client), end: () => client.end() };
  }
  // PGlite allows one client: close the factory's and open the same files directly.
  await db.close();
  const pglite = await PGlite.create(path.join(db.env.LEAGUE_DATA_DIR!, "pglite"));
  return { session: pgliteSession(pglite), end: () => pglite.close() };
}

async function tableNames(session: SqlSession): Promise<string[]> {
  const rows = await session.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name",
  );
  return rows.map((r) => r.table_name);
}

describe.each(BACKENDS)("migrations on $kind", ({ kind, skip }) => {
  it.skipIf(skip)("apply to an empty database, recorded as Prisma records them", async () => {
    const db = await createTestDatabase(kind, { migrate: false });
    const { session, end } = await rawSession(db);
    try {
      expect(await tableNames(session)).toEqual([]);
      const migrations = await loadMigrations();
      expect(migrations.length).toBeGreaterThan(0);
      const report = await applyMigrations(session, migrations);
      expect(report.newlyApplied).toEqual(migrations.map((m) => m.name));
      expect(report.latest).toBe(migrations.at(-1)?.name);
      expect(await tableNames(session)).toEqual(expect.arrayContaining([...TABLES, "_prisma_migrations"]));

      const rows = await session.query<{
        migration_name: string;
        checksum: string;
        applied_steps_count: number;
      }>(
        `SELECT migration_name, checksum, applied_steps_count FROM "_prisma_migrations" WHERE finished_at IS NOT NULL`,
      );
      expect(rows).toEqual(
        migrations.map((m) => ({ migration_name: m.name, checksum: m.checksum, applied_steps_count: 1 })),
      );

      const again = await applyMigrations(session, migrations);
      expect(again.newlyApplied).toEqual([]);
      expect(again.applied).toEqual(report.applied);
    } finally {
      await end();
      await db.destroy();
    }
  });

  it.skipIf(skip)("refuse an applied migration that was edited, and one the code does not know", async () => {
    const db = await createTestDatabase(kind);
    const { session, end } = await rawSession(db);
    try {
      const migrations = await loadMigrations();
      const edited: Migration[] = migrations.map((m, i) =>
        i === 0
          ? { ...m, sql: `${m.sql}\n-- edited`, checksum: migrationChecksum(`${m.sql}\n-- edited`) }
          : m,
      );
      await expect(applyMigrations(session, edited)).rejects.toThrow(/was edited after it was applied/);
      await expect(applyMigrations(session, migrations.slice(1))).rejects.toThrow(
        /does not know .*migrated by a newer version/,
      );
    } finally {
      await end();
      await db.destroy();
    }
  });

  it.skipIf(skip)("roll a failing migration back whole and record nothing", async () => {
    const db = await createTestDatabase(kind);
    const { session, end } = await rawSession(db);
    try {
      const migrations = await loadMigrations();
      const broken = `CREATE TABLE "Half" (id INT);\nSELECT * FROM "NoSuchTable";`;
      const withBroken = [
        ...migrations,
        { name: "29990101000000_broken", sql: broken, checksum: migrationChecksum(broken) },
      ];
      const error = await applyMigrations(session, withBroken).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationError);
      expect((error as MigrationError).migration).toBe("29990101000000_broken");
      expect((error as Error).message).toMatch(/failed and was rolled back: .*NoSuchTable/);
      expect(await tableNames(session)).not.toContain("Half");
      const recorded = await session.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "_prisma_migrations" WHERE migration_name = '29990101000000_broken'`,
      );
      expect(recorded[0]?.n).toBe(0);
      // The database is still usable and the good migrations still count as applied.
      expect((await applyMigrations(session, migrations)).newlyApplied).toEqual([]);
    } finally {
      await end();
      await db.destroy();
    }
  });
});

describe.skipIf(BACKENDS[1]!.skip)("migrations on postgres, concurrently", () => {
  it("are applied once when several processes start at the same moment", async () => {
    const db = await createTestDatabase("postgres", { migrate: false });
    const clients = Array.from({ length: 4 }, () => new pg.Client({ connectionString: db.env.DATABASE_URL }));
    try {
      await Promise.all(clients.map((c) => c.connect()));
      const reports = await Promise.all(clients.map((c) => applyMigrations(pgSession(c))));
      const applied = reports.flatMap((r) => r.newlyApplied);
      const migrations = await loadMigrations();
      expect(applied.sort()).toEqual(migrations.map((m) => m.name).sort());
      const rows = await clients[0]!.query(`SELECT count(*)::int AS n FROM "_prisma_migrations"`);
      expect(rows.rows[0].n).toBe(migrations.length);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
      await db.destroy();
    }
  });
});
