// The Redis of the tests: TEST_REDIS_URL's server (default this machine's), one database number
// per test file, since a file may flush its own while others run.
import { Redis } from "ioredis";

/** TEST_REDIS_URL (or redis://127.0.0.1:6379) with its database set to `db`. */
export function testRedisUrl(db: number): string {
  const url = new URL(process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379");
  url.pathname = `/${db}`;
  return url.toString();
}

/** Why Redis at `url` cannot be used, or null when it answers a PING. */
export async function probeRedis(url: string): Promise<string | null> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (error) {
    return `Redis at ${url} is unreachable: ${(error as Error).message}`;
  } finally {
    redis.disconnect();
  }
}
