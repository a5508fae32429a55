import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The committed migrations, next to this package's `dist/` or `src/`. */
export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "migrations");

// Any fixed 64-bit key will do; it only has to be the same for every process of the platform.
const MIGRATION_LOCK_KEY = 7_270_736_900;

/** The one thing the runner needs from a connection: run SQL text, optionally with parameters. */
export interface SqlSession {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs several statements separated by semicolons (no parameters). */
  exec(sql: string): Promise<void>;
}

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationReport {
  /** Every migration now applied, oldest first. */
  applied: string[];
  /** The ones this call applied. */
  newlyApplied: string[];
  latest: string | null;
}

export class MigrationError extends Error {
  constructor(
    message: string,
    readonly migration?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "MigrationError";
  }
}

/** Prisma's checksum: SHA-256 of the file's bytes, hex. Same value so `prisma migrate deploy` agrees. */
export function migrationChecksum(sql: string): string {
  return createHash("sha256").update(sql, "utf8").digest("hex");
}

export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const migrations: Migration[] = [];
  for (const name of names) {
    const file = path.join(dir, name, "migration.sql");
    const sql = await readFile(file, "utf8").catch((cause: unknown) => {
      throw new MigrationError(`migration ${name} has no readable migration.sql at ${file}`, name, { cause });
    });
    migrations.push({ name, sql, checksum: migrationChecksum(sql) });
  }
  return migrations;
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | string | null;
  rolled_back_at: Date | string | null;
}

// Exactly the table `prisma migrate deploy` creates, so either tool can take over from the other.
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

/**
 * Applies every committed migration not yet applied, in name order, each in its own transaction,
 * while holding a session advisory lock so that concurrent starts apply each migration once.
 * Refuses to go on when an applied migration was edited or the database knows migrations we don't.
 */
export async function applyMigrations(
  session: SqlSession,
  migrations: Migration[] | Promise<Migration[]> = loadMigrations(),
): Promise<MigrationReport> {
  const wanted = await migrations;
  await session.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
  try {
    await session.exec(CREATE_MIGRATIONS_TABLE);
    const rows = await session.query<AppliedRow>(
      `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"
       WHERE rolled_back_at IS NULL ORDER BY started_at, migration_name`,
    );
    const byName = new Map(rows.map((r) => [r.migration_name, r]));
    const known = new Set(wanted.map((m) => m.name));
    const unknown = rows.filter((r) => !known.has(r.migration_name)).map((r) => r.migration_name);
    if (unknown.length > 0) {
      throw new MigrationError(
        `the database has migrations this version of Agent League does not know (${unknown.join(", ")}); ` +
          "it was migrated by a newer version: upgrade, or point at another database",
        unknown[0],
      );
    }

    const newlyApplied: string[] = [];
    for (const migration of wanted) {
      const row = byName.get(migration.name);
      if (row?.finished_at) {
        if (row.checksum !== migration.checksum) {
          throw new MigrationError(
            `migration ${migration.name} was edited after it was applied (checksum ${row.checksum.slice(0, 12)}… ` +
              `in the database, ${migration.checksum.slice(0, 12)}… on disk); committed migrations must never change`,
            migration.name,
          );
        }
        continue;
      }
      if (row) {
        throw new MigrationError(
          `migration ${migration.name} started earlier but never finished; inspect the database, then mark it ` +
            `rolled back in "_prisma_migrations" before starting again`,
          migration.name,
        );
      }
      await applyOne(session, migration);
      newlyApplied.push(migration.name);
    }
    const applied = wanted.map((m) => m.name);
    return { applied, newlyApplied, latest: applied.at(-1) ?? null };
  } finally {
    await session.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
  }
}

async function applyOne(session: SqlSession, migration: Migration): Promise<void> {
  await session.exec("BEGIN");
  try {
    await session.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())`,
      [randomUUID(), migration.checksum, migration.name],
    );
    await session.exec(migration.sql);
    await session.query(
      `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE migration_name = $1`,
      [migration.name],
    );
    await session.exec("COMMIT");
  } catch (cause) {
    await session.exec("ROLLBACK").catch(() => {});
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new MigrationError(
      `migration ${migration.name} failed and was rolled back: ${reason}`,
      migration.name,
      {
        cause,
      },
    );
  }
}
