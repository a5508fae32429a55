import os from "node:os";
import { z } from "zod";

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

/** Every setting the server reads from its environment, validated once at start. */
const ServerConfigSchema = z.object({
  SERVER_PORT: port(2567),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATABASE_URL: z
    .string()
    .trim()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  LEAGUE_DATA_DIR: z.string().min(1).default("data"),
  /**
   * The embedded database on a worker thread of its own, reached over the wire protocol
   * (prisma/README.md): its queries never hold the event loop of the API and the live rooms.
   */
  PGLITE_THREAD: z
    .enum(["0", "1"])
    .default("1")
    .transform((v) => v === "1"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  WEB_PORT: port(3000),
  /** Comma-separated browser origins allowed to call the API; default: the web site on this machine. */
  CORS_ORIGINS: z
    .string()
    .optional()
    .transform((v) =>
      v
        ?.split(",")
        .map((o) => o.trim())
        .filter(Boolean),
    ),
  /** Milliseconds between ladder matches; 0 turns the ladder off. */
  LADDER_INTERVAL_MS: z.coerce.number().int().min(0).max(3_600_000).default(2000),
  /** Keep a live car-soccer match on in every car-soccer league. */
  LIVE_MATCHES: z
    .enum(["on", "off", "true", "false", "1", "0"])
    .default("on")
    .transform((v) => v === "on" || v === "true" || v === "1"),
  /** Length of a live match in seconds; 0 means the environment's own (five minutes). */
  LIVE_MATCH_SECONDS: z.coerce.number().int().min(0).max(3600).default(0),
  /**
   * Length of a remote agent's live match when the league picks it (the request names no
   * durationSeconds): such a match, against the scheduler's opponent, is rated.
   */
  REMOTE_MATCH_SECONDS: z.coerce.number().int().min(5).max(300).default(120),
  /** ONNX submissions whose model is probed (a process of up to 4 GiB each) at once; more get 503. */
  ONNX_PROBES: z.coerce.number().int().min(1).max(64).default(2),
  /** Live bandit/recommender matches kept going at once (the duplicate leagues in turn); 0 for none. */
  LIVE_DUPLICATE_MATCHES: z.coerce.number().int().min(0).max(16).default(1),
  /** Pace of a live bandit/recommender match: every seat plays this many steps a second. */
  LIVE_DUPLICATE_STEPS_PER_SECOND: z.coerce.number().gt(0).max(100_000).default(50),
  /**
   * Redis for scale-out: Colyseus presence and matchmaking across server processes, the feed
   * across processes, and ladder matches as jobs for match workers. Unset: one process, in memory.
   */
  REDIS_URL: z
    .string()
    .trim()
    .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  /** host:port at which clients reach this process's rooms (with REDIS_URL); default 127.0.0.1:SERVER_PORT. */
  PUBLIC_ADDRESS: z
    .string()
    .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, "must be host or host:port")
    .optional(),
  /**
   * Worker threads of the server that play headless ladder matches (embedded default) and
   * validation matches; default the cores less one (at least 1); 0 plays them on the event loop.
   */
  MATCH_THREADS: z.coerce
    .number()
    .int()
    .min(0)
    .max(64)
    .default(() => Math.max(1, os.availableParallelism() - 1)),
  /** Ladder matches a match worker plays at once. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  /** How long a worker's hold on a match lasts unrenewed: a dead worker's match is retried after about this. */
  WORKER_LOCK_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  SUBMISSIONS_PER_DAY: z.coerce.number().int().min(1).max(100_000).default(20),
  /** Versions of one agent that play at full rate; older validated ones are kept in reserve, playing less often. */
  ACTIVE_VERSIONS_PER_AGENT: z.coerce.number().int().min(1).max(100).default(3),
  /** Rated ladder games a newly validated version plays first, one in every match; 0 for none. */
  PLACEMENT_GAMES: z.coerce.number().int().min(0).max(1000).default(5),
  WRITE_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(60),
  /** Unrevoked API keys one owner may hold. */
  API_KEYS_PER_OWNER: z.coerce.number().int().min(1).max(1000).default(10),
  /** Live challenges (POST /challenges) one owner's versions may play in at once. */
  CHALLENGES_PER_OWNER: z.coerce.number().int().min(1).max(1000).default(2),
  /** Live matches one owner's remote agents may play at once. */
  LIVE_MATCHES_PER_OWNER: z.coerce.number().int().min(1).max(1000).default(2),
  READ_CACHE_MS: z.coerce.number().int().min(0).max(600_000).default(1000),
});

export type ServerConfig = z.infer<typeof ServerConfigSchema>;

/** Every environment variable the server and the match worker read (deployment files are checked against it). */
export const SERVER_ENV_VARS = Object.keys(ServerConfigSchema.shape);

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/**
 * Settings that are fine alone but not together. REDIS_URL without DATABASE_URL would queue ladder
 * matches on the embedded database of this one process, which no match worker can reach: they
 * would stay queued forever.
 */
function combinationProblems(env: NodeJS.ProcessEnv): string[] {
  const set = (name: string) => (env[name] ?? "").trim() !== "";
  if (set("REDIS_URL") && !set("DATABASE_URL"))
    return [
      `REDIS_URL=${JSON.stringify(env.REDIS_URL)} needs DATABASE_URL (unset): scaled out, match workers ` +
        "and other server processes must share one PostgreSQL, and the embedded database belongs to " +
        "this process alone; set DATABASE_URL to a postgres:// URL, or unset REDIS_URL to run in one process",
    ];
  return [];
}

/** Reads the configuration, or throws one message naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const parsed = ServerConfigSchema.safeParse(env);
  const combined = combinationProblems(env);
  if (parsed.success && combined.length === 0) return parsed.data;
  const problems = (parsed.success ? [] : parsed.error.issues).map((issue) => {
    const name = issue.path.join(".");
    return `${name}=${JSON.stringify(env[name] ?? "")}: ${issue.message}`;
  });
  throw new ConfigError(`invalid configuration: ${[...problems, ...combined].join("; ")}`);
}
