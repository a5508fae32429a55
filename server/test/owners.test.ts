import { createTestDatabase, probePostgres, type TestDatabase } from "@league/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseApiKey, verifySecret } from "../src/auth.js";
import { buildApp } from "../src/index.js";

const postgres = await probePostgres();
const BACKENDS = [
  { kind: "pglite" as const, skip: false },
  { kind: "postgres" as const, skip: !postgres.available },
];

describe.each(BACKENDS)("owners and API keys on $kind", ({ kind, skip }) => {
  let db: TestDatabase;
  let app: FastifyInstance;
  beforeAll(async () => {
    if (skip) return;
    db = await createTestDatabase(kind);
    app = await buildApp({ db, version: "0.0.0-test" });
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
  });

  const signUp = (name: string, extra: Record<string, unknown> = {}) =>
    app.inject({ method: "POST", url: "/api/v1/owners", payload: { name, ...extra } });
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

  it.skipIf(skip)("signs up an owner, shows the key once and stores only a slow hash of it", async () => {
    const res = await signUp("ada", { email: "ada@example.org" });
    expect(res.statusCode).toBe(201);
    const body = res.json() as {
      owner: { id: string; name: string };
      apiKey: { id: string; prefix: string; key: string };
    };
    expect(body.owner.name).toBe("ada");
    expect(body.apiKey.key).toMatch(/^al_[a-z0-9]{10}_[A-Za-z0-9_-]{43}$/);
    expect(body.apiKey.key.startsWith(`${body.apiKey.prefix}_`)).toBe(true);

    const row = await db.prisma.apiKey.findUniqueOrThrow({ where: { id: body.apiKey.id } });
    expect(row.hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(row.hash).not.toContain(parseApiKey(body.apiKey.key)!.secret);
    expect(await verifySecret(parseApiKey(body.apiKey.key)!.secret, row.hash)).toBe(true);

    const me = await app.inject({
      method: "GET",
      url: "/api/v1/owners/me",
      headers: bearer(body.apiKey.key),
    });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({
      name: "ada",
      apiKeys: [{ prefix: body.apiKey.prefix, revokedAt: null }],
    });
    expect(me.body).not.toContain(body.apiKey.key);
    expect((me.json() as { apiKeys: { lastUsedAt: string | null }[] }).apiKeys[0]!.lastUsedAt).not.toBeNull();
  });

  it.skipIf(skip)("refuses a taken name and bad input with the reason, storing nothing", async () => {
    await signUp("grace");
    const owners = await db.prisma.owner.count();
    const taken = await signUp("grace");
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toEqual({
      error: { code: "owner_name_taken", message: 'the name "grace" is taken; choose another' },
    });
    const bad = await signUp("-x", { email: "not-an-email" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({
      error: { code: "invalid_request", message: expect.stringMatching(/body\.name: .*body\.email: /) },
    });
    const notJson = await app.inject({
      method: "POST",
      url: "/api/v1/owners",
      headers: { "content-type": "application/json" },
      payload: "{name:",
    });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json()).toMatchObject({
      error: { code: expect.any(String), message: expect.any(String) },
    });
    expect(await db.prisma.owner.count()).toBe(owners);
  });

  it.skipIf(skip)("tells a missing, malformed, unknown and revoked key apart", async () => {
    const { apiKey } = (await signUp("linus")).json() as { apiKey: { id: string; key: string } };
    const me = (headers: Record<string, string>) =>
      app.inject({ method: "GET", url: "/api/v1/owners/me", headers });
    expect((await me({})).json()).toMatchObject({ error: { code: "missing_api_key" } });
    expect((await me({ authorization: "Basic abc" })).json()).toMatchObject({
      error: { code: "malformed_authorization" },
    });
    expect((await me(bearer("sk_live_123"))).json()).toMatchObject({ error: { code: "invalid_api_key" } });
    const forged = `${apiKey.key.slice(0, -4)}AAAA`;
    expect((await me(bearer(forged))).statusCode).toBe(401);

    const second = await app.inject({
      method: "POST",
      url: "/api/v1/owners/me/keys",
      headers: bearer(apiKey.key),
      payload: { label: "ci" },
    });
    expect(second.statusCode).toBe(201);
    const secondKey = (second.json() as { key: string }).key;

    const revoke = await app.inject({
      method: "DELETE",
      url: `/api/v1/owners/me/keys/${apiKey.id}`,
      headers: bearer(secondKey),
    });
    expect(revoke.statusCode).toBe(200);
    expect((revoke.json() as { revokedAt: string | null }).revokedAt).not.toBeNull();
    const afterRevoke = await me(bearer(apiKey.key));
    expect(afterRevoke.statusCode).toBe(401);
    expect(afterRevoke.json()).toMatchObject({ error: { code: "revoked_api_key" } });
    expect((await me(bearer(secondKey))).statusCode).toBe(200);

    // Another owner's key cannot be revoked with mine.
    const other = (await signUp("margaret")).json() as { apiKey: { id: string } };
    const foreign = await app.inject({
      method: "DELETE",
      url: `/api/v1/owners/me/keys/${other.apiKey.id}`,
      headers: bearer(secondKey),
    });
    expect(foreign.statusCode).toBe(404);
  });
});
