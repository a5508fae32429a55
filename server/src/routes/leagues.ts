import type { Database, League } from "@league/db";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { ApiError } from "../errors.js";

const LeagueParams = z.object({ id: z.string().min(1).max(64) });

function leagueView(league: League & { _count: { ratings: number; matches: number } }) {
  return {
    id: league.id,
    envId: league.envId,
    envVersion: league.envVersion,
    mode: league.mode === "head_to_head" ? "head-to-head" : "duplicate",
    title: league.title,
    description: league.description,
    teamSize: league.teamSize,
    rating: {
      model: league.ratingModel,
      mu: league.mu,
      sigma: league.sigma,
      beta: league.beta,
      tau: league.tau,
    },
    ratedVersions: league._count.ratings,
    finishedMatches: league._count.matches,
  };
}

const withCounts = {
  _count: { select: { ratings: true, matches: { where: { status: "finished" as const } } } },
} as const;

export function leagueRoutes(app: FastifyInstance, db: Database): void {
  app.get("/api/v1/leagues", async () => {
    const leagues = await db.prisma.league.findMany({
      where: { active: true },
      orderBy: { id: "asc" },
      include: withCounts,
    });
    return { items: leagues.map(leagueView) };
  });

  app.get("/api/v1/leagues/:id", async (request) => {
    const params = LeagueParams.safeParse(request.params);
    if (!params.success) throw new ApiError(400, "invalid_league_id", "league id must be 1 to 64 characters");
    const league = await db.prisma.league.findUnique({ where: { id: params.data.id }, include: withCounts });
    if (!league) throw new ApiError(404, "league_not_found", `no league with id "${params.data.id}"`);
    return leagueView(league);
  });
}
