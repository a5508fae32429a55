import { type Database, type League, Prisma } from "@league/db";
import { z } from "zod";
import { ApiError } from "../errors.js";
import { SYSTEM_OWNER } from "../league/builtins.js";
import { DEFAULT_PLACEMENT_GAMES } from "../league/scheduler.js";
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
    rank: z.number().int().meta({ description: "1 = highest ordinal among versions past placement" }),
    versionId: z.string(),
    version: z.number().int(),
    agent: z.object({ id: z.string(), name: z.string(), kind: z.enum(["scripted", "model", "remote"]) }),
    owner: z.object({ name: z.string() }),
    builtin: z.boolean().meta({
      description: "shipped with the league (owner `league`): its version counts releases, not uploads",
    }),
    mu: z.number(),
    sigma: z.number(),
    ordinal: z.number().meta({ description: "mu - 3 sigma: the sort key within each tier" }),
    games: z.number().int(),
    wins: z.number().int(),
    losses: z.number().int(),
    draws: z.number().int(),
    winRate: z.number().nullable(),
    trend: z
      .number()
      .meta({ description: `change of the ordinal over the version's last ${TREND_MATCHES} rated matches` }),
    provisional: z.boolean().meta({
      description:
        "no rated games yet, or still in placement: listed after every version that has finished placement",
    }),
    placementGamesLeft: z
      .number()
      .int()
      .meta({ description: "rated games still to play before it is ranked" }),
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
  // Compared with an int4 column: a larger number would fail in the database, not here.
  minGames: z.coerce.number().int().min(0).max(2_147_483_647).default(0),
  best: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true")
    .meta({ description: "`true`: only each agent's best version (past placement first, then by ordinal)" }),
});

