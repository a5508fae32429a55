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

/** A database check this recent answers readiness without another round trip. */
const CHECK_REUSE_MS = 250;

export function healthRoutes(app: Api, db: Database, info: HealthInfo): void {
  // One `SELECT 1` serves every readiness request in flight and for CHECK_REUSE_MS after it: under
  // load a query per probe queued behind the embedded database's single thread (276 req/s on PGlite).
  let last = { ok: true, at: Number.NEGATIVE_INFINITY };
  let inFlight: Promise<boolean> | null = null;
  const databaseOk = (): Promise<boolean> => {
    if (Date.now() - last.at < CHECK_REUSE_MS) return Promise.resolve(last.ok);
    inFlight ??= db.prisma.$queryRaw`SELECT 1`
      .then(
        () => true,
        () => false,
      )
      .then((ok) => {
        last = { ok, at: Date.now() };
        inFlight = null;
        return ok;
      });
    return inFlight;
  };

  app.get(
    "/api/v1/health",
    {
      schema: {
        summary: "Readiness (default) or liveness (?probe=liveness)",
        description:
          "Readiness answers 503 while the database is unreachable (one check serves the probes of a quarter second); liveness answers 200 as long as the process serves requests and touches no database (it reports the last readiness finding), so an orchestrator restarts only a stuck process, not every server during a database outage.",
        tags: ["platform"],
        querystring: z.object({ probe: z.enum(["readiness", "liveness"]).default("readiness") }),
        response: { 200: Health, 503: Health },
      },
    },
    async (request, reply) => {
      // Liveness touches no database: it reports the last readiness check's finding.
      const ok = request.query.probe === "liveness" ? last.ok : await databaseOk();
      // 503 lets a load balancer or Kubernetes take this process out of rotation until the database is back.
      reply.code(ok || request.query.probe === "liveness" ? 200 : 503);
      return {
        status: ok ? ("ok" as const) : ("degraded" as const),
        version: info.version,
        uptimeSeconds: Math.round((Date.now() - info.startedAt.getTime()) / 1000),
        database: {
          kind: db.kind,
          ok,
          migration: db.migrations.latest,
          migrations: db.migrations.applied.length,
        },
      };
    },
  );
}
