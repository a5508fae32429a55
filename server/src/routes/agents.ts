import { manifestFormat } from "@league/agents";
import { type Database, Prisma } from "@league/db";
import { z } from "zod";
import { ApiError } from "../errors.js";
import { ordinal } from "../ratings.js";
import type { Api } from "./api.js";
import { ErrorBody, LeagueId, storableText } from "./schemas.js";

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

const ratingView = (r: z.infer<typeof RatingView>): z.infer<typeof RatingView> => ({
  leagueId: r.leagueId,
  mu: r.mu,
  sigma: r.sigma,
  ordinal: r.ordinal,
  games: r.games,
  wins: r.wins,
  losses: r.losses,
  draws: r.draws,
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
  format: z
    .enum(["tfjs", "onnx"])
    .nullable()
    .describe(
      "A model agent's network: a tfjs LayersModel or an ONNX graph; null for scripted and remote agents",
    ),
  manifest: z.unknown(),
  rewardAnalysis: z
    .unknown()
    .nullable()
    .describe(
      "A car-soccer checkpoint's reward spec analysed at validation (component shares, EPIC and STARC distance to goals, termination and reward-hacking flags); null when its checkpoint carries no reward spec; { error } when the analysis could not be made",
    ),
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

const HeadToHeadRow = z
  .object({
    leagueId: z.string(),
    opponent: z.object({ id: z.string(), name: z.string(), owner: z.object({ name: z.string() }) }),
    games: z.number().int().meta({ description: "finished matches in which the two met as opponents" }),
    wins: z.number().int().meta({ description: "matches this agent finished ranked above the opponent" }),
    draws: z.number().int(),
    losses: z.number().int(),
    scoreFor: z
      .number()
      .meta({ description: "this agent's summed score: goals, or mean return in duplicate matches" }),
    scoreAgainst: z.number(),
  })
  .meta({ id: "HeadToHead" });

/**
 * Every opponent an agent met, per league: in head-to-head leagues the players of the other team,
 * in duplicate leagues every other seat (ranked by return). Any version of the agent counts.
 */
async function headToHead(db: Database, agentId: string, leagueId: string | undefined) {
  const inLeague = leagueId ? Prisma.sql`AND m."leagueId" = ${leagueId}` : Prisma.empty;
  const rows = await db.prisma.$queryRaw<
    {
      leagueId: string;
      opponentId: string;
      opponentName: string;
      ownerName: string;
      games: number;
      wins: number;
      draws: number;
      losses: number;
      scoreFor: number | null;
      scoreAgainst: number | null;
    }[]
  >`
    SELECT m."leagueId", oa.id::text AS "opponentId", oa.name AS "opponentName", oo.name AS "ownerName",
           COUNT(*)::int AS games,
           COUNT(*) FILTER (WHERE me.rank < them.rank)::int AS wins,
           COUNT(*) FILTER (WHERE me.rank = them.rank)::int AS draws,
           COUNT(*) FILTER (WHERE me.rank > them.rank)::int AS losses,
           SUM(me.score)::float8 AS "scoreFor", SUM(them.score)::float8 AS "scoreAgainst"
    FROM "MatchParticipant" me
    JOIN "AgentVersion" mv ON mv.id = me."versionId"
    JOIN "Match" m ON m.id = me."matchId"
    JOIN "League" l ON l.id = m."leagueId"
    JOIN "MatchParticipant" them ON them."matchId" = me."matchId" AND them.slot <> me.slot
      AND (l.mode = 'duplicate' OR them.team <> me.team)
    JOIN "AgentVersion" tv ON tv.id = them."versionId"
    JOIN "Agent" oa ON oa.id = tv."agentId"
    JOIN "Owner" oo ON oo.id = oa."ownerId"
    WHERE mv."agentId" = ${agentId}::uuid AND m.status = 'finished' ${inLeague}
    GROUP BY m."leagueId", oa.id, oa.name, oo.name
    ORDER BY m."leagueId", COUNT(*) DESC, oa.name`;
  return rows.map((r) => ({
    leagueId: r.leagueId,
    opponent: { id: r.opponentId, name: r.opponentName, owner: { name: r.ownerName } },
    games: Number(r.games),
    wins: Number(r.wins),
    draws: Number(r.draws),
    losses: Number(r.losses),
    scoreFor: Number(r.scoreFor ?? 0),
    scoreAgainst: Number(r.scoreAgainst ?? 0),
  }));
}

const OwnerAgents = z
  .object({
    owner: z.object({ name: z.string(), createdAt: z.string() }),
    agents: z.array(
      AgentView.omit({ owner: true, versions: true }).extend({
        versions: z.array(VersionView.omit({ manifest: true, format: true, rewardAnalysis: true })),
      }),
    ),
  })
  .meta({ id: "OwnerAgents" });

/** A version as agent pages list it; artifacts can be megabytes and are never loaded for a page. */
const VERSION_SUMMARY = {
  id: true,
  version: true,
  envId: true,
  status: true,
  failureLog: true,
  createdAt: true,
  artifactSize: true,
  ratings: { orderBy: { leagueId: "asc" } },
} satisfies Prisma.AgentVersionSelect;

export function agentRoutes(app: Api, db: Database): void {
  app.get(
    "/api/v1/owners/:name/agents",
    {
      schema: {
        summary: "An owner's agents, newest first, with every version's status and ratings",
        tags: ["agents"],
        // Storable text: a NUL in the path would otherwise reach PostgreSQL and fail there (500).
        params: z.object({ name: storableText(64).pipe(z.string().min(1)) }),
        response: { 200: OwnerAgents, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const { name } = request.params;
      const owner = await db.prisma.owner.findUnique({
        where: { name },
        select: {
          name: true,
          createdAt: true,
          agents: {
            orderBy: { createdAt: "desc" },
            select: {
              id: true,
              name: true,
              kind: true,
              description: true,
              createdAt: true,
              versions: {
                orderBy: { version: "desc" },
                select: VERSION_SUMMARY,
              },
            },
          },
        },
      });
      if (!owner) throw new ApiError(404, "owner_not_found", `no owner named "${name}"`);
      return {
        owner: { name: owner.name, createdAt: owner.createdAt.toISOString() },
        agents: owner.agents.map((a) => ({
          id: a.id,
          name: a.name,
          kind: a.kind,
          description: a.description,
          createdAt: a.createdAt.toISOString(),
          versions: a.versions.map((v) => ({
            id: v.id,
            version: v.version,
            envId: v.envId,
            status: v.status,
            failureLog: v.failureLog,
            createdAt: v.createdAt.toISOString(),
            artifactSize: v.artifactSize,
            ratings: v.ratings.map(ratingView),
          })),
        })),
      };
    },
  );

  app.get(
    "/api/v1/agents/:agentId/head-to-head",
    {
      schema: {
        summary: "An agent's results against each opponent it met, per league",
        tags: ["agents"],
        params: z.object({ agentId: z.uuid() }),
        querystring: z.object({ league: LeagueId.optional() }),
        response: { 200: z.object({ agentId: z.string(), items: z.array(HeadToHeadRow) }), 404: ErrorBody },
      },
    },
    async (request) => {
      const { agentId } = request.params;
      const agent = await db.prisma.agent.findUnique({ where: { id: agentId }, select: { id: true } });
      if (!agent) throw new ApiError(404, "agent_not_found", `no agent with id "${agentId}"`);
      return { agentId, items: await headToHead(db, agentId, request.query.league) };
    },
  );

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
            select: {
              ...VERSION_SUMMARY,
              manifest: true,
              rewardAnalysis: true,
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
          format: agent.kind === "model" ? manifestFormat(v.manifest) : null,
          manifest: v.manifest,
          rewardAnalysis: v.rewardAnalysis ?? null,
          ratings: v.ratings.map(ratingView),
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
