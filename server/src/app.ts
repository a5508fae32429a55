import fastifyCors from "@fastify/cors";
import fastifyEtag from "@fastify/etag";
import fastifyHelmet from "@fastify/helmet";
import fastifyRateLimit from "@fastify/rate-limit";
import fastifySwagger from "@fastify/swagger";
import type { Database } from "@league/db";
import Fastify, { type FastifyInstance } from "fastify";
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import { ApiError } from "./errors.js";
import type { PlatformEvents } from "./feed.js";
import { registerReadCache } from "./read-cache.js";
import { agentRoutes } from "./routes/agents.js";
import { healthRoutes } from "./routes/health.js";
import { leagueRoutes } from "./routes/leagues.js";
import { matchRoutes } from "./routes/matches.js";
import { ownerRoutes } from "./routes/owners.js";
import { remoteRoutes } from "./routes/remote.js";
import { type SubmissionLimits, submissionRoutes } from "./routes/submissions.js";

export interface AppOptions {
  db: Database;
  version: string;
  logLevel?: string;
  /** Writes (POST, PUT, PATCH, DELETE) allowed per API key, or per address without one, per window. */
  writeRateLimit?: { max: number; windowMs: number };
  /** Browser origins allowed to call the API (the web site's). */
  corsOrigins?: string[];
  submissionLimits?: SubmissionLimits;
  /** Where the API publishes platform events (agent submitted); none in some tests. */
  events?: PlatformEvents | null;
  /**
   * Serve league reads (list, league, leaderboard) from memory, staled by `events` and, with
   * `redisUrl`, by every other process; `maxAgeMs` bounds staleness from unannounced writes.
   */
  readCache?: { maxAgeMs: number; redisUrl?: string | undefined } | null;
  /** Rated games before a version is ranked on the leaderboard (the ladder's PLACEMENT_GAMES). */
  placementGames?: number;
}

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** The HTTP API as a Fastify instance, not yet listening: tests inject requests into it directly. */
export async function buildApp({
  db,
  version,
  logLevel = "silent",
  writeRateLimit = { max: 60, windowMs: 60_000 },
  corsOrigins = ["http://localhost:3000", "http://127.0.0.1:3000"],
  submissionLimits = { perOwnerPerDay: 20, activeVersionsPerAgent: 3 },
  events = null,
  readCache = null,
  placementGames,
}: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: logLevel === "silent" ? false : { level: logLevel },
    bodyLimit: 1024 * 1024,
    // Without this, shutdown waits for idle keep-alive sockets (the web's fetch pool) to time out.
    forceCloseConnections: true,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof ApiError) return reply.code(error.status).send(error.toBody());
    if (hasZodFastifySchemaValidationErrors(error)) {
      const details = error.validation.map((issue) => ({
        where: `${error.validationContext ?? "request"}${issue.instancePath.replaceAll("/", ".") || ""}`,
        message: issue.message ?? "invalid",
      }));
      const message = details.map((d) => `${d.where}: ${d.message}`).join("; ");
      return reply.code(400).send({ error: { code: "invalid_request", message, details } });
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      const code = (error as { code?: string }).code?.toLowerCase() ?? "bad_request";
      return reply.code(status).send({ error: { code, message: (error as Error).message } });
    }
    request.log.error(error);
    return reply.code(500).send({ error: { code: "internal", message: "internal server error" } });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({
      error: { code: "not_found", message: `no route for ${request.method} ${request.url.split("?")[0]}` },
    });
  });

  await app.register(fastifyHelmet, { crossOriginResourcePolicy: { policy: "cross-origin" } });
  await app.register(fastifyCors, { origin: corsOrigins, methods: ["GET", "POST", "DELETE"] });
  // Every write route is rate-limited; this hook marks them before the plugin sees them.
  app.addHook("onRoute", (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.some((m) => WRITE_METHODS.has(m)))
      route.config = { ...(route.config as object), rateLimit: {} };
  });
  await app.register(fastifyRateLimit, {
    global: false,
    max: writeRateLimit.max,
    timeWindow: writeRateLimit.windowMs,
    // Per key when a live key's prefix is presented, else per address: a made-up prefix must not
    // buy a fresh allowance (one indexed lookup; the secret is checked later, by the route).
    keyGenerator: async (request) => {
      const prefix = /\bal_[a-z0-9]{10}/.exec(request.headers.authorization ?? "")?.[0];
      if (!prefix) return `ip:${request.ip}`;
      const live = await db.prisma.apiKey.findFirst({
        where: { prefix, revokedAt: null },
        select: { id: true },
      });
      return live ? `key:${prefix}` : `ip:${request.ip}`;
    },
    errorResponseBuilder: (_request, context) =>
      new ApiError(
        429,
        "rate_limited",
        `too many writes: at most ${context.max} per ${context.after}; retry in ${Math.ceil(context.ttl / 1000)} s`,
      ),
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Agent League API",
        version,
        description:
          "Leagues, leaderboards, agents, matches and submissions. Errors: `{ error: { code, message } }`.",
      },
      components: {
        securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "al_… API key" } },
      },
    },
    transform: jsonSchemaTransform,
  });

  // Every response carries an ETag (If-None-Match answers 304); reads say to revalidate, and the
  // key-bound ones that no shared cache may keep them.
  await app.register(fastifyEtag, { weak: true });
  app.addHook("onSend", async (request, reply, payload) => {
    if (request.method === "GET" && !reply.hasHeader("cache-control"))
      reply.header("cache-control", request.headers.authorization ? "private, no-cache" : "public, no-cache");
    return payload;
  });
  if (readCache) registerReadCache(app, { ...readCache, events });

  const api = app.withTypeProvider<ZodTypeProvider>();
  healthRoutes(api, db, { version, startedAt: new Date() });
    // Fills components.schemas with the schemas named by .meta({ id }); without it every $ref dangles.
    transformObject: jsonSchemaTransformObject,
  leagueRoutes(api, db, placementGames === undefined ? {} : { placementGames });
  ownerRoutes(api, db);
  agentRoutes(api, db);
  matchRoutes(api, db);
  await submissionRoutes(api, db, events, submissionLimits);
  remoteRoutes(api, db, events);
  app.get("/api/v1/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  return app;
}
