import fastifySwagger from "@fastify/swagger";
import type { Database } from "@league/db";
import Fastify, { type FastifyInstance } from "fastify";
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import { ApiError } from "./errors.js";
import { healthRoutes } from "./routes/health.js";
import { leagueRoutes } from "./routes/leagues.js";
import { ownerRoutes } from "./routes/owners.js";

export interface AppOptions {
  db: Database;
  version: string;
  logLevel?: string;
}

/** The HTTP API as a Fastify instance, not yet listening: tests inject requests into it directly. */
export async function buildApp({ db, version, logLevel = "silent" }: AppOptions): Promise<FastifyInstance> {
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

  const api = app.withTypeProvider<ZodTypeProvider>();
  healthRoutes(api, db, { version, startedAt: new Date() });
  leagueRoutes(api, db);
  ownerRoutes(api, db);
  app.get("/api/v1/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  return app;
}
