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
  SUBMISSIONS_PER_DAY: z.coerce.number().int().min(1).max(100_000).default(20),
  ACTIVE_VERSIONS_PER_AGENT: z.coerce.number().int().min(1).max(100).default(3),
  WRITE_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(60),
});

export type ServerConfig = z.infer<typeof ServerConfigSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Reads the configuration, or throws one message naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const parsed = ServerConfigSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const name = issue.path.join(".");
    return `${name}=${JSON.stringify(env[name] ?? "")}: ${issue.message}`;
  });
  throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
}
