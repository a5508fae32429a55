import type { Database } from "@league/db";
import { z } from "zod";
import { ApiError } from "../errors.js";
import { ordinal } from "../ratings.js";
import type { Api } from "./api.js";
import { ErrorBody, LeagueId } from "./schemas.js";

const RatingView = z.object({
  leagueId: z.string(),
  mu: z.number(),
  sigma: z.number(),
  ordinal: z.number(),
  games: z.number().int(),
  wins: z.number().int(),
  losses: z.number().int(),
  draws: z.number().int(),
});

const VersionView = z.object({
  id: z.string(),
  version: z.number().int(),
  envId: z.string(),
  status: z
    .enum(["pending", "validating", "active", "reserve", "failed", "retired"])
    .describe(
      "`reserve`: validated but older than the agent's newest ACTIVE_VERSIONS_PER_AGENT versions; it stays on the ladder and plays less often",
    ),
  failureLog: z.string().nullable(),
  createdAt: z.string(),
  artifactSize: z.number().int(),
  manifest: z.unknown(),
  ratings: z.array(RatingView),
});

const AgentView = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(["scripted", "model", "remote"]),
    description: z.string(),
    owner: z.object({ name: z.string() }),
    createdAt: z.string(),
    versions: z.array(VersionView),
  })
  .meta({ id: "Agent" });

export function agentRoutes(app: Api, db: Database): void {
  app.get(
    "/api/v1/agents/:agentId",
    {
      schema: {
        summary: "An agent with its versions and their ratings per league",
        tags: ["agents"],
        params: z.object({ agentId: z.uuid() }),
        response: { 200: AgentView, 404: ErrorBody },
      },
    },
    async (request) => {
      const agent = await db.prisma.agent.findUnique({
        where: { id: request.params.agentId },
        include: {
          owner: { select: { name: true } },
          versions: {
            orderBy: { version: "desc" },
            // Artifacts can be megabytes: never loaded for a page.
            select: {
              id: true,
              version: true,
              envId: true,
              status: true,
              failureLog: true,
              createdAt: true,
              artifactSize: true,
              manifest: true,
              ratings: { orderBy: { leagueId: "asc" } },
            },
          },
        },
      });
      if (!agent) throw new ApiError(404, "agent_not_found", `no agent with id "${request.params.agentId}"`);
      return {
        id: agent.id,
        name: agent.name,
        kind: agent.kind,
        description: agent.description,
        owner: agent.owner,
        createdAt: agent.createdAt.toISOString(),
        versions: agent.versions.map((v) => ({
          id: v.id,
          version: v.version,
          envId: v.envId,
          status: v.status,
          failureLog: v.failureLog,
          createdAt: v.createdAt.toISOString(),
          artifactSize: v.artifactSize,
          manifest: v.manifest,
          ratings: v.ratings.map((r) => ({
            leagueId: r.leagueId,
            mu: r.mu,
            sigma: r.sigma,
            ordinal: r.ordinal,
            games: r.games,
            wins: r.wins,
            losses: r.losses,
            draws: r.draws,
          })),
        })),
      };
    },
  );

  app.get(
    "/api/v1/versions/:versionId/ratings",
    {
      schema: {
        summary: "A version's rating history in a league, oldest first (for charts)",
        tags: ["agents"],
        params: z.object({ versionId: z.uuid() }),
        querystring: z.object({
          league: LeagueId,
          limit: z.coerce.number().int().min(1).max(5000).default(1000),
        }),
        response: {
          200: z.object({
            versionId: z.string(),
            leagueId: z.string(),
            points: z.array(
              z.object({
                at: z.string(),
                matchId: z.string().nullable(),
                mu: z.number(),
                sigma: z.number(),
                ordinal: z.number(),
              }),
            ),
          }),
          404: ErrorBody,
        },
      },
    },
    async (request) => {
      const { versionId } = request.params;
      const { league, limit } = request.query;
      const version = await db.prisma.agentVersion.findUnique({
        where: { id: versionId },
        select: { id: true },
      });
      if (!version) throw new ApiError(404, "version_not_found", `no agent version with id "${versionId}"`);
      const events = await db.prisma.ratingEvent.findMany({
        where: { versionId, leagueId: league },
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
        take: limit,
      });
      return {
        versionId,
        leagueId: league,
        points: events.map((e) => ({
          at: e.createdAt.toISOString(),
          matchId: e.matchId,
          mu: e.muAfter,
          sigma: e.sigmaAfter,
          ordinal: ordinal({ mu: e.muAfter, sigma: e.sigmaAfter }),
        })),
      };
    },
  );
}
