// Public reads that change only when a match starts or finishes, a version is rated or an agent
// is submitted (leagues, leaderboards, match lists, agents) are served from memory: the first
// request after a change runs the route, the rest get its bytes. Measured on PostgreSQL before this: three Prisma queries per leaderboard
// page (the query compiler and interpreter ~25% of CPU, the rest waiting on round trips) held the
// route to ~230 requests/s. Changes arrive as platform events — in this process directly, and
// from every other process (servers and match workers) over Redis when the platform is scaled out.
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { Redis } from "ioredis";
import type { FeedEventName, PlatformEvents } from "./feed.js";

/** Redis channel on which every process announces which league's reads went stale. */
export const READ_CACHE_CHANNEL = "league-read-cache";

/** Pub/sub ignores database numbers: the channel names the database, so platforms sharing a Redis stay apart. */
function channelOf(redis: Redis): string {
  return `${READ_CACHE_CHANNEL}:${redis.options.db ?? 0}`;
}

/** Scope that every league's change also touches (the league list carries per-league counts). */
const ALL = "*";

/**
 * Route patterns served from memory, and the scope whose changes stale them: a league id where the
 * URL names one, else every league (any league's event stales it). None of them depends on who
 * asks. Writes that announce no event (a validation finishing) show within `maxAgeMs`.
 */
type ScopeOf = (params: Record<string, string>) => string;
/** Scope no league's change touches: what a route serves there never changes once it exists. */
const IMMUTABLE = "immutable";
/** How long an immutable entry (a finished match's replay) is kept without being asked for again. */
const IMMUTABLE_MAX_AGE_MS = 10 * 60_000;
/** Response headers a hit replays besides the body (the replay's file name and caching). */
const KEPT_HEADERS = ["content-type", "content-disposition", "cache-control"] as const;
/**
 * Entries at least this large are also kept gzipped, for clients that accept it. A five-minute
 * match's replay is ~300 KB of controls that take a handful of values; sending those bytes on
 * every download held the route under 400 requests/s (bench/api).
 */
const GZIP_MIN_BYTES = 1024;
const gzipAsync = promisify(gzip);

const CACHED_ROUTES = new Map<string, ScopeOf>([
  ["/api/v1/leagues", () => ALL],
  ["/api/v1/leagues/:id", (params) => params.id ?? ALL],
  ["/api/v1/leagues/:id/leaderboard", (params) => params.id ?? ALL],
  ["/api/v1/leagues/:id/matches", (params) => params.id ?? ALL],
  ["/api/v1/matches", () => ALL],
  ["/api/v1/matches/live", () => ALL],
  ["/api/v1/matches/:matchId", () => ALL],
  ["/api/v1/agents/:agentId", () => ALL],
  ["/api/v1/agents/:agentId/head-to-head", () => ALL],
  ["/api/v1/versions/:versionId/ratings", () => ALL],
  ["/api/v1/owners/:name/agents", () => ALL],
  // A stored replay is never rewritten; "no replay yet" is an error, and errors are never kept.
  ["/api/v1/matches/:matchId/replay", () => IMMUTABLE],
]);

/** Events after which a league's reads are stale; one without a league stales every league. */
const STALING_EVENTS: FeedEventName[] = [
  "match.started",
  "match.finished",
  "rating.changed",
  "agent.submitted",
];

export interface ReadCacheOptions {
  /** Longest an entry is served; bounds staleness from writes that announce no event (validation). */
  maxAgeMs: number;
  /** Entries and bytes kept at most (query strings differ per page); the oldest go first. */
  maxEntries?: number;
  maxBytes?: number;
  events: PlatformEvents | null;
  /** With Redis, changes announced by any process stale this process's entries too. */
  redisUrl?: string | undefined;
}

interface Entry {
  key: string;
  payload: string | Buffer;
  /** The payload's size in bytes, taken once. */
  size: number;
  /** The payload gzipped, once a client that accepts gzip asked (null: it did not shrink). */
  gzip?: Promise<Buffer | null>;
  gzipBytes?: number;
  headers: Record<string, string>;
  etag: string | undefined;
  expiresAt: number;
  /** The scope's generation when the route began computing it. */
  generation: number;
  scope: string;
}

