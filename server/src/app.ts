import type { Database } from "@league/db";
import Fastify, { type FastifyInstance } from "fastify";
import { ApiError } from "./errors.js";
import { healthRoutes } from "./routes/health.js";
import { leagueRoutes } from "./routes/leagues.js";

export interface AppOptions {
  db: Database;
  version: string;
  logLevel?: string;
}

/** The HTTP API as a Fastify instance, not yet listening: tests inject requests into it directly. */
export function buildApp({ db, version, logLevel = "silent" }: AppOptions): FastifyInstance {
  const app = Fastify({
    logger: logLevel === "silent" ? false : { level: logLevel },
    bodyLimit: 1024 * 1024,
    // Without this, shutdown waits for idle keep-alive sockets (the web's fetch pool) to time out.
    forceCloseConnections: true,
  });

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof ApiError) return reply.code(error.status).send(error.toBody());
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

  healthRoutes(app, db, { version, startedAt: new Date() });
  leagueRoutes(app, db);
  return app;
}
