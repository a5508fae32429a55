// Remote agents: a program anywhere plays a seat of a live car-soccer match over the room's
// WebSocket. Its owner registers it (no model is uploaded: the program is the agent), then asks
// for a live match against built-in bots and joins the returned room with the API key.
import type { Database, Prisma } from "@league/db";
import { carSoccerParts, ENV_SPECS, Rng } from "@league/envs";
import { z } from "zod";
import { authenticateRequest } from "../auth.js";
import { ApiError } from "../errors.js";
import type { PlatformEvents } from "../feed.js";
import { planTeamMatch } from "../league/scheduler.js";
import { carSoccerBotOf } from "../match/players.js";
import type { RatingParams } from "../ratings.js";
import { CAR_SOCCER_ROOM } from "../rooms/car-soccer-room.js";
import { LiveMatchError, REMOTE_SEAT, startLiveMatch } from "../rooms/live.js";
import { checkSubmissionQuota, ownedVersion, publishSubmitted, registerVersion } from "./agent-versions.js";
import type { Api } from "./api.js";
import { whileOwnerLocked } from "./owner-lock.js";
import { AgentName, Description, ErrorBody } from "./schemas.js";

export interface RemoteLimits {
  /** New versions per owner per 24 hours (SUBMISSIONS_PER_DAY): a remote agent's registration is one. */
  perOwnerPerDay: number;
  /** Live matches an owner's remote agents play at once (LIVE_MATCHES_PER_OWNER). */
  liveMatchesPerOwner: number;
  /** A match's length when the request names none (REMOTE_MATCH_SECONDS): the league's pick, rated. */
  matchSeconds?: number;
}

const RemoteAgentBody = z
  .object({
    name: AgentName,
    description: Description.optional(),
    env: z.string().refine((id) => ENV_SPECS[id]?.family === "car-soccer", {
      message: "remote agents play car soccer: car-soccer-1v1, car-soccer-2v2 or car-soccer-3v3",
    }),
    observationBuilder: z.string().default("default"),
    actionParser: z.string().default("lookup"),
  })
  .strict();

const RemoteMatchBody = z
  .object({
    versionId: z.uuid(),
    /**
     * The built-in bot to play against. Left out, the league's scheduler picks it (by match
     * quality) and the match is rated; a hand-picked bot or length makes it unrated, so that a
     * favourable pairing cannot farm rating.
     */
    opponent: z.string().optional(),
    side: z.enum(["blue", "orange"]).default("blue"),
    // Short of the live scheduler's stale-match cut-off (twice a full match plus a minute).
    durationSeconds: z.number().min(5).max(300).optional(),
    remoteGraceSeconds: z.number().gt(0).max(60).default(10),
  })
  .strict();

/** A remote match's length when the request names none. */
const DEFAULT_REMOTE_MATCH_SECONDS = 120;

/**
 * The bot the league's scheduler pairs the version with: drawn by match quality with it (the
 * ladder's planTeamMatch with the version as the focal player).
 */
async function scheduledOpponent(
  db: Database,
  league: { id: string; ratingModel: string; mu: number; sigma: number; beta: number; tau: number },
  versionId: string,
  bots: { versionId: string; bot: string }[],
): Promise<{ versionId: string; bot: string } | undefined> {
  const ids = [versionId, ...bots.map((b) => b.versionId)];
  const ratings = new Map(
    (await db.prisma.rating.findMany({ where: { leagueId: league.id, versionId: { in: ids } } })).map((r) => [
      r.versionId,
      r,
    ]),
  );
  const candidates = ids.map((id) => ({
    versionId: id,
    agentId: id,
    mu: ratings.get(id)?.mu ?? league.mu,
    sigma: ratings.get(id)?.sigma ?? league.sigma,
    games: ratings.get(id)?.games ?? 0,
  }));
  const teams = planTeamMatch(
    candidates,
    { ...league, model: league.ratingModel } as RatingParams,
    new Rng(Date.now() % 2_147_483_647),
    1,
    {
      focal: versionId,
    },
  );
  const other = teams?.flat().find((c) => c.versionId !== versionId);
  return bots.find((b) => b.versionId === other?.versionId);
}