interface Cursor {
  ordinal: number;
  versionId: string;
  rank: number;
  /** 0: past placement, 1: provisional; provisional versions come after every other. */
  tier: number;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.ordinal, cursor.versionId, cursor.rank, cursor.tier])).toString(
    "base64url",
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function decodeCursor(text: string): Cursor {
  try {
    const [ordinal, versionId, rank, tier = 0] = JSON.parse(
      Buffer.from(text, "base64url").toString("utf8"),
    ) as unknown[];
    // JSON.parse reads 1e999 as Infinity; a rank below 0 would number the page from below 1.
    if (
      Number.isFinite(ordinal) &&
      typeof ordinal === "number" &&
      typeof versionId === "string" &&
      UUID.test(versionId) &&
      Number.isSafeInteger(rank) &&
      (rank as number) >= 0 &&
      (tier === 0 || tier === 1)
    ) {
      return { ordinal, versionId, rank: rank as number, tier };
    }
  } catch {
    // Falls through to the error below.
  }
  throw new ApiError(400, "invalid_cursor", "cursor is not one this API returned; start again without it");
}

/** Rated games after which a version is ranked: at least one, however short placement is. */
const placed = (placementGames: number) => Math.max(1, placementGames);

interface BoardRow {
  versionId: string;
  version: number;
  agentId: string;
  agentName: string;
  agentKind: "scripted" | "model" | "remote";
  ownerName: string;
  mu: number;
  sigma: number;
  ordinal: number;
  games: number;
  wins: number;
  losses: number;
  draws: number;
  provisional: boolean;
}

/**
 * One page of the board, ordered by (provisional last, ordinal desc, versionId): a version that has
 * not finished placement never ranks above one that has, whatever its starting ordinal. With `best`,
 * a version is kept only when no other version of its agent comes before it in that order.
 */
async function leaderboardRows(
  db: Database,
  q: {
    leagueId: string;
    limit: number;
    minGames: number;
    best: boolean;
    after: Cursor | null;
    placementGames: number;
  },
): Promise<BoardRow[]> {
  const threshold = placed(q.placementGames);
  const tier = (r: string) => Prisma.sql`(CASE WHEN ${Prisma.raw(r)}.games < ${threshold} THEN 1 ELSE 0 END)`;
  const bestOnly = q.best
    ? Prisma.sql`AND NOT EXISTS (
        SELECT 1 FROM "Rating" r2 JOIN "AgentVersion" v2 ON v2.id = r2."versionId"
        WHERE r2."leagueId" = r."leagueId" AND v2."agentId" = v."agentId" AND r2.games >= ${q.minGames}
          AND (${tier("r2")} < ${tier("r")}
            OR (${tier("r2")} = ${tier("r")} AND (r2.ordinal > r.ordinal
              OR (r2.ordinal = r.ordinal AND r2."versionId" < r."versionId")))))`
    : Prisma.empty;
  const afterCursor = q.after
    ? Prisma.sql`AND (${tier("r")} > ${q.after.tier}
        OR (${tier("r")} = ${q.after.tier} AND (r.ordinal < ${q.after.ordinal}
          OR (r.ordinal = ${q.after.ordinal} AND r."versionId" > ${q.after.versionId}::uuid))))`
    : Prisma.empty;
  const rows = await db.prisma.$queryRaw<(BoardRow & { tier: number })[]>`
    SELECT r."versionId"::text AS "versionId", v.version, a.id::text AS "agentId", a.name AS "agentName",
           a.kind::text AS "agentKind", o.name AS "ownerName", r.mu, r.sigma, r.ordinal,
           r.games, r.wins, r.losses, r.draws, ${tier("r")} AS tier
    FROM "Rating" r
    JOIN "AgentVersion" v ON v.id = r."versionId"
    JOIN "Agent" a ON a.id = v."agentId"
    JOIN "Owner" o ON o.id = a."ownerId"
    WHERE r."leagueId" = ${q.leagueId} AND r.games >= ${q.minGames} ${bestOnly} ${afterCursor}
    ORDER BY tier ASC, r.ordinal DESC, r."versionId" ASC
    LIMIT ${q.limit + 1}`;
  return rows.map(({ tier: t, ...r }) => ({
    ...r,
    version: Number(r.version),
    games: Number(r.games),
    wins: Number(r.wins),
    losses: Number(r.losses),
    draws: Number(r.draws),
    provisional: Number(t) === 1,
  }));
}

export function leagueRoutes(
  app: Api,
  db: Database,
  { placementGames = DEFAULT_PLACEMENT_GAMES }: { placementGames?: number } = {},
): void {
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
        summary:
          "A league's leaderboard, by ordinal (mu - 3 sigma), highest first; provisional versions last",
        description:
          "Versions with fewer rated games than placement asks (PLACEMENT_GAMES, at least one) are `provisional` and listed after every ranked version. Keyset pagination: pass `nextCursor` as `cursor` for the next page. Pages stay consistent while new ratings arrive.",
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
      const { limit, cursor, minGames, best } = request.query;
      const league = await db.prisma.league.findUnique({ where: { id }, select: { id: true } });
      if (!league) throw new ApiError(404, "league_not_found", `no league with id "${id}"`);
      const after = cursor ? decodeCursor(cursor) : null;
      const rows = await leaderboardRows(db, { leagueId: id, limit, minGames, best, after, placementGames });
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
        version: r.version,
        agent: { id: r.agentId, name: r.agentName, kind: r.agentKind },
        owner: { name: r.ownerName },
        builtin: r.ownerName === SYSTEM_OWNER,
        mu: r.mu,
        sigma: r.sigma,
        ordinal: r.ordinal,
        games: r.games,
        wins: r.wins,
        losses: r.losses,
        draws: r.draws,
        winRate: r.games > 0 ? r.wins / r.games : null,
        trend: trendOf.get(r.versionId) ?? 0,
        provisional: r.provisional,
        placementGamesLeft: Math.max(0, placed(placementGames) - r.games),
      }));
      const last = items.at(-1);
      const nextCursor =
        rows.length > limit && last
          ? encodeCursor({
              ordinal: last.ordinal,
              versionId: last.versionId,
              rank: last.rank,
              tier: last.provisional ? 1 : 0,
            })
          : null;
      return { league: id, items, nextCursor };
    },
  );
}
