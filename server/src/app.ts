import fastifyCors from "@fastify/cors";
import fastifyEtag from "@fastify/etag";
import fastifyHelmet from "@fastify/helmet";
import fastifyRateLimit from "@fastify/rate-limit";
import fastifySwagger from "@fastify/swagger";
import type { Database } from "@league/db";
import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import { authenticateRequest } from "./auth.js";
import { ApiError, type ApiErrorBody } from "./errors.js";
import type { PlatformEvents } from "./feed.js";
import { registerReadCache } from "./read-cache.js";
import { agentRoutes } from "./routes/agents.js";
import { challengeRoutes } from "./routes/challenges.js";
import { healthRoutes } from "./routes/health.js";
import { leagueRewardRoutes } from "./routes/league-rewards.js";
import { leagueRoutes } from "./routes/leagues.js";
import { matchRoutes } from "./routes/matches.js";
import { ownerRoutes } from "./routes/owners.js";
import { remoteRoutes } from "./routes/remote.js";
import { type SubmissionLimits, submissionRoutes } from "./routes/submissions.js";

export interface AppOptions {
  db: Database;
  version: string;
  logLevel?: string;
  /**
   * Writes (POST, PUT, PATCH, DELETE), all routes together, allowed per window to one owner (once its
   * key is verified, whichever of its keys it uses), or to one address (anything unauthenticated).
   */
  writeRateLimit?: { max: number; windowMs: number };
  /** Browser origins allowed to call the API (the web site's). */
  corsOrigins?: string[];
  submissionLimits?: SubmissionLimits;
  /** Caps per owner: unrevoked API keys, and live matches its remote agents play at once. */
  ownerLimits?: { apiKeysPerOwner: number; liveMatchesPerOwner: number; challengesPerOwner?: number };
  /** Where the API publishes platform events (agent submitted); none in some tests. */
  events?: PlatformEvents | null;
  /**
   * Serve league reads (list, league, leaderboard) from memory, staled by `events` and, with
   * `redisUrl`, by every other process; `maxAgeMs` bounds staleness from unannounced writes.
   */
  readCache?: { maxAgeMs: number; redisUrl?: string | undefined } | null;
  /** Rated games before a version is ranked on the leaderboard (the ladder's PLACEMENT_GAMES). */
  placementGames?: number;
  /** Length of a remote agent's rated live match, which the league picks (REMOTE_MATCH_SECONDS; 120). */
  remoteMatchSeconds?: number;
}

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Stable codes for the errors Fastify and its plugins raise themselves; others by their own code. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: "invalid_json",
  FST_ERR_CTP_EMPTY_JSON_BODY: "empty_body",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "unsupported_media_type",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "invalid_content_length",
  FST_ERR_CTP_BODY_TOO_LARGE: "too_large",
  FST_ERR_MAX_PARAM_LENGTH: "parameter_too_long",
  FST_ERR_BAD_URL: "invalid_url",
  FST_ERR_ASYNC_CONSTRAINT: "invalid_request",
};

function fastifyErrorCode(error: Error & { code?: string }): string {
  return (error.code && FASTIFY_CODES[error.code]) ?? error.code?.toLowerCase() ?? "bad_request";
}

/** A rate-limit window in words: "minute", "30 s". */
function describeWindow(ms: number): string {
  if (ms === 60_000) return "minute";
  if (ms === 3_600_000) return "hour";
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** The HTTP API as a Fastify instance, not yet listening: tests inject requests into it directly. */
export async function buildApp({
  db,
  version,
  logLevel = "silent",
  writeRateLimit = { max: 60, windowMs: 60_000 },
  corsOrigins = ["http://localhost:3000", "http://127.0.0.1:3000"],
  submissionLimits = { perOwnerPerDay: 20, activeVersionsPerAgent: 3 },
  ownerLimits = { apiKeysPerOwner: 10, liveMatchesPerOwner: 2 },
  events = null,
  readCache = null,
  placementGames,
  remoteMatchSeconds,
}: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: logLevel === "silent" ? false : { level: logLevel },
    bodyLimit: 1024 * 1024,
    // Without this, shutdown waits for idle keep-alive sockets (the web's fetch pool) to time out.
    forceCloseConnections: true,
    // Errors the router raises before any route (an over-long parameter, a malformed URL) skip the
    // error handler: they get the documented shape here.
    frameworkErrors: (error, _request, reply) => {
      const status =
        error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
      const body: ApiErrorBody = { error: { code: fastifyErrorCode(error), message: error.message } };
      void (reply as FastifyReply).code(status).send(body);
    },
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
      return reply
        .code(status)
        .send({ error: { code: fastifyErrorCode(error as Error), message: (error as Error).message } });
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
  // Reads are not rate-limited; this hook marks them before the plugin sees them. Every write
  // route shares the plugin's one store, so that an allowance does not multiply with routes.
  app.addHook("onRoute", (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.some((m) => WRITE_METHODS.has(m)))
      route.config = { ...(route.config as object), rateLimit: false };
  });
  await app.register(fastifyRateLimit, {
    global: true,
    max: writeRateLimit.max,
    timeWindow: writeRateLimit.windowMs,
    // Per owner once the whole key is verified (the route reuses that verification), else per
    // address: a known prefix with a wrong secret must not spend its owner's allowance.
    keyGenerator: async (request) => {
      if (!request.headers.authorization) return `ip:${request.ip}`;
      try {
        return `owner:${(await authenticateRequest(db.prisma, request)).owner.id}`;
      } catch {
        return `ip:${request.ip}`;
      }
    },
    errorResponseBuilder: (_request, context) =>
      new ApiError(
        429,
        "rate_limited",
        `too many writes: at most ${context.max} per ${describeWindow(writeRateLimit.windowMs)}; retry in ${Math.ceil(context.ttl / 1000)} s`,
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
    // Fills components.schemas with the schemas named by .meta({ id }); without it every $ref dangles.
    transformObject: jsonSchemaTransformObject,
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
  leagueRoutes(api, db, placementGames === undefined ? {} : { placementGames });
  ownerRoutes(api, db, ownerLimits);
  agentRoutes(api, db);
  matchRoutes(api, db);
  leagueRewardRoutes(api, db);
  await submissionRoutes(api, db, events, submissionLimits);
  remoteRoutes(api, db, events, {
    perOwnerPerDay: submissionLimits.perOwnerPerDay,
    liveMatchesPerOwner: ownerLimits.liveMatchesPerOwner,
    ...(remoteMatchSeconds === undefined ? {} : { matchSeconds: remoteMatchSeconds }),
  });
  challengeRoutes(api, db, events, {
    challengesPerOwner: ownerLimits.challengesPerOwner ?? 2,
    liveMatchesPerOwner: ownerLimits.liveMatchesPerOwner,
  });
  app.get("/api/v1/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  return app;
}
