import { type PGlite, PGlite as PGliteClass } from "@electric-sql/pglite";
import type { PrismaPg } from "@prisma/adapter-pg";
import { PrismaPGlite } from "pglite-prisma-adapter";

interface ArgType {
  scalarType?: string;
  arity?: "scalar" | "list";
}

interface SqlQuery {
  sql: string;
  args: unknown[];
  argTypes?: ArgType[];
}

/**
 * Prisma 6.19's query compiler sends `Bytes` arguments as base64 strings and expects the adapter
 * to decode them (as @prisma/adapter-pg does); pglite-prisma-adapter 0.6 passes arguments through
 * untouched, so PGlite would refuse them. We decode here.
 */
export function mapArg(arg: unknown, type: ArgType | undefined): unknown {
  if (arg === null || arg === undefined || !type) return arg;
  if (Array.isArray(arg) && type.arity === "list")
    return arg.map((item) => mapArg(item, { ...type, arity: "scalar" }));
  if (type.scalarType === "bytes") {
    if (typeof arg === "string") return Buffer.from(arg, "base64");
    if (Array.isArray(arg)) return Buffer.from(arg as number[]);
  }
  return arg;
}

/** PostgreSQL's type id of bytea. */
const BYTEA = 17;

/**
 * PGlite's own bytea serializer builds one string per byte (`Array.from(bytes).map(...)`): ~300 KB
 * of replay took the event loop tens of milliseconds and much garbage per stored match. The same
 * text, `\x` and lowercase hex, from Node's native encoder.
 */
export const pgliteSerializers = {
  [BYTEA]: (value: unknown): string => {
    if (!(value instanceof Uint8Array)) throw new Error("Invalid input for bytea type");
    return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex")}`;
  },
};

function mapQuery(query: SqlQuery): SqlQuery {
  const types = query.argTypes;
  if (!types) return query;
  return { ...query, args: query.args.map((arg, i) => mapArg(arg, types[i])) };
}

interface PostgresErrorCause {
  kind: "postgres";
  code: string;
  message: string;
  detail?: string;
  column?: string;
}

/**
 * Prisma 6.19 maps driver errors to its codes (P2002 unique, P2003 foreign key, ...) only when the
 * adapter names their kind, as @prisma/adapter-pg does; pglite-prisma-adapter 0.6 reports them all
 * as kind "postgres". Same mapping as adapter-pg's, for the codes the platform relies on.
 */
export function mapPostgresError(cause: PostgresErrorCause): Record<string, unknown> {
  const fields = cause.detail
    ?.match(/Key \(([^)]+)\)/)
    ?.at(1)
    ?.split(", ");
  const constraint = fields ? { fields } : undefined;
  const base = { originalCode: cause.code, originalMessage: cause.message };
  switch (cause.code) {
    case "23505":
      return { ...base, kind: "UniqueConstraintViolation", constraint };
    case "23503":
      return {
        ...base,
        kind: "ForeignKeyConstraintViolation",
        constraint: cause.column ? { fields: [cause.column] } : undefined,
      };
    case "23502":
      return { ...base, kind: "NullConstraintViolation", constraint };
    case "22001":
      return { ...base, kind: "LengthMismatch", column: cause.column };
    case "22003":
      return { ...base, kind: "ValueOutOfRange", cause: cause.message };
    case "40001":
      return { ...base, kind: "TransactionWriteConflict" };
    default:
      return cause as unknown as Record<string, unknown>;
  }
}

function rethrowMapped(error: unknown): never {
  const cause = (error as { name?: string; cause?: PostgresErrorCause } | null)?.cause;
  if ((error as { name?: string })?.name === "DriverAdapterError" && cause?.kind === "postgres") {
    (error as { cause: unknown }).cause = mapPostgresError(cause);
  }
  throw error;
}

/** The part of PGlite (or one of its transactions) that runs a multi-statement script. */
interface ScriptRunner {
  exec(sql: string): Promise<{ affectedRows?: number }[]>;
}

/**
 * Wraps a queryable (adapter or transaction) so that every query's arguments are mapped first.
 * With `scripts`, an argument-less `executeRaw` runs over the simple query protocol, as `pg` does:
 * Prisma's schema engine sends whole migration scripts that way.
 */
function withMappedArgs<T extends object>(queryable: T, scripts?: ScriptRunner): T {
  return new Proxy(queryable, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      if (prop === "executeRaw" && scripts) {
        return async (query: SqlQuery) => {
          if (query.args.length > 0) return value.call(target, mapQuery(query)).catch(rethrowMapped);
          const results = await scripts.exec(query.sql).catch(rethrowMapped);
          return results.reduce((sum, r) => sum + (r.affectedRows ?? 0), 0);
        };
      }
      if (prop === "queryRaw" || prop === "executeRaw") {
        return (query: SqlQuery) => value.call(target, mapQuery(query)).catch(rethrowMapped);
      }
      if (prop === "startTransaction") {
        return async (...args: unknown[]) => withMappedArgs(await value.apply(target, args));
      }
      return value.bind(target);
    },
  });
}

/** A Prisma driver adapter factory over one PGlite instance. */
export function pgliteAdapter(db: PGlite): PrismaPg {
  const factory = new PrismaPGlite(db);
  const wrapped = {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => withMappedArgs(await factory.connect(), db),
    connectToShadowDb: async () => {
      // `prisma migrate dev` replays migrations on a throw-away in-memory database.
      const shadow = new PGliteClass();
      return withMappedArgs(await new PrismaPGlite(shadow).connect(), shadow);
    },
  };
  // Typed against an older @prisma/driver-adapter-utils; the runtime contract is the same.
  return wrapped as unknown as PrismaPg;
}
