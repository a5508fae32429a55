// The scripted car-soccer bots as built-in agents of every car-soccer league, owned by the system
// owner "league" like the duplicate baselines (see league/builtins.ts). Registered idempotently.
import { CAR_SOCCER_BOTS } from "@league/agents";
import type { PrismaClient } from "@league/db";
import { ENV_SPECS } from "@league/envs";
import { SYSTEM_OWNER } from "../league/builtins.js";
import { startingRating } from "../ratings.js";

export interface CarSoccerBotManifest {
  kind: "scripted";
  /** Name for createCarSoccerBot. */
  bot: string;
  env: string;
  description: string;
}

/**
 * Bots entered in the leagues: six distinct agents, so that 3v3 fills with bots alone. "idle" is
 * left out, it would only feed the others rating points.
 */
export const LEAGUE_CAR_SOCCER_BOTS = [
  "ball-chaser",
  "defender",
  "shadow",
  "boost-collector",
  "forward",
  "random",
] as const;

/** Creates what is missing; returns how many versions it created. */
export async function registerCarSoccerBots(prisma: PrismaClient): Promise<{ created: number }> {
  const owner = await prisma.owner.upsert({
    where: { name: SYSTEM_OWNER },
    create: { name: SYSTEM_OWNER },
    update: {},
  });
  let created = 0;
  for (const spec of Object.values(ENV_SPECS)) {
    if (spec.family !== "car-soccer") continue;
    const league = await prisma.league.findUnique({ where: { id: spec.id } });
    if (!league) continue;
    for (const bot of LEAGUE_CAR_SOCCER_BOTS) {
      const description = CAR_SOCCER_BOTS.find((b) => b.name === bot)?.description ?? "";
      const agent = await prisma.agent.upsert({
        where: { ownerId_name: { ownerId: owner.id, name: bot } },
        create: { ownerId: owner.id, name: bot, kind: "scripted", description },
        update: {},
      });
      const existing = await prisma.agentVersion.findFirst({ where: { agentId: agent.id, envId: spec.id } });
      if (existing) continue;
      const last = await prisma.agentVersion.findFirst({
        where: { agentId: agent.id },
        orderBy: { version: "desc" },
      });
      const manifest: CarSoccerBotManifest = { kind: "scripted", bot, env: spec.id, description };
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

/** The bot name of a built-in car-soccer version's manifest, or null for any other version. */
export function carSoccerBotOf(manifest: unknown): string | null {
  const m = manifest as Partial<CarSoccerBotManifest> | null;
  return m?.kind === "scripted" && typeof m.bot === "string" ? m.bot : null;
}
