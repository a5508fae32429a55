import type { Database } from "@league/db";
import { z } from "zod";
import type { Api } from "./api.js";

export interface HealthInfo {
  version: string;
  startedAt: Date;
}

const Health = z.object({
  status: z.enum(["ok", "degraded"]),
  version: z.string(),
  uptimeSeconds: z.number().int(),
  database: z.object({
    kind: z.enum(["pglite", "postgres"]),
    ok: z.boolean(),
    migration: z.string().nullable().meta({ description: "latest applied migration" }),
    migrations: z.number().int(),
  }),
});

export function healthRoutes(app: Api, db: Database, info: HealthInfo): void {
  app.get(
    "/api/v1/health",
    {
      schema: {
        summary: "Readiness (default) or liveness (?probe=liveness)",
        description:
          "Readiness answers 503 while the database is unreachable; liveness answers 200 as long as the process serves requests, so an orchestrator restarts only a stuck process, not every server during a database outage.",
        tags: ["platform"],
        querystring: z.object({ probe: z.enum(["readiness", "liveness"]).default("readiness") }),
        response: { 200: Health, 503: Health },
      },
    },
    async (request, reply) => {
      let databaseOk = true;
      try {
        await db.prisma.$queryRaw`SELECT 1`;
      } catch {
        databaseOk = false;
      }
      // 503 lets a load balancer or Kubernetes take this process out of rotation until the database is back.
      reply.code(databaseOk || request.query.probe === "liveness" ? 200 : 503);
      return {
        status: databaseOk ? ("ok" as const) : ("degraded" as const),
        version: info.version,
        uptimeSeconds: Math.round((Date.now() - info.startedAt.getTime()) / 1000),
        database: {
          kind: db.kind,
          ok: databaseOk,
          migration: db.migrations.latest,
          migrations: db.migrations.applied.length,
        },
      };
    },
  );
}