interface Fill {
  key: string;
  scope: string;
  generation: number;
  resolve: (entry: Entry | null) => void;
}

declare module "fastify" {
  interface FastifyRequest {
    readCacheFill?: Fill;
  }
}

/** In-memory entries with per-league generations: a change bumps the generation, not the map. */
export class ReadCache {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<Entry | null>>();
  private readonly generations = new Map<string, number>();
  private allGeneration = 0;
  private bytes = 0;
  hits = 0;
  misses = 0;

  constructor(
    private readonly maxAgeMs: number,
    private readonly maxEntries: number,
    private readonly maxBytes: number,
  ) {}

  /** Only ever grows for a scope: a league's own changes, and ALL's for the league list. */
  generation(scope: string): number {
    return this.allGeneration + (this.generations.get(scope) ?? 0);
  }

  /** Stales one league's reads and the league list; `null` stales everything. */
  invalidate(leagueId: string | null): void {
    if (leagueId === null) this.allGeneration++;
    else {
      this.generations.set(leagueId, (this.generations.get(leagueId) ?? 0) + 1);
      this.generations.set(ALL, (this.generations.get(ALL) ?? 0) + 1);
    }
  }

  fresh(key: string, now: number): Entry | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.expiresAt > now && entry.generation === this.generation(entry.scope)) return entry;
    this.drop(key, entry);
    return null;
  }

  /** Claims the computation of `key`, or returns the one in flight to wait on. */
  claim(key: string, scope: string): { fill: Fill } | { wait: Promise<Entry | null> } {
    const inFlight = this.pending.get(key);
    if (inFlight) return { wait: inFlight };
    let resolve!: (entry: Entry | null) => void;
    const promise = new Promise<Entry | null>((r) => {
      resolve = r;
    });
    this.pending.set(key, promise);
    const fill: Fill = {
      key,
      scope,
      generation: this.generation(scope),
      resolve: (entry) => {
        this.pending.delete(key);
        resolve(entry);
      },
    };
    return { fill };
  }

  store(
    fill: Fill,
    payload: string | Buffer,
    headers: Record<string, string>,
    etag: string | undefined,
    now: number,
  ): Entry {
    const entry: Entry = {
      key: fill.key,
      payload,
      size: Buffer.byteLength(payload),
      headers,
      etag,
      expiresAt: now + (fill.scope === IMMUTABLE ? IMMUTABLE_MAX_AGE_MS : this.maxAgeMs),
      generation: fill.generation,
      scope: fill.scope,
    };
    // A change that landed while the route ran leaves the entry already stale: correct, not lost.
    const previous = this.entries.get(fill.key);
    if (previous) this.drop(fill.key, previous);
    this.entries.set(fill.key, entry);
    this.bytes += entry.size;
    // Map order is insertion order: the first key is the oldest entry.
    for (const [key, oldest] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.drop(key, oldest);
    }
    return entry;
  }

  /** The entry gzipped, compressed once in zlib's thread pool (not on the event loop). */
  gzipOf(entry: Entry): Promise<Buffer | null> {
    entry.gzip ??= gzipAsync(entry.payload).then(
      (bytes) => {
        // Barely smaller is not worth the client's inflating it.
        if (bytes.length > 0.9 * entry.size) return null;
        if (this.entries.get(entry.key) === entry) {
          entry.gzipBytes = bytes.length;
          this.bytes += bytes.length;
        }
        return bytes;
      },
      () => null,
    );
    return entry.gzip;
  }

  private drop(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.bytes -= entry.size + (entry.gzipBytes ?? 0);
    entry.gzipBytes = 0;
  }

  get size(): number {
    return this.entries.size;
  }
}

function leagueOf(payload: unknown): string | null {
  const leagueId = (payload as { leagueId?: unknown } | null)?.leagueId;
  return typeof leagueId === "string" ? leagueId : null;
}

/**
 * Announces this process's staling events on Redis, for the read caches of every server process
 * (a match worker calls this; a server's own cache does it as part of `registerReadCache`).
 */
