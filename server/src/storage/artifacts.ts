// Model artifacts read once per process, not once per match: a version's artifact never changes
// after it is stored (its sha256 is stored beside it), and reading it costs the event loop far
// more than its size suggests — Prisma's driver adapters hand bytes over as an array of numbers
// (66 KB of weights: 66,000 numbers built and collected per ladder match that seats the model).
// Callers read versions without the column (`omit: { artifact: true }`) and add it here.
import type { PrismaClient } from "@league/db";

/** At most this many artifact bytes are kept; the least recently used go first. */
const MAX_CACHED_BYTES = 64 * 1024 * 1024;

interface Cached {
  sha256: string;
  bytes: Uint8Array;
}

const cache = new Map<string, Cached>();
let cachedBytes = 0;

function remember(id: string, entry: Cached): void {
  const old = cache.get(id);
  if (old) cachedBytes -= old.bytes.byteLength;
  cache.delete(id);
  cache.set(id, entry);
  cachedBytes += entry.bytes.byteLength;
  for (const [key, value] of cache) {
    if (cachedBytes <= MAX_CACHED_BYTES) break;
    cache.delete(key);
    cachedBytes -= value.bytes.byteLength;
  }
}

/** Reads and counts (for tests and operators): artifacts fetched from the database, and served from memory. */
export const artifactReads = { fetched: 0, cached: 0 };

/**
 * The versions with their artifacts: from memory when the stored sha256 matches what was read
 * before, else read (one query for all that are missing). Rows without a sha256 (built-in bots and
 * remote agents have no artifact) are read every time and never kept.
 */
export async function withArtifacts<T extends { id: string; artifactSha256: string | null }>(
  prisma: PrismaClient,
  versions: T[],
): Promise<(T & { artifact: Uint8Array | null })[]> {
  const missing = versions.filter(
    (v) => v.artifactSha256 === null || cache.get(v.id)?.sha256 !== v.artifactSha256,
  );
  const fetched = new Map<string, Uint8Array | null>();
  if (missing.length) {
    const rows = await prisma.agentVersion.findMany({
      where: { id: { in: missing.map((v) => v.id) } },
      select: { id: true, artifact: true, artifactSha256: true },
    });
    for (const row of rows) {
      const bytes = row.artifact ? new Uint8Array(row.artifact) : null;
      fetched.set(row.id, bytes);
      if (bytes && row.artifactSha256) remember(row.id, { sha256: row.artifactSha256, bytes });
    }
    artifactReads.fetched += rows.length;
  }
  return versions.map((v) => {
    if (fetched.has(v.id)) return { ...v, artifact: fetched.get(v.id)! };
    const hit = cache.get(v.id);
    // Deleted since it was listed: no artifact (the caller reports the version unplayable).
    if (!hit) return { ...v, artifact: null };
    artifactReads.cached++;
    // Most recently used last.
    cache.delete(v.id);
    cache.set(v.id, hit);
    return { ...v, artifact: hit.bytes };
  });
}

/** The stored versions a match seats, with their agents' names and their artifacts (from the cache). */
export async function playableVersions(prisma: PrismaClient, ids: string[]) {
  return withArtifacts(
    prisma,
    await prisma.agentVersion.findMany({
      where: { id: { in: ids } },
      include: { agent: { select: { name: true } } },
      omit: { artifact: true },
    }),
  );
}
