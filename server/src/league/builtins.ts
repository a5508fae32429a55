// The built-in agents: every scripted baseline, entered in every league whose environment it
// plays, owned by the system owner "league". Registered at start, idempotently.
import { BASELINES, baselinesFor } from "@league/agents";
import type { PrismaClient } from "@league/db";
import { ENV_SPECS, makeDuplicateEnv } from "@league/envs";
import { startingRating } from "../ratings.js";

export const SYSTEM_OWNER = "league";

export interface BuiltinManifest {
  kind: "scripted";
  baseline: string;
  env: string;
  description: string;
}

/** Creates what is missing; returns how many versions it created. */
export async function registerBuiltinAgents(prisma: PrismaClient): Promise<{ created: number }> {
  const owner = await prisma.owner.upsert({
    where: { name: SYSTEM_OWNER },
    create: { name: SYSTEM_OWNER },
    update: {},
  });
  let created = 0;
  for (const spec of Object.values(ENV_SPECS)) {
    if (spec.matchFormat !== "duplicate") continue;
    const league = await prisma.league.findUnique({ where: { id: spec.id } });
    if (!league) continue;
    for (const baseline of baselinesFor(makeDuplicateEnv(spec.id))) {
      const info = BASELINES.find((b) => b.name === baseline);
      const agent = await prisma.agent.upsert({
        where: { ownerId_name: { ownerId: owner.id, name: baseline } },
        create: { ownerId: owner.id, name: baseline, kind: "scripted", description: info?.description ?? "" },
        update: {},
      });
      const existing = await prisma.agentVersion.findFirst({ where: { agentId: agent.id, envId: spec.id } });
      if (existing) continue;
      // One version per environment the baseline plays; numbered in registration order.
      const last = await prisma.agentVersion.findFirst({
        where: { agentId: agent.id },
        orderBy: { version: "desc" },
      });
      const manifest: BuiltinManifest = {
        kind: "scripted",
        baseline,
        env: spec.id,
        description: info?.description ?? "",
      };
      await prisma.agentVersion.create({
        data: {
          agentId: agent.id,
          version: (last?.version ?? 0) + 1,
          envId: spec.id,
          manifest: { ...manifest },
          status: "active",
          ratings: { create: startingRating(league) },
        },
      });
      created++;
    }
  }
  return { created };
}
