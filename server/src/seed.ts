import type { PrismaClient } from "@league/db";
import { ENV_SPECS, type EnvSpec } from "@league/envs";

// OpenSkill's defaults (Weng-Lin): mu 25, sigma mu/3, beta sigma/2, tau mu/300.
const MU = 25;
const SIGMA = MU / 3;

function leagueFor(spec: EnvSpec) {
  return {
    id: spec.id,
    envId: spec.id,
    envVersion: spec.version,
    mode: spec.matchFormat === "duplicate" ? ("duplicate" as const) : ("head_to_head" as const),
    title: spec.title,
    description: spec.description,
    teamSize: spec.numTeams > 1 ? spec.numAgents / spec.numTeams : 1,
    ratingModel: "plackettLuce",
    mu: MU,
    sigma: SIGMA,
    beta: SIGMA / 2,
    tau: MU / 300,
  };
}

/**
 * One league per known environment. Idempotent: existing leagues are left as they are, so an
 * operator's changes to a league's rating parameters survive restarts.
 */
export async function seedLeagues(prisma: PrismaClient): Promise<{ created: number }> {
  const { count } = await prisma.league.createMany({
    data: Object.values(ENV_SPECS).map(leagueFor),
    skipDuplicates: true,
  });
  return { created: count };
}
