// API keys: random, shown once, stored as a slow hash (scrypt), compared in constant time.
import { randomBytes, type ScryptOptions, scrypt as scryptCallback, timingSafeEqual } from "node:crypto";
import type { Owner, PrismaClient } from "@league/db";
import { ApiError } from "./errors.js";

// N = 2^14 with r = 8 costs 16 MiB and tens of milliseconds: cheap once per request, costly per guess.
const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 } as const;
const KEY_PATTERN = /^al_([a-z0-9]{10})_([A-Za-z0-9_-]{43})$/;

function scrypt(secret: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(secret, salt, keylen, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

export interface NewApiKey {
  /** The whole key, `al_<prefix>_<secret>`: given to the owner once, never stored. */
  key: string;
  /** `al_<prefix>`: stored in clear to find the key's row; safe to show. */
  prefix: string;
  hash: string;
}

export async function generateApiKey(): Promise<NewApiKey> {
  const prefixBody = randomBytes(8)
    .toString("base64url")
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "0")
    .slice(0, 10);
  const secret = randomBytes(32).toString("base64url");
  return { key: `al_${prefixBody}_${secret}`, prefix: `al_${prefixBody}`, hash: await hashSecret(secret) };
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const derived = await scrypt(secret, salt, SCRYPT.keylen, {
    N: SCRYPT.N,
    r: SCRYPT.r,
    p: SCRYPT.p,
    maxmem: 64 * 1024 * 1024,
  });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString("base64url")}$${derived.toString("base64url")}`;
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64url");
  const derived = await scrypt(secret, Buffer.from(salt, "base64url"), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: 64 * 1024 * 1024,
  });
  return derived.length === expected.length && timingSafeEqual(derived, expected);
}

/** Splits a presented key; null when it cannot be one of ours. */
export function parseApiKey(key: string): { prefix: string; secret: string } | null {
  const match = KEY_PATTERN.exec(key);
  return match ? { prefix: `al_${match[1]}`, secret: match[2]! } : null;
}

/** The owner behind `Authorization: Bearer <key>`, or a 401 that says what was wrong. */
export async function authenticate(
  prisma: PrismaClient,
  authorization: string | undefined,
): Promise<{ owner: Owner; keyId: string }> {
  if (!authorization)
    throw new ApiError(401, "missing_api_key", "send your API key as `Authorization: Bearer <key>`");
  // Exactly two words: `Bearer A B` must not pass as A.
  const [scheme, key, ...rest] = authorization.trim().split(/\s+/);
  if (scheme?.toLowerCase() !== "bearer" || !key || rest.length > 0) {
    throw new ApiError(401, "malformed_authorization", "the Authorization header must be `Bearer <key>`");
  }
  const parsed = parseApiKey(key);
  if (!parsed) throw new ApiError(401, "invalid_api_key", "that is not an Agent League API key (al_…)");
  const row = await prisma.apiKey.findUnique({ where: { prefix: parsed.prefix }, include: { owner: true } });
  // Verify even when no row exists, so that timing does not tell which prefixes exist.
  const ok = await verifySecret(parsed.secret, row?.hash ?? DUMMY_HASH);
  if (!row || !ok) throw new ApiError(401, "invalid_api_key", "unknown API key");
  if (row.revokedAt) throw new ApiError(401, "revoked_api_key", `API key ${row.prefix} was revoked`);
  await prisma.apiKey.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } });
  return { owner: row.owner, keyId: row.id };
}

const authenticated = new WeakMap<object, Promise<{ owner: Owner; keyId: string }>>();

/**
 * `authenticate` once per request: the write rate limiter (which counts an authenticated request
 * against its owner) and the route share one verification of the secret.
 */
export function authenticateRequest(
  prisma: PrismaClient,
  request: { headers: { authorization?: string | undefined } },
): Promise<{ owner: Owner; keyId: string }> {
  let result = authenticated.get(request);
  if (!result) {
    result = authenticate(prisma, request.headers.authorization);
    // Read by whichever caller comes second; an unread rejection must not crash the process.
    result.catch(() => {});
    authenticated.set(request, result);
  }
  return result;
}

const DUMMY_HASH = `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$AAAAAAAAAAAAAAAAAAAAAA$${"A".repeat(43)}`;
