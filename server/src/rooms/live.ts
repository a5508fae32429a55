// Live rooms on the API's HTTP server: Colyseus matchmaking under /matchmake, room WebSockets on
// /<processId>/<roomId>, and startLiveMatch, the only way a live match (and its room) begins.
import { randomBytes, randomUUID } from "node:crypto";
import type { Server as HttpServer, IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { matchMaker, Server } from "@colyseus/core";
import { RedisDriver } from "@colyseus/redis-driver";
import { RedisPresence } from "@colyseus/redis-presence";
import { WebSocketTransport } from "@colyseus/ws-transport";
import { type CarPolicy, createCarSoccerBot } from "@league/agents";
import { carSoccerParts, ENV_SPECS } from "@league/envs";
import { type LiveModelPolicy, liveModelPolicy, MODEL_SEAT } from "../match/live-model.js";
import { abortMatch, createMatch, type Seat, startMatch } from "../storage/matches.js";
import {
  CAR_SOCCER_ROOM,
  CarSoccerRoom,
  carSoccerLaunches,
  type LiveMatchOutcome,
} from "./car-soccer-room.js";
import { DUPLICATE_ROOM, DuplicateRoom } from "./duplicate-room.js";
import type { LaunchRegistry, RoomDeps } from "./live-room.js";
import { RemoteCarController } from "./remote-controller.js";

export type { RoomDeps } from "./live-room.js";

export class LiveMatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LiveMatchError";
  }
}

// Room sockets are /<processId>/<roomId> (Colyseus ids); anything else, e.g. /socket.io/, is left
// to the other upgrade listeners of the same server.
const ROOM_SOCKET_PATH = /^\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+$/;

/** A WebSocket transport that shares a server it does not own: shutting down leaves it open. */
class SharedServerTransport extends WebSocketTransport {
  constructor() {
    // No own server and no ping timer bound to one: attachRooms routes the upgrades.
    super({ noServer: true, pingInterval: 0 });
  }
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit("connection", ws, req));
  }
  startPings(intervalMs: number, maxRetries: number): void {
    this.autoTerminateUnresponsiveClients(intervalMs, maxRetries);
  }
  override shutdown(): void {
    clearInterval(this.pingInterval);
    this.wss.close();
  }
}

class SharedServer extends Server {
  attachTo(http: HttpServer): void {
    this.attachMatchMakingRoutes(http);
  }
}

export interface AttachedRooms {
  gameServer: Server;
  /** Ends every live match (aborted, unrated) and closes room sockets; leaves the HTTP server open. */
  stop(): Promise<void>;
}

export interface ScaleOutOptions {
  /** Redis shared by every server process: rooms are listed, found and joined across them. */
  redisUrl?: string | undefined;
  /** host:port at which clients reach this process's rooms: a seat on another process says where to go. */
  publicAddress?: string | undefined;
}

/**
 * Colyseus on `httpServer` (the Fastify app's `app.server`), next to the API and Socket.IO. One
 * per process: Colyseus's matchmaker is process-wide. With `redisUrl`, Colyseus's Redis presence
 * and driver make every process's rooms visible to every other.
 */
export async function attachRooms(
  httpServer: HttpServer,
  scale: ScaleOutOptions = {},
): Promise<AttachedRooms> {
  const transport = new SharedServerTransport();
  const gameServer = new SharedServer({
    transport,
    greet: false,
    gracefullyShutdown: false,
    // Live rooms are created only by the process that starts their match: the launch (its players)
    // and the database it hands the room live here, never on the least busy process of a cluster.
    selectProcessIdToCreateRoom: async () => matchMaker.processId,
    ...(scale.redisUrl
      ? {
          presence: new RedisPresence(scale.redisUrl),
          driver: new RedisDriver(scale.redisUrl),
          ...(scale.publicAddress ? { publicAddress: scale.publicAddress } : {}),
        }
      : {}),
  });
  gameServer.attachTo(httpServer);
  gameServer.define(CAR_SOCCER_ROOM, CarSoccerRoom);
  gameServer.define(DUPLICATE_ROOM, DuplicateRoom);
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? "").split("?")[0] ?? "";
    if (ROOM_SOCKET_PATH.test(path)) transport.upgrade(req, socket, head);
  };
  httpServer.on("upgrade", onUpgrade);
  transport.startPings(3000, 2);
  await matchMaker.accept();
  let stopped = false;
  return {
    gameServer,
    async stop() {
      if (stopped) return;
      stopped = true;
      httpServer.off("upgrade", onUpgrade);
      await gameServer.gracefullyShutdown(false);
    },
  };
}

export interface LiveSeat {
  versionId: string;
  /**
   * A built-in bot's name, (server side, tests) any controller, "model": the version is a model
   * agent its stored model plays (in a model host), or "remote": the version is a remote agent
   * whose owner's program joins the room and plays the seat.
   */
  bot: string | CarPolicy;
}

