import { matchMaker } from "@colyseus/core";
import type { Database } from "@league/db";
import { decodeMatchReplay, encodeMatchReplay, type MatchReplayMetadata } from "@league/envs";
import { z } from "zod";
import { ApiError } from "../errors.js";
import type { Api } from "./api.js";
import { ErrorBody, LeagueId } from "./schemas.js";

const Participant = z.object({
  slot: z.number().int(),
  team: z.number().int(),
  versionId: z.string(),
  version: z.number().int(),
  agent: z.object({ id: z.string(), name: z.string() }),
  owner: z.object({ name: z.string() }),
  score: z.number().nullable(),
  rank: z.number().int().nullable(),
  rating: z
    .object({ muBefore: z.number(), sigmaBefore: z.number(), muAfter: z.number(), sigmaAfter: z.number() })
    .nullable(),
});

const MatchView = z
  .object({
    id: z.string(),
    leagueId: z.string(),
    seed: z.string().meta({ description: "decimal: seeds are 64-bit" }),
    status: z.enum(["queued", "running", "finished", "aborted"]),
    live: z.boolean(),
    rated: z.boolean().meta({
      description:
        "false: stored and shown but moved no rating (a challenge, or a remote match against a hand-picked bot or length)",
    }),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    result: z.unknown().nullable(),
    error: z.string().nullable(),
    hasReplay: z.boolean(),
    verified: z.boolean().nullable().meta({
      description:
        "checked when stored: a car-soccer replay re-simulated to every hash, its score and goals; a duplicate result recomputed from its seeds and the seats' recorded choices. Null when there was nothing to check; false means `error` says what did not reproduce",
    }),
    verification: z
      .unknown()
      .nullable()
      .meta({ description: "what the check found (kind, hashes or seeds checked, first mismatch)" }),
    participants: z.array(Participant),
  })
  .meta({ id: "Match" });

const matchInclude = {
  participants: {
    orderBy: { slot: "asc" as const },
    include: {
      version: {
        select: {
          version: true,
          agent: { select: { id: true, name: true, owner: { select: { name: true } } } },
        },
      },
    },
  },
};

type MatchRow = {
  id: string;
  leagueId: string;
  seed: bigint;
  status: "queued" | "running" | "finished" | "aborted";
  live: boolean;
  rated: boolean;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  result: unknown;
  error: string | null;
  verified: boolean | null;
  verification: unknown;
  replaySize?: number;
  participants: {
    slot: number;
    team: number;
    versionId: string;
    score: number | null;
    rank: number | null;
    muBefore: number | null;
    sigmaBefore: number | null;
    muAfter: number | null;
    sigmaAfter: number | null;
    version: { version: number; agent: { id: string; name: string; owner: { name: string } } };
  }[];
};

function matchView(m: MatchRow, hasReplay: boolean): z.infer<typeof MatchView> {
  return {
    id: m.id,
    leagueId: m.leagueId,
    seed: m.seed.toString(),
    status: m.status,
    live: m.live,
    rated: m.rated,
    createdAt: m.createdAt.toISOString(),
    startedAt: m.startedAt?.toISOString() ?? null,
    finishedAt: m.finishedAt?.toISOString() ?? null,
    result: m.result ?? null,
    error: m.error,
    hasReplay,
    verified: m.verified,
    verification: m.verification ?? null,
    participants: m.participants.map((p) => ({
      slot: p.slot,
      team: p.team,
      versionId: p.versionId,
      version: p.version.version,
      agent: { id: p.version.agent.id, name: p.version.agent.name },
      owner: { name: p.version.agent.owner.name },
      score: p.score,
      rank: p.rank,
      rating:
        p.muBefore !== null && p.sigmaBefore !== null && p.muAfter !== null && p.sigmaAfter !== null
          ? { muBefore: p.muBefore, sigmaBefore: p.sigmaBefore, muAfter: p.muAfter, sigmaAfter: p.sigmaAfter }
          : null,
    })),
  };
}

// Replays can be large: list queries never load them, only whether one exists.
const withoutReplay = {
  id: true,
  leagueId: true,
  seed: true,
  status: true,
  live: true,
  rated: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
  result: true,
  error: true,
  verified: true,
  verification: true,
} as const;

async function replayFlags(db: Database, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.prisma.match.findMany({
    where: { id: { in: ids }, replay: { not: null } },
    select: { id: true },
  });
  return new Set(rows.map((r) => r.id));
}

const Page = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
  agent: z.uuid().optional().meta({ description: "only matches this agent played" }),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A cursor's time exactly as this API writes it; anything else (a year PostgreSQL cannot hold) is refused. */
