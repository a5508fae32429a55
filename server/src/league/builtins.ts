// The built-in agents, owned by the system owner "league" and registered at start, idempotently:
// every scripted baseline in every duplicate league whose environment it plays, and the scripted
// car-soccer bots in every car-soccer league. The trained built-ins (trained-agents.ts) are added
// under the same owner.
import { BASELINES, baselinesFor, CAR_SOCCER_BOTS } from "@league/agents";
import type { PrismaClient } from "@league/db";
import { ENV_SPECS, makeDuplicateEnv } from "@league/envs";
import type { CarSoccerBotManifest } from "../match/players.js";
import { startingRating } from "../ratings.js";
import { createNextVersion } from "../storage/versions.js";

export const SYSTEM_OWNER = "league";

export interface BuiltinManifest {
  kind: "scripted";
  baseline: string;
  env: string;
  description: string;
}

/**
 * Car-soccer bots entered in the leagues: six distinct agents, so that 3v3 fills with bots alone.
 * "idle" is left out, it would only feed the others rating points.
 */
export const LEAGUE_CAR_SOCCER_BOTS = [
  "ball-chaser",
  "defender",
  "shadow",
  "boost-collector",
  "forward",
  "random",
] as const;

/** One built-in version to have: its agent's name and description, and its manifest. */
interface BuiltinEntry {
  name: string;
  description: string;
  manifest: BuiltinManifest | CarSoccerBotManifest;
}

/** Every built-in version: duplicate baselines first, then car-soccer bots (the order versions are numbered in). */
function builtinEntries(): BuiltinEntry[] {
  const entries: BuiltinEntry[] = [];
  for (const spec of Object.values(ENV_SPECS)) {
    if (spec.matchFormat !== "duplicate") continue;
    for (const baseline of baselinesFor(makeDuplicateEnv(spec.id))) {
      const description = BASELINES.find((b) => b.name === baseline)?.description ?? "";
      entries.push({
        name: baseline,
        description,
        manifest: { kind: "scripted", baseline, env: spec.id, description },
      });
    }
  }
  for (const spec of Object.values(ENV_SPECS)) {
    if (spec.family !== "car-soccer") continue;
    for (const bot of LEAGUE_CAR_SOCCER_BOTS) {
      const description = CAR_SOCCER_BOTS.find((b) => b.name === bot)?.description ?? "";
      entries.push({
        name: bot,
        description,
        manifest: { kind: "scripted", bot, env: spec.id, description },
      });
    }
  }
  return entries;
}

/**
 * Creates what is missing (a version per built-in and environment, in leagues that exist);
 * returns how many versions it created.
 */
export async function registerBuiltinAgents(prisma: PrismaClient): Promise<{ created: number }> {
  const owner = await prisma.owner.upsert({
    where: { name: SYSTEM_OWNER },
    create: { name: SYSTEM_OWNER },
    update: {},
  });
  let created = 0;
  for (const { name, description, manifest } of builtinEntries()) {
    const league = await prisma.league.findUnique({ where: { id: manifest.env } });
    if (!league) continue;
    const agent = await prisma.agent.upsert({
      where: { ownerId_name: { ownerId: owner.id, name } },
      create: { ownerId: owner.id, name, kind: "scripted", description },
      update: {},
    });
    const existing = await prisma.agentVersion.findFirst({
      where: { agentId: agent.id, envId: manifest.env },
    });
    if (existing) continue;
    // One version per environment the built-in plays; numbered in registration order.
    await createNextVersion(prisma, agent.id, {
      envId: manifest.env,
      manifest: { ...manifest },
      status: "active",
      ratings: { create: startingRating(league) },
    });
    created++;
  }
  return { created };
}