export { MODEL_SEAT } from "../match/live-model.js";

/** The seat's bot for a remote agent. */
export const REMOTE_SEAT = "remote";

export interface LiveMatchInput {
  leagueId: string;
  /** One per car, blue first. */
  seats: LiveSeat[];
  /** Default: the spec's full game (maxEpisodeSteps × tickSkip / 120 s). */
  durationSeconds?: number;
  /** Default: 64 random bits. */
  seed?: bigint;
  /** Frozen time after a goal (default 3 s) and before each kickoff (default 1 s). */
  goalPauseSeconds?: number;
  kickoffPauseSeconds?: number;
  /** Seconds a remote player may be absent before its team forfeits (default 10). */
  remoteGraceSeconds?: number;
  /** False: stored and shown, no rating moves (challenges). Default true. */
  rated?: boolean;
  /** The owner who started it as a challenge: their challenges at once are counted by it. */
  challengerOwnerId?: string;
  onEnd?: (outcome: LiveMatchOutcome) => void;
}

/** A live match checked and with its model hosts loaded, not yet stored: open it, or dispose of it. */
export interface PreparedLiveMatch {
  /** Creates and starts the match row and opens its room (milliseconds: no model is loaded here). */
  open(): Promise<{ roomId: string; matchId: string }>;
  /** Gives back its model hosts when it will not be opened (a limit refused it). */
  dispose(): void;
}

/**
 * How every live match begins, once its input is checked: creates and starts the match row (live),
 * registers the room's launch under a one-time key, opens the room and publishes match.started.
 * A room that does not open drops its launch and aborts the match. Returns the room id spectators
 * join with `client.joinById(roomId)`.
 */
export async function openLiveMatch<L>(
  deps: RoomDeps,
  room: { name: string; launches: LaunchRegistry<L> },
  match: { leagueId: string; seed: bigint; seats: Seat[]; rated?: boolean; challengerOwnerId?: string },
  launch: (matchId: string) => L,
): Promise<{ roomId: string; matchId: string }> {
  const { prisma, events } = deps;
  const matchId = await createMatch(prisma, { ...match, live: true });
  await startMatch(prisma, matchId);
  const launchKey = randomUUID();
  room.launches.register(launchKey, launch(matchId));
  try {
    // The database travels in the room's options, handed over in this process as they are.
    const { roomId } = await matchMaker.createRoom(room.name, { launchKey, deps });
    events?.publish("match.started", {
      matchId,
      leagueId: match.leagueId,
      live: true,
      versionIds: match.seats.map((s) => s.versionId),
    });
    return { roomId, matchId };
  } catch (error) {
    room.launches.drop(launchKey);
    await abortMatch(prisma, matchId, `the live room did not open: ${(error as Error).message}`);
    throw error;
  }
}

/**
 * Creates and starts the match row (live), publishes match.started and opens its room; returns
 * the room id spectators join with `client.joinById(roomId)`. Needs `attachRooms` first.
 */
export async function startLiveMatch(
  deps: RoomDeps,
  input: LiveMatchInput,
): Promise<{ roomId: string; matchId: string }> {
  return (await prepareLiveMatch(deps, input)).open();
}

/**
 * Checks a live match's input and loads its model hosts (seconds for a model: a process each),
 * storing nothing yet. A caller that counts an owner's matches under a lock prepares first and
 * opens under the lock, so the lock (and, on PostgreSQL, its pooled connection) is held for the
 * count and the insert only.
 */
