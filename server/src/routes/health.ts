import type { Database } from "@league/db";
import type { FastifyInstance } from "fastify";

export interface HealthInfo {
  version: string;
  startedAt: Date;
}

export function healthRoutes(app: FastifyInstance, db: Database, info: HealthInfo): void {
  app.get("/api/v1/health", async (_request, reply) => {
    let databaseOk = true;
    try {
      await db.prisma.$queryRaw`SELECT 1`;
    } catch {
      databaseOk = false;
    }
    // 503 lets a load balancer or Kubernetes take this process out of rotation until the database is back.
    reply.code(databaseOk ? 200 : 503);
    return {
      status: databaseOk ? "ok" : "degraded",
      version: info.version,
      uptimeSeconds: Math.round((Date.now() - info.startedAt.getTime()) / 1000),
      database: {
        kind: db.kind,
        ok: databaseOk,
        migration: db.migrations.latest,
        migrations: db.migrations.applied.length,
      },
    };
  });
}
