// Challenges: an owner asks for a live match of one of their versions against a version they
// choose — any owner's active version, or a built-in bot — played at real time in a room anyone
// can watch, always unrated (a test run on the ladder's own machinery, as on CodinGame or
// Kaggle): an owner who picks the opponent and the length could otherwise farm rating. Models play from their stored model in a model host, remote agents are
// played by their owner's program over the room protocol, bots by the server.
import type { Database } from "@league/db";
import { ENV_SPECS } from "@league/envs";
import { z } from "zod";
import { authenticateRequest } from "../auth.js";
import { ApiError } from "../errors.js";
import type { PlatformEvents } from "../feed.js";
import { carSoccerBotOf } from "../match/players.js";
import { CAR_SOCCER_ROOM } from "../rooms/car-soccer-room.js";
import {
  LiveMatchError,
  MODEL_SEAT,
  type PreparedLiveMatch,
  prepareLiveMatch,
  REMOTE_SEAT,
} from "../rooms/live.js";
import { ownedVersion } from "./agent-versions.js";
import type { Api } from "./api.js";
import { whileOwnerLocked } from "./owner-lock.js";
import { ErrorBody } from "./schemas.js";

export interface ChallengeLimits {
  /** Live challenges an owner has started that play at once (CHALLENGES_PER_OWNER); others' against their versions do not count. */
  challengesPerOwner: number;
  /** Live matches an owner's remote agents play at once (LIVE_MATCHES_PER_OWNER), challenges included. */
  liveMatchesPerOwner: number;
}

const ChallengeBody = z
  .object({
    versionId: z
      .uuid()
      .meta({ description: "your version (a model or remote agent) that plays the challenge" }),
    opponentVersionId: z
      .uuid()
      .optional()
      .meta({ description: "the version to play against: any owner's active version of the same league" }),
    opponentBot: z
      .string()
      .optional()
      .meta({ description: "or a built-in bot by name (ball-chaser, defender, shadow, …)" }),
    side: z.enum(["blue", "orange"]).default("blue"),
    durationSeconds: z.number().min(5).max(300).default(120),
    remoteGraceSeconds: z.number().gt(0).max(60).default(10),
  })
  .strict()
  .refine((b) => (b.opponentVersionId === undefined) !== (b.opponentBot === undefined), {
    message: "name exactly one of opponentVersionId and opponentBot",
  });

const ChallengeCreated = z.object({
  matchId: z.string(),
  roomId: z.string(),
  room: z.string(),
  leagueId: z.string(),
  /** Always false: a challenge moves no rating (its owner picked the opponent and the length). */
  rated: z.literal(false),
  /** Your seat (0 blue first) and the opponent's. */
  seat: z.number().int(),
  opponentSeat: z.number().int(),
  /** The site's page of the match: live while it plays, then its result and replay. */
  watch: z.string(),
  /** The room look-up for any Colyseus client. */
  live: z.string(),
});

type SeatChoice = { versionId: string; bot: string };

/** How a version plays a seat: a bot by name, a model from its stored model, a remote agent by its program. */
function seatOf(version: { id: string; manifest: unknown; agent: { kind: string } }): SeatChoice | null {
  const bot = carSoccerBotOf(version.manifest);
  if (bot) return { versionId: version.id, bot };
  if (version.agent.kind === "model") return { versionId: version.id, bot: MODEL_SEAT };
  if (version.agent.kind === "remote") return { versionId: version.id, bot: REMOTE_SEAT };
  return null;
}

