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
/**
 * A good finding this recent still answers at once while the next check runs in the background:
 * a probe never waits behind the database's queue (the embedded one runs one query at a time, and
 * a replay being stored made probes wait 100–200 ms). An older or bad finding is waited for, so an
 * outage shows within about this long.
 */
const STALE_OK_MS = 2000;
/** A check unanswered this long is a failed one: readiness never waits on a hung database. */
const CHECK_TIMEOUT_MS = 3000;

export function healthRoutes(app: Api, db: Database, info: HealthInfo): void {
  // One `SELECT 1` serves every readiness request in flight and for CHECK_REUSE_MS after it: under
  // load a query per probe queued behind the embedded database's single thread (276 req/s on PGlite).
  let last = { ok: true, at: Number.NEGATIVE_INFINITY };
  let inFlight: Promise<boolean> | null = null;
  const check = (): Promise<boolean> => {
    if (inFlight) return inFlight;
    let timer: NodeJS.Timeout | undefined;
    inFlight = Promise.race([
      db.prisma.$queryRaw`SELECT 1`.then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(resolve, CHECK_TIMEOUT_MS, false);
      }),
    ]).then((ok) => {
      clearTimeout(timer);
      last = { ok, at: Date.now() };
      inFlight = null;
      return ok;
    });
    return inFlight;
  };
  const databaseOk = (): Promise<boolean> => {
    const age = Date.now() - last.at;
    if (age < CHECK_REUSE_MS) return Promise.resolve(last.ok);
    if (last.ok && age < STALE_OK_MS) {
      void check();
      return Promise.resolve(true);
    }
    return check();
  };

  app.get(
    "/api/v1/health",
    {
      schema: {
        summary: "Readiness (default) or liveness (?probe=liveness)",
        description:
          "Readiness answers 503 while the database is unreachable or a check goes unanswered for 3 s (one check serves the probes of a quarter second; a good finding under 2 s old answers at once while the next check runs); liveness answers 200 as long as the process serves requests and touches no database (it reports the last readiness finding), so an orchestrator restarts only a stuck process, not every server during a database outage.",
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