const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function decodeCursor(text: string): { finishedAt: Date; id: string } {
  try {
    const [t, id] = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as unknown[];
    if (typeof t === "string" && CURSOR_TIME.test(t) && typeof id === "string" && UUID.test(id)) {
      const finishedAt = new Date(t);
      // Rolls over impossible dates (2026-02-31): only a date that prints back the same is real.
      if (!Number.isNaN(finishedAt.getTime()) && finishedAt.toISOString() === t) return { finishedAt, id };
    }
  } catch {
    // Falls through.
  }
  throw new ApiError(400, "invalid_cursor", "cursor is not one this API returned; start again without it");
}

/** One page of finished matches, most recent first, keyed by (finishedAt, id) so pages never overlap. */
async function finishedPage(
  db: Database,
  scope: { leagueId?: string },
  { limit, cursor, agent }: { limit: number; cursor?: string; agent?: string },
) {
  const after = cursor ? decodeCursor(cursor) : null;
  const rows = await db.prisma.match.findMany({
    where: {
      ...scope,
      status: "finished",
      ...(agent ? { participants: { some: { version: { agentId: agent } } } } : {}),
      ...(after
        ? {
            OR: [
              { finishedAt: { lt: after.finishedAt } },
              { finishedAt: after.finishedAt, id: { lt: after.id } },
            ],
          }
        : {}),
    },
    orderBy: [{ finishedAt: "desc" }, { id: "desc" }],
    take: limit + 1,
    select: { ...withoutReplay, ...matchInclude },
  });
  const page = rows.slice(0, limit);
  const replays = await replayFlags(
    db,
    page.map((m) => m.id),
  );
  const last = page.at(-1);
  return {
    items: page.map((m) => matchView(m, replays.has(m.id))),
    nextCursor:
      rows.length > limit && last?.finishedAt
        ? Buffer.from(JSON.stringify([last.finishedAt.toISOString(), last.id])).toString("base64url")
        : null,
  };
}