export function publishReadCacheChanges(events: PlatformEvents, redis: Redis): () => void {
  const offs = STALING_EVENTS.map((event) =>
    events.on(event, (payload) => {
      void redis.publish(channelOf(redis), leagueOf(payload) ?? ALL).catch(() => undefined);
    }),
  );
  return () => {
    for (const off of offs) off();
  };
}

/** Whether an Accept-Encoding header admits gzip (listed without `q=0`). */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header.join(",") : (header ?? "");
  return value.split(",").some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(";");
    if (coding?.trim() !== "gzip") return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

async function send(
  cache: ReadCache,
  request: FastifyRequest,
  reply: FastifyReply,
  entry: Entry,
): Promise<FastifyReply> {
  reply.headers(entry.headers).header("x-cache", "hit").header("vary", "accept-encoding");
  const gzipped =
    entry.size >= GZIP_MIN_BYTES && acceptsGzip(request.headers["accept-encoding"])
      ? await cache.gzipOf(entry)
      : null;
  // The stored ETag spares @fastify/etag hashing the same bytes again; it still answers 304.
  // Each encoding is its own representation, so the gzipped one has its own tag.
  if (gzipped) {
    if (entry.etag) reply.header("etag", entry.etag.replace(/"$/, '-gzip"'));
    return reply.header("content-encoding", "gzip").send(gzipped);
  }
  if (entry.etag) reply.header("etag", entry.etag);
  return reply.send(entry.payload);
}

/** Serves the cached routes from a `ReadCache`, kept fresh by events; returns the cache. */
export function registerReadCache(app: FastifyInstance, options: ReadCacheOptions): ReadCache {
  const cache = new ReadCache(
    options.maxAgeMs,
    options.maxEntries ?? 2000,
    options.maxBytes ?? 64 * 1024 * 1024,
  );
  const offs: (() => void)[] = [];
  if (options.events) {
    for (const event of STALING_EVENTS)
      offs.push(options.events.on(event, (payload) => cache.invalidate(leagueOf(payload))));
  }
  let pub: Redis | null = null;
  let sub: Redis | null = null;
  if (options.redisUrl) {
    pub = new Redis(options.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 });
    sub = pub.duplicate();
    void sub.subscribe(channelOf(sub)).catch(() => undefined);
    sub.on("message", (_channel: string, scope: string) => cache.invalidate(scope === ALL ? null : scope));
    if (options.events) offs.push(publishReadCacheChanges(options.events, pub));
  }

  app.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== "GET") return;
    const scopeOf = CACHED_ROUTES.get(request.routeOptions.url ?? "");
    if (!scopeOf) return;
    const key = request.url;
    const now = Date.now();
    const hit = cache.fresh(key, now);
    if (hit) {
      cache.hits++;
      return send(cache, request, reply, hit);
    }
    const claim = cache.claim(key, scopeOf(request.params as Record<string, string>));
    if ("wait" in claim) {
      // Another request is computing the same page: share its bytes rather than query again.
      const entry = await claim.wait;
      if (entry) {
        cache.hits++;
        return send(cache, request, reply, entry);
      }
      return;
    }
    cache.misses++;
    request.readCacheFill = claim.fill;
  });

  app.addHook("onSend", async (request, reply, payload) => {
    const fill = request.readCacheFill;
    if (!fill) return payload;
    request.readCacheFill = undefined;
    if (reply.statusCode === 200 && (typeof payload === "string" || Buffer.isBuffer(payload))) {
      const headers: Record<string, string> = {};
      for (const name of KEPT_HEADERS) {
        const value = reply.getHeader(name);
        if (value !== undefined) headers[name] = String(value);
      }
      const etag = reply.getHeader("etag");
      fill.resolve(
        cache.store(fill, payload, headers, typeof etag === "string" ? etag : undefined, Date.now()),
      );
      reply.header("x-cache", "miss").header("vary", "accept-encoding");
    } else fill.resolve(null);
    return payload;
  });

  // A route that failed before sending (or a dropped connection) must not leave waiters hanging.
  app.addHook("onResponse", async (request) => {
    request.readCacheFill?.resolve(null);
    request.readCacheFill = undefined;
  });

  app.addHook("onClose", async () => {
    for (const off of offs) off();
    sub?.disconnect();
    pub?.disconnect();
  });
  return cache;
}
