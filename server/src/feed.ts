// Platform events (match started and finished, ratings changed, agents submitted), published in
// process and broadcast to every subscriber on the Socket.IO namespace `/feed`.
import { EventEmitter } from "node:events";
import type { Server as HttpServer } from "node:http";
import type { PrismaClient } from "@league/db";
import { createAdapter } from "@socket.io/redis-adapter";
import { Redis } from "ioredis";
import { type Socket, Server as SocketServer } from "socket.io";

export interface FeedEvents {
  "match.started": { matchId: string; leagueId: string; live: boolean; versionIds: string[] };
  "match.finished": {
    matchId: string;
    leagueId: string;
    result: unknown;
    ranks: { versionId: string; rank: number | null }[];
  };
  "rating.changed": {
    versionId: string;
    leagueId: string;
    matchId: string | null;
    mu: number;
    sigma: number;
    ordinal: number;
    delta: number;
  };
  "agent.submitted": {
    agentId: string;
    versionId: string;
    version: number;
    agentName: string;
    ownerName: string;
    envId: string;
  };
}
export type FeedEventName = keyof FeedEvents;
export const FEED_EVENTS: FeedEventName[] = [
  "match.started",
  "match.finished",
  "rating.changed",
  "agent.submitted",
];

/** The in-process bus: the match runner and the API publish here, the feed relays. */
export class PlatformEvents {
  private readonly emitter = new EventEmitter().setMaxListeners(100);

  publish<E extends FeedEventName>(event: E, payload: FeedEvents[E]): void {
    this.emitter.emit(event, payload);
  }

  on<E extends FeedEventName>(event: E, listener: (payload: FeedEvents[E]) => void): () => void {
    this.emitter.on(event, listener);
    return () => this.emitter.off(event, listener);
  }
}

/** `leagueExists` for attachFeed: a league is one the database holds. */
export function leagueLookup(prisma: PrismaClient): (leagueId: string) => Promise<boolean> {
  return async (id) => (await prisma.league.count({ where: { id } })) > 0;
}

/** The Redis key prefix of the feed's pub/sub channels (the adapter's and the workers' emitter). */
export const FEED_REDIS_KEY = "league-feed";

/** Where events are broadcast: a Socket.IO namespace, or the Redis emitter a match worker uses. */
export interface FeedTarget {
  to(rooms: string | string[]): { emit(event: string, payload: unknown): unknown };
}

/** Sends every platform event to `all` and to the room of its league, on `target`. */
export function relayEvents(events: PlatformEvents, target: FeedTarget): void {
  for (const event of FEED_EVENTS) {
    events.on(event, (payload) => {
      const leagueId = (payload as { leagueId?: string }).leagueId;
      target.to(leagueId ? ["all", `league:${leagueId}`] : "all").emit(event, payload);
    });
  }
}

/**
 * Socket.IO on the API's HTTP server, namespace `/feed`. Every client gets every event; a client
 * may also `subscribe` to one league (`{ league: "car-soccer-1v1" }`) to get only its events.
 * With `redisUrl`, Socket.IO's Redis adapter carries every broadcast to the clients of every
 * server process (and match workers' events arrive through it too).
 */
export function attachFeed(
  server: HttpServer,
  events: PlatformEvents,
  options: {
    corsOrigins: string[];
    redisUrl?: string | undefined;
    /** Whether a league exists, for `subscribe`; without it every well-formed id is accepted. */
    leagueExists?: (leagueId: string) => Promise<boolean>;
  },
): SocketServer {
  const io = new SocketServer(server, { cors: { origin: options.corsOrigins }, serveClient: false });
  if (options.redisUrl) {
    const pub = new Redis(options.redisUrl, { lazyConnect: false });
    const sub = pub.duplicate();
    io.adapter(createAdapter(pub, sub, { key: FEED_REDIS_KEY }));
    // Closing Socket.IO closes the adapter; the connections are ours to end.
    const close = io.close.bind(io);
    io.close = async (fn) => {
      await close(fn);
      pub.disconnect();
      sub.disconnect();
    };
  }
  const feed = io.of("/feed");
  /** Moves `socket` from every room to the league's, unless there is no such league. */
  const subscribe = async (socket: Socket, league: string, ack?: (answer: unknown) => void) => {
    let exists: boolean;
    try {
      exists = options.leagueExists ? await options.leagueExists(league) : true;
    } catch {
      ack?.({ error: { code: "unavailable", message: "the league list cannot be read now; try again" } });
      return;
    }
    if (!exists) {
      ack?.({ error: { code: "league_not_found", message: `no league with id "${league}"` } });
      return;
    }
    for (const room of socket.rooms)
      if (room === "all" || room.startsWith("league:")) void socket.leave(room);
    void socket.join(`league:${league}`);
    ack?.({ ok: true, league });
  };
  feed.on("connection", (socket) => {
    // Rooms, not per-socket filters, so that a Redis adapter can carry them across processes.
    void socket.join("all");
    socket.on("subscribe", (request: unknown, ack?: (answer: unknown) => void) => {
      const league = (request as { league?: unknown } | null)?.league;
      if (typeof league !== "string" || !/^[a-z0-9-]{1,64}$/.test(league)) {
        ack?.({ error: { code: "invalid_request", message: "subscribe with { league: <league id> }" } });
        return;
      }
      void subscribe(socket, league, ack);
    });
  });
  relayEvents(events, feed);
  return io;
}
