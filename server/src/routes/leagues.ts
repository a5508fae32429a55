import type { Database, League } from "@league/db";
import { z } from "zod";
import { ApiError } from "../errors.js";
import type { Api } from "./api.js";
import { ErrorBody, LeagueId } from "./schemas.js";

const LeagueView = z
  .object({
    id: z.string(),
    envId: z.string(),
    envVersion: z.number().int(),
    mode: z.enum(["head-to-head", "duplicate"]),
    title: z.string(),
    description: z.string(),
    teamSize: z.number().int(),
    rating: z.object({
      model: z.string(),
      mu: z.number(),
      sigma: z.number(),
      beta: z.number(),
      tau: z.number(),
    }),
    ratedVersions: z.number().int(),
    finishedMatches: z.number().int(),
  })
  .meta({ id: "League" });

function leagueView(
  league: League & { _count: { ratings: number; matches: number } },
): z.infer<typeof LeagueView> {
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

/** Matches over which the leaderboard's trend is measured. */
const TREND_MATCHES = 5;

const LeaderboardEntry = z
  .object({
    rank: z.number().int().meta({ description: "1 = highest ordinal" }),
    versionId: z.string(),
    version: z.number().int(),
    agent: z.object({ id: z.string(), name: z.string() }),
    owner: z.object({ name: z.string() }),
    mu: z.number(),
    sigma: z.number(),
    ordinal: z.number().meta({ description: "mu - 3 sigma: the sort key" }),
    games: z.number().int(),
    wins: z.number().int(),
    losses: z.number().int(),
    draws: z.number().int(),
    winRate: z.number().nullable(),
    trend: z
      .number()
      .meta({ description: `change of the ordinal over the version's last ${TREND_MATCHES} rated matches` }),
  })
  .meta({ id: "LeaderboardEntry" });

/** Ordinal change over each version's last few rating events in the league, in one query. */
async function trends(db: Database, leagueId: string, versionIds: string[]): Promise<Map<string, number>> {
  if (versionIds.length === 0) return new Map();
  const rows = await db.prisma.$queryRaw<{ versionId: string; trend: number }[]>`
    SELECT "versionId", SUM(("muAfter" - 3 * "sigmaAfter") - ("muBefore" - 3 * "sigmaBefore"))::float8 AS trend
    FROM (
      SELECT "versionId", "muAfter", "sigmaAfter", "muBefore", "sigmaBefore",
             row_number() OVER (PARTITION BY "versionId" ORDER BY "createdAt" DESC, id DESC) AS recent
      FROM "RatingEvent"
      WHERE "leagueId" = ${leagueId} AND "versionId" = ANY(${versionIds}::uuid[])
    ) last_events
    WHERE recent <= ${TREND_MATCHES}
    GROUP BY "versionId"`;
  return new Map(rows.map((r) => [r.versionId, Number(r.trend)]));
}

const LeaderboardQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(200).optional().meta({ description: "`nextCursor` of the previous page" }),
  minGames: z.coerce.number().int().min(0).default(0),
});

interface Cursor {
  ordinal: number;
  versionId: string;
  rank: number;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.ordinal, cursor.versionId, cursor.rank])).toString("base64url");
}

function decodeCursor(text: string): Cursor {
  try {
    const [ordinal, versionId, rank] = JSON.parse(
      Buffer.from(text, "base64url").toString("utf8"),
    ) as unknown[];
    if (typeof ordinal === "number" && typeof versionId === "string" && Number.isInteger(rank)) {
      return { ordinal, versionId, rank: rank as number };
    }
  } catch {
    // Falls through to the error below.
  }
  throw new ApiError(400, "invalid_cursor", "cursor is not one this API returned; start again without it");
}

export function leagueRoutes(app: Api, db: Database): void {
  app.get(
    "/api/v1/leagues",
    {
      schema: {
        summary: "All active leagues",
        tags: ["leagues"],
        response: { 200: z.object({ items: z.array(LeagueView) }) },
      },
    },
    async () => {
      const leagues = await db.prisma.league.findMany({
        where: { active: true },
        orderBy: { id: "asc" },
        include: withCounts,
      });
      return { items: leagues.map(leagueView) };
    },
  );

  app.get(
    "/api/v1/leagues/:id",
    {
      schema: {
        summary: "One league",
        tags: ["leagues"],
        params: z.object({ id: LeagueId }),
        response: { 200: LeagueView, 404: ErrorBody },
      },
    },
    async (request) => {
      const league = await db.prisma.league.findUnique({
        where: { id: request.params.id },
        include: withCounts,
      });
      if (!league) throw new ApiError(404, "league_not_found", `no league with id "${request.params.id}"`);
      return leagueView(league);
    },
  );

  app.get(
    "/api/v1/leagues/:id/leaderboard",
    {
      schema: {
        summary: "A league's leaderboard, by ordinal (mu - 3 sigma), highest first",
        description:
          "Keyset pagination: pass `nextCursor` as `cursor` for the next page. Pages stay consistent while new ratings arrive.",
        tags: ["leagues"],
        params: z.object({ id: LeagueId }),
        querystring: LeaderboardQuery,
        response: {
          200: z.object({
            league: z.string(),
            items: z.array(LeaderboardEntry),
            nextCursor: z.string().nullable(),
          }),
          400: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const { limit, cursor, minGames } = request.query;
      const league = await db.prisma.league.findUnique({ where: { id }, select: { id: true } });
      if (!league) throw new ApiError(404, "league_not_found", `no league with id "${id}"`);
      const after = cursor ? decodeCursor(cursor) : null;
      const rows = await db.prisma.rating.findMany({
        where: {
          leagueId: id,
          games: { gte: minGames },
          ...(after
            ? {
                OR: [
                  { ordinal: { lt: after.ordinal } },
                  { ordinal: after.ordinal, versionId: { gt: after.versionId } },
                ],
              }
            : {}),
        },
        orderBy: [{ ordinal: "desc" }, { versionId: "asc" }],
        take: limit + 1,
        include: {
          version: {
            select: {
              version: true,
              agent: { select: { id: true, name: true, owner: { select: { name: true } } } },
            },
          },
        },
      });
      const page = rows.slice(0, limit);
      const firstRank = (after?.rank ?? 0) + 1;
      const trendOf = await trends(
        db,
        id,
        page.map((r) => r.versionId),
      );
      const items = page.map((r, i) => ({
        rank: firstRank + i,
        versionId: r.versionId,
        version: r.version.version,
        agent: { id: r.version.agent.id, name: r.version.agent.name },
        owner: { name: r.version.agent.owner.name },
        mu: r.mu,
        sigma: r.sigma,
        ordinal: r.ordinal,
        games: r.games,
        wins: r.wins,
        losses: r.losses,
        draws: r.draws,
        winRate: r.games > 0 ? r.wins / r.games : null,
        trend: trendOf.get(r.versionId) ?? 0,
      }));
      const last = items.at(-1);
      const nextCursor =
        rows.length > limit && last
          ? encodeCursor({ ordinal: last.ordinal, versionId: last.versionId, rank: last.rank })
          : null;
      return { league: id, items, nextCursor };
    },
  );
}
