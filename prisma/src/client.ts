import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "./generated/prisma/client.js";
import { applyMigrations, type MigrationReport, type SqlSession } from "./migrate.js";
import { pgliteAdapter } from "./pglite-adapter.js";
import { isAlive } from "./process.js";

export type DatabaseKind = "pglite" | "postgres";

export interface DatabaseOptions {
  /** PostgreSQL connection string; when absent the embedded PGlite is used. */
  databaseUrl?: string | undefined;
  /** Where embedded data lives (`LEAGUE_DATA_DIR`, default `./data`); PGlite keeps its files in `pglite/` there. */
  dataDir?: string | undefined;
  /** Apply committed migrations before returning (default true). */
  migrate?: boolean;
}

export interface Database {
  prisma: PrismaClient;
  kind: DatabaseKind;
  /** Where the data is, safe to print: a directory, or the URL without its password. */
  location: string;
  migrations: MigrationReport;
  close(): Promise<void>;
}

export class DatabaseError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DatabaseError";
  }
}

export function databaseOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): DatabaseOptions {
  return {
    databaseUrl: env.DATABASE_URL?.trim() || undefined,
    dataDir: path.resolve(env.LEAGUE_DATA_DIR?.trim() || "data"),
  };
}

/** Hides the password of a connection string so that it can be logged. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable DATABASE_URL)";
  }
}

/** Opens the platform's database: PostgreSQL when `databaseUrl` is set, else PGlite under `dataDir`. */
export async function openDatabase(options: DatabaseOptions = databaseOptionsFromEnv()): Promise<Database> {
  return options.databaseUrl
    ? openPostgres(options.databaseUrl, options.migrate ?? true)
    : openPglite(path.resolve(options.dataDir ?? "data"), options.migrate ?? true);
}

const EMPTY_REPORT: MigrationReport = { applied: [], newlyApplied: [], latest: null };

async function openPostgres(url: string, migrate: boolean): Promise<Database> {
  const location = redactUrl(url);
  let migrations = EMPTY_REPORT;
  if (migrate) {
    // Migrations hold a session advisory lock, so they need one connection of their own.
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
    } catch (cause) {
      throw new DatabaseError(`cannot connect to PostgreSQL at ${location}: ${(cause as Error).message}`, {
        cause,
      });
    }
    try {
      migrations = await applyMigrations(pgSession(client));
    } finally {
      await client.end();
    }
  }
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
  return {
    prisma,
    kind: "postgres",
    location,
    migrations,
    close: async () => {
      await prisma.$disconnect();
    },
  };
}

async function openPglite(dataDir: string, migrate: boolean): Promise<Database> {
  const dir = path.join(dataDir, "pglite");
  mkdirSync(dir, { recursive: true });
  const releaseLock = lockDataDir(dir);
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(dir);
  } catch (cause) {
    releaseLock();
    throw new DatabaseError(`cannot open the embedded database in ${dir}: ${(cause as Error).message}`, {
      cause,
    });
  }
  let migrations = EMPTY_REPORT;
  try {
    if (migrate) migrations = await applyMigrations(pgliteSession(pglite));
  } catch (error) {
    await pglite.close();
    releaseLock();
    throw error;
  }
  const prisma = new PrismaClient({ adapter: pgliteAdapter(pglite) });
  return {
    prisma,
    kind: "pglite",
    location: dir,
    migrations,
    close: async () => {
      await prisma.$disconnect();
      // Closing flushes PGlite's WAL; skipping it leaves a database that needs recovery.
      if (!pglite.closed) await pglite.close();
      releaseLock();
    },
  };
}

/**
 * PGlite is one process's database: a second process on the same files would corrupt them.
 * A pid file says who holds it; a stale one (its process gone) is taken over.
 */
function lockDataDir(dir: string): () => void {
  const file = path.join(dir, "agent-league.pid");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number.parseInt(readFileSync(file, "utf8"), 10);
      if (Number.isInteger(holder) && isAlive(holder)) {
        throw new DatabaseError(
          `the embedded database in ${dir} is in use by process ${holder}; stop it, or set LEAGUE_DATA_DIR ` +
            "to another directory, or DATABASE_URL to share a PostgreSQL database between processes",
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new DatabaseError(`cannot take the lock file ${file}`);
}

export function pgSession(client: pg.Client): SqlSession {
  return {
    query: async <Row>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as Row[],
    exec: async (sql: string) => {
      await client.query(sql);
    },
  };
}

export function pgliteSession(db: PGlite): SqlSession {
  return {
    query: async <Row>(sql: string, params?: unknown[]) => (await db.query<Row>(sql, params)).rows,
    exec: async (sql: string) => {
      await db.exec(sql);
    },
  };
}
