// Fresh, throw-away databases for tests: a PGlite directory or a PostgreSQL database of its own.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { type Database, type DatabaseKind, openDatabase } from "./client.js";
import { isAlive } from "./process.js";

/** The server tests create their databases in; CI's PostgreSQL has a `test` database with trust auth. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

export type PostgresProbe = { available: true; url: string } | { available: false; reason: string };

let probe: Promise<PostgresProbe> | undefined;

/**
 * Whether the test PostgreSQL answers. Under `CI=true` it must: a missing service fails the run
 * instead of silently skipping the tests that need it.
 */
export function probePostgres(): Promise<PostgresProbe> {
  probe ??= (async (): Promise<PostgresProbe> => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await dropAbandonedDatabases(client);
      return { available: true, url: TEST_DATABASE_URL };
    } catch (error) {
      const reason = `PostgreSQL at ${TEST_DATABASE_URL} is not reachable (${(error as Error).message})`;
      if (process.env.CI === "true")
        throw new Error(`${reason}; under CI=true the PostgreSQL tests must run`);
      console.warn(`skipping PostgreSQL tests: ${reason}`);
      return { available: false, reason };
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return probe;
}

/** Test databases whose process died before dropping them (a crash, a killed run) are dropped here. */
async function dropAbandonedDatabases(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ datname: string }>(
    "SELECT datname FROM pg_database WHERE datname LIKE 'league\\_test\\_%'",
  );
  for (const { datname } of rows) {
    const pid = Number(datname.split("_")[2]);
    if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue;
    await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => {});
  }
}

export interface TestDatabase extends Database {
  /** DATABASE_URL (postgres) or LEAGUE_DATA_DIR (pglite) that opens this same database again. */
  env: { DATABASE_URL?: string; LEAGUE_DATA_DIR?: string };
  /** Closes the client and deletes the database. */
  destroy(): Promise<void>;
}

/** An empty database of the given kind, with migrations applied unless `migrate: false`. */
export async function createTestDatabase(
  kind: DatabaseKind,
  options: { migrate?: boolean } = {},
): Promise<TestDatabase> {
  const migrate = options.migrate ?? true;
  if (kind === "pglite") {
    const dataDir = await mkdtemp(path.join(tmpdir(), "league-test-"));
    const db = await openDatabase({ dataDir, migrate });
    return {
      ...db,
      env: { LEAGUE_DATA_DIR: dataDir },
      destroy: async () => {
        await db.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  }
  const { url } = await createPostgresDatabase();
  const db = await openDatabase({ databaseUrl: url, migrate }).catch(async (error: unknown) => {
    await dropPostgresDatabase(url);
    throw error;
  });
  return {
    ...db,
    env: { DATABASE_URL: url },
    destroy: async () => {
      await db.close();
      await dropPostgresDatabase(url);
    },
  };
}

/** Creates an empty PostgreSQL database named for this test run and returns its URL. */
export async function createPostgresDatabase(): Promise<{ url: string; name: string }> {
  const status = await probePostgres();
  if (!status.available) throw new Error(status.reason);
  const name = `league_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: status.url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(status.url);
  url.pathname = `/${name}`;
  return { url: url.toString(), name };
}

export async function dropPostgresDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  if (!/^league_test_\w+$/.test(name)) throw new Error(`refusing to drop ${name}: not a test database`);
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
