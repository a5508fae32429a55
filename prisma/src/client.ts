import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "./generated/prisma/client.js";
import { applyMigrations, type MigrationReport, type SqlSession } from "./migrate.js";
import { pgliteAdapter, pgliteSerializers } from "./pglite-adapter.js";
import { isAlive } from "./process.js";

export type DatabaseKind = "pglite" | "postgres";

export interface DatabaseOptions {
  /** PostgreSQL connection string; when absent the embedded PGlite is used. */
  databaseUrl?: string | undefined;
  /** Where embedded data lives (`LEAGUE_DATA_DIR`, default `./data`); PGlite keeps its files in `pglite/` there. */
  dataDir?: string | undefined;
  /** Apply committed migrations before returning (default true). */
  migrate?: boolean;
  /**
   * PGlite in a worker thread of its own, reached over the wire protocol (`PGLITE_THREAD=1`): its
   * queries never hold the caller's event loop. The server turns it on; default false (inline) for
   * other callers, whose tests open and close many short-lived databases.
   */
  pgliteThread?: boolean | undefined;
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
    pgliteThread: env.PGLITE_THREAD?.trim() === "1",
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
    : options.pgliteThread === true
      ? openPgliteThread(path.resolve(options.dataDir ?? "data"), options.migrate ?? true)
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

/** pglite-thread.js beside this module (built), or in dist when this runs from source (tests). */
function pgliteThreadScript(): URL {
  const here = new URL("./pglite-thread.js", import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  return new URL("../dist/pglite-thread.js", import.meta.url);
}

/**
 * PGlite on a worker thread (pglite-thread.ts), reached over a private Unix socket with the same
 * client as PostgreSQL: `pg` for migrations, @prisma/adapter-pg with a pool of one connection
 * (PGlite is one session) for Prisma.
 */
async function openPgliteThread(dataDir: string, migrate: boolean): Promise<Database> {
  const dir = path.join(dataDir, "pglite");
  mkdirSync(dir, { recursive: true });
  const releaseLock = lockDataDir(dir);
  // A directory only this user can enter; `pg` finds the socket as <host>/.s.PGSQL.<port>.
  const socketDir = mkdtempSync(path.join(os.tmpdir(), "league-pglite-"));
  const connection = { host: socketDir, port: 5432, user: "postgres", database: "postgres" };
  const worker = new Worker(pgliteThreadScript(), {
    workerData: { dataDir: dir, socketPath: path.join(socketDir, ".s.PGSQL.5432") },
  });
  // The open database does not by itself keep the process alive, as inline PGlite does not.
  worker.unref();
  let exited = false;
  worker.on("exit", () => {
    exited = true;
  });
  const cleanUp = () => {
    rmSync(socketDir, { recursive: true, force: true });
    releaseLock();
  };
  try {
    await new Promise<void>((resolve, reject) => {
      worker.once("message", (m: { ready?: true; error?: string }) =>
        m.ready ? resolve() : reject(new Error(m.error ?? "the database thread did not start")),
      );
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`the database thread exited with code ${code}`)));
    });
  } catch (cause) {
    await worker.terminate();
    cleanUp();
    throw new DatabaseError(`cannot open the embedded database in ${dir}: ${(cause as Error).message}`, {
      cause,
    });
  }
  const stop = async () => {
    // The thread closes PGlite (flushing its WAL) before it is let go.
    if (!exited) {
      const closed = new Promise<void>((resolve) => {
        worker.on("message", (m: { closed?: true }) => m.closed && resolve());
        worker.once("exit", () => resolve());
      });
      worker.postMessage({ close: true });
      // A thread that does not answer is let go rather than hang its closer.
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
      await worker.terminate();
    }
    cleanUp();
  };
  let migrations = EMPTY_REPORT;
  if (migrate) {
    const client = new pg.Client(connection);
    try {
      await client.connect();
      migrations = await applyMigrations(pgSession(client));
    } catch (error) {
      await client.end().catch(() => {});
      await stop();
      throw error;
    }
    await client.end();
  }
  const prisma = new PrismaClient({ adapter: new PrismaPg({ ...connection, max: 1 }) });
  return {
    prisma,
    kind: "pglite",
    location: dir,
    migrations,
    close: async () => {
      await prisma.$disconnect();
      await stop();
    },
  };
}

/** PGlite on the caller's own thread (the default): every query holds its event loop. */
async function openPglite(dataDir: string, migrate: boolean): Promise<Database> {
  const dir = path.join(dataDir, "pglite");
  mkdirSync(dir, { recursive: true });
  const releaseLock = lockDataDir(dir);
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(dir, { serializers: pgliteSerializers });
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
