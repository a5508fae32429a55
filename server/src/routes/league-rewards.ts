// The rewards of a car-soccer league's trained agents side by side with their ratings: which
// reward designs win. One row per rated version whose checkpoint carried a reward spec (analysed
// at validation, league/reward-insight.ts), best rating first.
import type { Database } from "@league/db";
import { getEnvSpec } from "@league/envs";
import { z } from "zod";
import { ApiError } from "../errors.js";
import type { Api } from "./api.js";
import { ErrorBody, LeagueId } from "./schemas.js";

const RewardRow = z.object({
  versionId: z.string(),
  version: z.number().int(),
  agent: z.object({ id: z.string(), name: z.string() }),
  owner: z.object({ name: z.string() }),
  rating: z.object({ mu: z.number(), sigma: z.number(), ordinal: z.number(), games: z.number().int() }),
  rewardAnalysis: z.unknown().meta({ description: "as on the agent's version (GET /api/v1/agents/:id)" }),
});

export function leagueRewardRoutes(app: Api, db: Database): void {
  app.get(
    "/api/v1/leagues/:id/rewards",
    {
      schema: {
        summary: "The reward designs of a car-soccer league's trained agents beside their ratings",
        description:
          "Every rated version of the league whose checkpoint carried its reward spec, best ordinal first, with the reward analysis made at validation: what each part of the reward pays for, its EPIC and STARC distance to goals, and any flag. Bandit and recommender leagues have no reward specs: 400.",
        tags: ["leagues"],
        params: z.object({ id: LeagueId }),
        response: {
          200: z.object({ leagueId: z.string(), items: z.array(RewardRow) }),
          400: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const league = await db.prisma.league.findUnique({ where: { id } });
      if (!league) throw new ApiError(404, "league_not_found", `no league with id "${id}"`);
      if (getEnvSpec(league.envId).family !== "car-soccer")
        throw new ApiError(
          400,
          "no_reward_specs",
          `league "${id}" is not car soccer: its agents carry no reward spec`,
        );
      const ratings = await db.prisma.rating.findMany({
        where: {
          leagueId: id,
          version: { rewardAnalysis: { not: { equals: null } }, status: { in: ["active", "reserve"] } },
        },
        orderBy: { ordinal: "desc" },
        take: 100,
        include: {
          version: {
            select: {
              id: true,
              version: true,
              rewardAnalysis: true,
              agent: { select: { id: true, name: true, owner: { select: { name: true } } } },
            },
          },
        },
      });
      return {
        leagueId: id,
        items: ratings.map((r) => ({
          versionId: r.version.id,
          version: r.version.version,
          agent: { id: r.version.agent.id, name: r.version.agent.name },
          owner: { name: r.version.agent.owner.name },
          rating: { mu: r.mu, sigma: r.sigma, ordinal: r.ordinal, games: r.games },
          rewardAnalysis: r.version.rewardAnalysis,
        })),
      };
    },
  );
}