export function matchRoutes(app: Api, db: Database): void {
  app.get(
    "/api/v1/leagues/:id/matches",
    {
      schema: {
        summary: "A league's finished matches, most recent first",
        tags: ["matches"],
        params: z.object({ id: LeagueId }),
        querystring: Page,
        response: {
          200: z.object({ items: z.array(MatchView), nextCursor: z.string().nullable() }),
          400: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const { limit, cursor, agent } = request.query;
      if (!(await db.prisma.league.findUnique({ where: { id }, select: { id: true } }))) {
        throw new ApiError(404, "league_not_found", `no league with id "${id}"`);
      }
      return finishedPage(db, { leagueId: id }, { limit, cursor, agent });
    },
  );

  app.get(
    "/api/v1/matches",
    {
      schema: {
        summary: "Finished matches across every league, most recent first",
        tags: ["matches"],
        querystring: Page,
        response: {
          200: z.object({ items: z.array(MatchView), nextCursor: z.string().nullable() }),
          400: ErrorBody,
        },
      },
    },
    async (request) => finishedPage(db, {}, request.query),
  );

  app.get(
    "/api/v1/matches/live",
    {
      schema: {
        summary: "Matches running now",
        tags: ["matches"],
        response: { 200: z.object({ items: z.array(MatchView) }) },
      },
    },
    async () => {
      const rows = await db.prisma.match.findMany({
        where: { status: "running" },
        orderBy: { startedAt: "desc" },
        take: 100,
        select: { ...withoutReplay, ...matchInclude },
      });
      return { items: rows.map((m) => matchView(m, false)) };
    },
  );

  app.get(
    "/api/v1/matches/:matchId",
    {
      schema: {
        summary: "One match with its participants, result and rating changes",
        tags: ["matches"],
        params: z.object({ matchId: z.uuid() }),
        response: { 200: MatchView, 404: ErrorBody },
      },
    },
    async (request) => {
      const match = await db.prisma.match.findUnique({
        where: { id: request.params.matchId },
        select: { ...withoutReplay, ...matchInclude },
      });
      if (!match) throw new ApiError(404, "match_not_found", `no match with id "${request.params.matchId}"`);
      return matchView(match, (await replayFlags(db, [match.id])).has(match.id));
    },
  );

  app.get(
    "/api/v1/matches/:matchId/live",
    {
      schema: {
        summary: "Where to spectate a match being played now: its Colyseus room",
        description:
          'Join with colyseus.js: `new Client("ws://HOST:PORT").joinById(roomId)`; a car-soccer room (roomName "car-soccer") carries ball, cars, score and clock; a bandit or recommender room ("duplicate") each seat\'s running return and regret, their curves and arm pulls or clicks.',
        tags: ["matches"],
        params: z.object({ matchId: z.uuid() }),
        response: {
          200: z.object({
            matchId: z.string(),
            roomName: z.string(),
            roomId: z.string(),
            spectators: z.number().int(),
          }),
          404: ErrorBody,
        },
      },
    },
    async (request) => {
      const { matchId } = request.params;
      // Rooms announce their match in their metadata; the matchmaker lists the rooms of every process it knows.
      // Any room kind (car soccer, duplicate): the one whose metadata names this match.
      const rooms = await matchMaker.query({});
      const room = rooms.find((r) => (r.metadata as { matchId?: string } | undefined)?.matchId === matchId);
      if (!room) throw new ApiError(404, "match_not_live", "this match is not being played now");
      return { matchId, roomName: room.name, roomId: room.roomId, spectators: room.clients };
    },
  );

  app.get(
    "/api/v1/matches/:matchId/replay",
    {
      schema: {
        summary: "The match's replay as one downloadable file, for re-simulation and `league replay verify`",
        description:
          "Car soccer: a match replay file (`match-<id>.lgcm`, container version 2: every episode's seed, controls and state hashes, then JSON metadata naming the players and the recorded score and goals; envs/README.md, \"The match replay file\"). Bandit and recommender: the seats' recorded choices as JSON (`match-<id>.choices.json`), from which `recomputeDuplicate` recomputes every return.",
        tags: ["matches"],
        params: z.object({ matchId: z.uuid() }),
      },
    },
    async (request, reply) => {
      const match = await db.prisma.match.findUnique({
        where: { id: request.params.matchId },
        select: {
          id: true,
          leagueId: true,
          seed: true,
          finishedAt: true,
          result: true,
          replay: true,
          league: { select: { envId: true, mode: true } },
          ...matchInclude,
        },
      });
      if (!match) throw new ApiError(404, "match_not_found", `no match with id "${request.params.matchId}"`);
      if (!match.replay) throw new ApiError(404, "replay_not_found", "this match has no replay (yet)");
      const file = replayFile(match);
      reply.header("content-type", file.contentType);
      reply.header("content-disposition", `attachment; filename="${file.name}"`);
      reply.header("cache-control", "public, max-age=31536000, immutable");
      return reply.send(file.bytes);
    },
  );
}

/** The stored replay with what it cannot say itself (who played, what was recorded), as one file. */
function replayFile(match: {
  id: string;
  leagueId: string;
  seed: bigint;
  finishedAt: Date | null;
  result: unknown;
  replay: Uint8Array | null;
  league: { envId: string; mode: string };
  participants: MatchRow["participants"];
}): { name: string; contentType: string; bytes: Buffer } {
  const stored = new Uint8Array(match.replay!);
  const players = match.participants.map((p) => ({
    slot: p.slot,
    team: p.team === 0 ? ("blue" as const) : ("orange" as const),
    name: `${p.version.agent.name} v${p.version.version}`,
    versionId: p.versionId,
  }));
  const common = {
    matchId: match.id,
    leagueId: match.leagueId,
    envId: match.league.envId,
    seed: Number(match.seed),
    finishedAt: match.finishedAt?.toISOString(),
  };
  if (match.league.mode === "duplicate") {
    let choices: Record<string, unknown>;
    try {
      choices = JSON.parse(new TextDecoder().decode(stored)) as Record<string, unknown>;
    } catch {
      return {
        name: `match-${match.id}.bin`,
        contentType: "application/octet-stream",
        bytes: Buffer.from(stored),
      };
    }
    return {
      name: `match-${match.id}.choices.json`,
      contentType: "application/json; charset=utf-8",
      // Every seat is its own team in duplicate play: the seats are named, not coloured.
      bytes: Buffer.from(
        JSON.stringify({
          ...choices,
          match: common,
          players: players.map(({ team: _team, ...seat }) => seat),
          recorded: match.result,
        }),
      ),
    };
  }
  const result = (match.result ?? {}) as {
    score?: { blue: number; orange: number };
    goals?: { team: "blue" | "orange"; second: number }[];
  };
  const metadata: MatchReplayMetadata = {
    ...common,
    players,
    ...(result.score ? { recorded: { score: result.score, goals: result.goals ?? [] } } : {}),
  };
  let episodes: ReturnType<typeof decodeMatchReplay>;
  try {
    episodes = decodeMatchReplay(stored);
  } catch {
    // Bytes this build cannot read (another format): served exactly as stored.
    return {
      name: `match-${match.id}.bin`,
      contentType: "application/octet-stream",
      bytes: Buffer.from(stored),
    };
  }
  return {
    name: `match-${match.id}.lgcm`,
    contentType: "application/vnd.league.car-soccer-replay",
    bytes: Buffer.from(encodeMatchReplay(episodes, metadata)),
  };
}