export async function prepareLiveMatch(deps: RoomDeps, input: LiveMatchInput): Promise<PreparedLiveMatch> {
  const { prisma } = deps;
  const league = await prisma.league.findUnique({ where: { id: input.leagueId } });
  if (!league) throw new LiveMatchError(`no league "${input.leagueId}"`);
  const spec = ENV_SPECS[league.envId];
  if (spec?.family !== "car-soccer")
    throw new LiveMatchError(`league "${league.id}" plays ${league.envId}; live matches are car soccer only`);
  if (input.seats.length !== spec.numAgents)
    throw new LiveMatchError(
      `${spec.id} needs ${spec.numAgents} seats (blue first), got ${input.seats.length}`,
    );
  const duration = input.durationSeconds ?? (spec.maxEpisodeSteps * (spec.tickSkip ?? 8)) / spec.tickRate!;
  if (!(Number.isFinite(duration) && duration > 0 && duration <= 3600))
    throw new LiveMatchError(`durationSeconds must be in (0, 3600], got ${input.durationSeconds}`);
  for (const [name, value] of [
    ["goalPauseSeconds", input.goalPauseSeconds],
    ["kickoffPauseSeconds", input.kickoffPauseSeconds],
  ] as const)
    if (value !== undefined && !(Number.isFinite(value) && value >= 0 && value <= 30))
      throw new LiveMatchError(`${name} must be in [0, 30], got ${value}`);
  const grace = input.remoteGraceSeconds ?? 10;
  if (!(Number.isFinite(grace) && grace > 0 && grace <= 300))
    throw new LiveMatchError(`remoteGraceSeconds must be in (0, 300], got ${input.remoteGraceSeconds}`);
  const versions = await prisma.agentVersion.findMany({
    where: { id: { in: input.seats.map((s) => s.versionId) } },
    include: { agent: { select: { name: true, ownerId: true, kind: true } } },
  });
  const byId = new Map(versions.map((v) => [v.id, v]));
  const seed = input.seed ?? randomBytes(8).readBigUInt64LE() >> 1n;
  // The engine's seed is a float64: 53 bits of the match seed, exactly representable.
  const engineSeed = Number(seed % 2n ** 53n);
  const models: { car: number; version: (typeof versions)[number] }[] = [];
  const seats = input.seats.map((seat, car) => {
    const version = byId.get(seat.versionId);
    if (!version) throw new LiveMatchError(`seat ${car}: no agent version ${seat.versionId}`);
    if (version.envId !== spec.id)
      throw new LiveMatchError(
        `seat ${car}: version ${seat.versionId} plays ${version.envId}, not ${spec.id}`,
      );
    let controller: CarPolicy;
    if (seat.bot === REMOTE_SEAT) {
      const manifest = version.manifest as { observationBuilder?: string; actionParser?: string } | null;
      if (version.agent.kind !== "remote")
        throw new LiveMatchError(`seat ${car}: version ${seat.versionId} is not a remote agent`);
      let parts: ReturnType<typeof carSoccerParts>;
      try {
        parts = carSoccerParts(manifest?.observationBuilder ?? "", manifest?.actionParser ?? "");
      } catch (error) {
        throw new LiveMatchError(`seat ${car}: ${(error as Error).message}`);
      }
      const tickSkip = spec.tickSkip ?? 8;
      controller = new RemoteCarController(
        `${version.agent.name} v${version.version}`,
        version.id,
        version.agent.ownerId,
        parts.obsBuilder,
        parts.actionParser,
        spec.numAgents / 2,
        (1000 * tickSkip) / spec.tickRate!,
      );
    } else if (seat.bot === MODEL_SEAT) {
      if (version.agent.kind !== "model")
        throw new LiveMatchError(`seat ${car}: version ${seat.versionId} is not a model agent`);
      // Loaded below, once every seat has passed its checks.
      controller = { name: `${version.agent.name} v${version.version}`, act: () => {} };
      models.push({ car, version });
    } else if (typeof seat.bot === "string") {
      try {
        controller = createCarSoccerBot(seat.bot, engineSeed + car);
      } catch (error) {
        throw new LiveMatchError(`seat ${car}: ${(error as Error).message}`);
      }
    } else controller = seat.bot;
    return { versionId: seat.versionId, controller };
  });
  // Model agents run in their own model hosts (match/live-model.ts), off the room's event loop.
  const hosted: LiveModelPolicy[] = [];
  const disposeModels = () => {
    // Once: a room that does not open, its match's end and a caller that drops it may each ask.
    for (const policy of hosted.splice(0)) policy.dispose();
  };
  try {
    for (const { car, version } of models) {
      const policy = await liveModelPolicy(version);
      hosted.push(policy);
      seats[car]!.controller = policy;
    }
  } catch (error) {
    disposeModels();
    throw new LiveMatchError(`a model seat cannot play: ${(error as Error).message}`);
  }
  const onEnd = (outcome: LiveMatchOutcome) => {
    disposeModels();
    input.onEnd?.(outcome);
  };

  const open = () =>
    openLiveMatch(
      deps,
      { name: CAR_SOCCER_ROOM, launches: carSoccerLaunches },
      {
        leagueId: league.id,
        seed,
        ...(input.rated === false ? { rated: false } : {}),
        ...(input.challengerOwnerId ? { challengerOwnerId: input.challengerOwnerId } : {}),
        seats: seats.map((s, car) => ({
          versionId: s.versionId,
          slot: car,
          team: car < spec.numAgents / 2 ? 0 : 1,
        })),
      },
      (matchId) => ({
        matchId,
        leagueId: league.id,
        spec,
        seed: engineSeed,
        seats,
        durationSeconds: duration,
        goalPauseSeconds: input.goalPauseSeconds ?? 3,
        kickoffPauseSeconds: input.kickoffPauseSeconds ?? 1,
        remoteGraceSeconds: grace,
        onEnd,
      }),
    ).catch((error: unknown) => {
      disposeModels();
      throw error;
    });
  return { open, dispose: disposeModels };
}