export function challengeRoutes(
  app: Api,
  db: Database,
  events: PlatformEvents | null,
  limits: ChallengeLimits,
): void {
  app.post(
    "/api/v1/challenges",
    {
      schema: {
        summary: "Challenge: your version against one you choose, live and unrated",
        description:
          "Plays a live car-soccer match between your version and `opponentVersionId` (any owner's active version of the same league) or `opponentBot` (a built-in bot); in 2v2 and 3v3 built-in bots fill the other seats. Watch it at `watch` on the site, or join the room (`live`) with any Colyseus client. A remote agent of yours joins with its API key as in `POST /remote/matches`. Always unrated: the result is stored and shown, no rating moves.",
        tags: ["challenges"],
        security: [{ apiKey: [] }],
        body: ChallengeBody,
        response: {
          201: ChallengeCreated,
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
      const mine = await ownedVersion(db.prisma, owner.id, body.versionId);
      const spec = ENV_SPECS[mine.envId];
      if (spec?.family !== "car-soccer")
        throw new ApiError(
          409,
          "not_car_soccer",
          `challenges are live car-soccer matches; ${mine.envId} is not car soccer`,
        );
      if (mine.status !== "active" && mine.status !== "reserve")
        throw new ApiError(409, "not_active", `${mine.agent.name} v${mine.version} is ${mine.status}`);
      const mySeat = seatOf(mine);
      if (!mySeat)
        throw new ApiError(409, "cannot_play_live", `${mine.agent.name} is a ${mine.agent.kind} agent`);
      const league = await db.prisma.league.findFirst({
        where: { envId: mine.envId, mode: "head_to_head", active: true },
      });
      if (!league) throw new ApiError(404, "no_league", `no active league plays ${mine.envId}`);

      const bots = (
        await db.prisma.agentVersion.findMany({
          where: { envId: mine.envId, status: "active", agent: { kind: "scripted" } },
          orderBy: { createdAt: "asc" },
          include: { agent: true },
        })
      )
        .map((v) => ({ versionId: v.id, bot: carSoccerBotOf(v.manifest) }))
        .filter((b): b is SeatChoice => b.bot !== null);
      let theirs: SeatChoice;
      if (body.opponentBot !== undefined) {
        const bot = bots.find((b) => b.bot === body.opponentBot);
        if (!bot)
          throw new ApiError(
            400,
            "unknown_opponent",
            `no built-in bot "${body.opponentBot}" in ${league.id}; there are: ${bots.map((b) => b.bot).join(", ")}`,
          );
        theirs = bot;
      } else {
        const opponent = await db.prisma.agentVersion.findUnique({
          where: { id: body.opponentVersionId! },
          include: { agent: true },
        });
        if (!opponent)
          throw new ApiError(404, "opponent_not_found", `no agent version ${body.opponentVersionId}`);
        if (opponent.envId !== mine.envId)
          throw new ApiError(
            409,
            "other_league",
            `the opponent plays ${opponent.envId}, your version ${mine.envId}`,
          );
        if (opponent.status !== "active" && opponent.status !== "reserve")
          throw new ApiError(
            409,
            "opponent_not_active",
            `${opponent.agent.name} v${opponent.version} is ${opponent.status}`,
          );
        if (opponent.id === mine.id)
          throw new ApiError(400, "same_version", "a version cannot play against itself in a challenge");
        // Nobody would answer for another owner's remote agent.
        if (opponent.agent.kind === "remote" && opponent.agent.ownerId !== owner.id)
          throw new ApiError(
            409,
            "opponent_remote",
            `${opponent.agent.name} is another owner's remote agent: only its owner's program can play it`,
          );
        const seat = seatOf(opponent);
        if (!seat)
          throw new ApiError(
            409,
            "cannot_play_live",
            `${opponent.agent.name} is a ${opponent.agent.kind} agent`,
          );
        theirs = seat;
      }

      // Seats: mine on my side, the opponent first on the other; distinct bots fill the rest.
      const teamSize = spec.numAgents / 2;
      const myCar = body.side === "blue" ? 0 : teamSize;
      const theirCar = body.side === "blue" ? teamSize : 0;
      const fillers = bots.filter(
        (b) => b.versionId !== theirs.versionId && b.versionId !== mySeat.versionId,
      );
      if (fillers.length < spec.numAgents - 2)
        throw new ApiError(
          409,
          "not_enough_bots",
          `${league.id} needs ${spec.numAgents - 2} more distinct built-in bots`,
        );
      const seats: SeatChoice[] = [];
      for (let car = 0, f = 0; car < spec.numAgents; car++)
        seats.push(car === myCar ? mySeat : car === theirCar ? theirs : fillers[f++]!);
      const remoteInvolved = seats.some((s) => s.bot === REMOTE_SEAT);

      let prepared: PreparedLiveMatch | null = null;
      try {
        // Model hosts load (seconds) before the owner's lock: under it only the count and the insert.
        prepared = await prepareLiveMatch(
          { prisma: db.prisma, events },
          {
            leagueId: league.id,
            seats,
            durationSeconds: body.durationSeconds,
            remoteGraceSeconds: body.remoteGraceSeconds,
            rated: false,
            challengerOwnerId: owner.id,
          },
        );
        const match = prepared;
        const { roomId, matchId } = await whileOwnerLocked(db, owner.id, async () => {
          // Challenges this owner started: others' challenges against their versions do not count.
          const challenges = await db.prisma.match.count({
            where: { challengerOwnerId: owner.id, status: { in: ["queued", "running"] } },
          });
          if (challenges >= limits.challengesPerOwner)
            throw new ApiError(
              429,
              "challenge_limit",
              `your versions already play ${challenges} live challenge(s); at most ${limits.challengesPerOwner} at once — wait for one to end`,
            );
          if (remoteInvolved) {
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
          }
          return match.open();
        });
        prepared = null;
        reply.code(201);
        return {
          matchId,
          roomId,
          room: CAR_SOCCER_ROOM,
          leagueId: league.id,
          rated: false as const,
          seat: myCar,
          opponentSeat: theirCar,
          watch: `/matches/${matchId}`,
          live: `/api/v1/matches/${matchId}/live`,
        };
      } catch (error) {
        // Refused under the lock (or the room did not open, which disposes them too): give back the hosts.
        prepared?.dispose();
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