const RemoteAgentCreated = z.object({
  agentId: z.string(),
  versionId: z.string(),
  version: z.number().int(),
  env: z.string(),
});

export function remoteRoutes(
  app: Api,
  db: Database,
  events: PlatformEvents | null,
  limits: RemoteLimits,
): void {
  app.post(
    "/api/v1/agents/remote",
    {
      schema: {
        summary: "Register a remote agent: a new version that your own program plays over the room protocol",
        description:
          "No model is uploaded. The version is matched with `POST /api/v1/remote/matches` and never enters headless ladder matches, where nobody would answer.",
        tags: ["remote agents"],
        security: [{ apiKey: [] }],
        body: RemoteAgentBody,
        response: {
          201: RemoteAgentCreated,
          400: ErrorBody,
          401: ErrorBody,
          409: ErrorBody,
          422: ErrorBody,
          429: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const { owner } = await authenticateRequest(db.prisma, request);
      const body = request.body;
      await checkSubmissionQuota(db.prisma, owner.id, limits.perOwnerPerDay);
      try {
        carSoccerParts(body.observationBuilder, body.actionParser);
      } catch (error) {
        throw new ApiError(422, "unknown_policy_io", (error as Error).message);
      }
      const spec = ENV_SPECS[body.env]!;
      const manifest = {
        name: body.name,
        kind: "remote",
        env: body.env,
        observationBuilder: body.observationBuilder,
        actionParser: body.actionParser,
        tickSkip: spec.tickSkip ?? 8,
      };
      const { stored, reply: created } = await registerVersion(db.prisma, {
        ownerId: owner.id,
        agent: { name: body.name, kind: "remote", description: body.description ?? "" },
        data: { envId: body.env, manifest: manifest as Prisma.InputJsonValue, status: "active" },
        perOwnerPerDay: limits.perOwnerPerDay,
        reply: (s) =>
          RemoteAgentCreated.parse({
            agentId: s.agent.id,
            versionId: s.version.id,
            version: s.version.version,
            env: body.env,
          }),
      });
      publishSubmitted(events, stored, owner.name);
      reply.code(201);
      return created;
    },
  );

  app.post(
    "/api/v1/remote/matches",
    {
      schema: {
        summary:
          "Start a live match in which your remote agent plays one seat against built-in bots (rated when the league picks the opponent and length)",
        description:
          "Returns the room to join: `client.joinById(roomId, { apiKey, versionId })` with colyseus.js (or the TypeScript client `RemoteAgentClient` in @league/agents). Kickoff waits for the player; one absent longer than `remoteGraceSeconds` forfeits.",
        tags: ["remote agents"],
        security: [{ apiKey: [] }],
        body: RemoteMatchBody,
        response: {
          201: z.object({
            matchId: z.string(),
            roomId: z.string(),
            room: z.string(),
            leagueId: z.string(),
            seat: z.number().int(),
            deadlineMs: z.number(),
            graceSeconds: z.number(),
            rated: z.boolean(),
          }),
          400: ErrorBody,
          401: ErrorBody,
          403: ErrorBody,
          404: ErrorBody,
          409: ErrorBody,
          429: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const { owner } = await authenticateRequest(db.prisma, request);
      const body = request.body;
      const version = await ownedVersion(db.prisma, owner.id, body.versionId);
      if (version.agent.kind !== "remote")
        throw new ApiError(
          409,
          "not_remote",
          `${version.agent.name} is a ${version.agent.kind} agent, not a remote one`,
        );
      if (version.status !== "active")
        throw new ApiError(
          409,
          "not_active",
          `${version.agent.name} v${version.version} is ${version.status}`,
        );
      const league = await db.prisma.league.findFirst({
        where: { envId: version.envId, mode: "head_to_head", active: true },
      });
      if (!league) throw new ApiError(404, "no_league", `no active league plays ${version.envId}`);
      const spec = ENV_SPECS[version.envId]!;
      // Built-in bots fill every other seat: the chosen opponent first, then the rest in turn.
      const bots = (
        await db.prisma.agentVersion.findMany({
          where: { envId: version.envId, status: "active", agent: { kind: "scripted" } },
          orderBy: { createdAt: "asc" },
        })
      )
        .map((v) => ({ versionId: v.id, bot: carSoccerBotOf(v.manifest) }))
        .filter((b): b is { versionId: string; bot: string } => b.bot !== null);
      // Rated only when the league picked the opponent and the length is the default.
      const rated = body.opponent === undefined && body.durationSeconds === undefined;
      const opponent =
        body.opponent === undefined
          ? await scheduledOpponent(db, league, version.id, bots)
          : bots.find((b) => b.bot === body.opponent);
      if (!opponent)
        throw new ApiError(
          400,
          "unknown_opponent",
          `no built-in bot "${body.opponent}" in ${league.id}; there are: ${bots.map((b) => b.bot).join(", ")}`,
        );
      const others = [opponent, ...bots.filter((b) => b !== opponent)];
      const teamSize = spec.numAgents / 2;
      if (others.length < spec.numAgents - 1)
        throw new ApiError(
          409,
          "not_enough_bots",
          `${league.id} needs ${spec.numAgents - 1} distinct built-in bots beside you; there are ${others.length}`,
        );
      const mine = body.side === "blue" ? 0 : teamSize;
      const theirsFirst = body.side === "blue" ? teamSize : 0;
      const order = [theirsFirst, ...Array.from({ length: spec.numAgents }, (_, car) => car)].filter(
        (car, i, all) => car !== mine && all.indexOf(car) === i,
      );
      const seats = new Array<{ versionId: string; bot: string }>(spec.numAgents);
      seats[mine] = { versionId: version.id, bot: REMOTE_SEAT };
      order.forEach((car, i) => {
        seats[car] = others[i]!;
      });
      try {
        // Counted and started under the owner's lock: a burst of requests cannot pass the count together.
        const { roomId, matchId } = await whileOwnerLocked(db, owner.id, async () => {
          const playing = await db.prisma.match.count({
            where: {
              live: true,
              status: { in: ["queued", "running"] },
              participants: { some: { version: { agent: { ownerId: owner.id, kind: "remote" } } } },
            },
          });
          if (playing >= limits.liveMatchesPerOwner)
            throw new ApiError(
              429,
              "live_match_limit",
              `your remote agents already play ${playing} live match(es); at most ${limits.liveMatchesPerOwner} at once — wait for one to end`,
            );
          return startLiveMatch(
            { prisma: db.prisma, events },
            {
              leagueId: league.id,
              seats,
              durationSeconds: body.durationSeconds ?? limits.matchSeconds ?? DEFAULT_REMOTE_MATCH_SECONDS,
              remoteGraceSeconds: body.remoteGraceSeconds,
              rated,
            },
          );
        });
        reply.code(201);
        return {
          matchId,
          roomId,
          room: CAR_SOCCER_ROOM,
          leagueId: league.id,
          seat: mine,
          deadlineMs: (1000 * (spec.tickSkip ?? 8)) / spec.tickRate!,
          graceSeconds: body.remoteGraceSeconds,
          rated,
        };
      } catch (error) {
        if (error instanceof ApiError) throw error;
        if (error instanceof LiveMatchError) throw new ApiError(409, "cannot_start", error.message);
        throw new ApiError(
          503,
          "rooms_unavailable",
          `live rooms are not running here: ${(error as Error).message}`,
        );
      }
    },
  );
}
