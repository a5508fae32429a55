import { createTestDatabase, type TestDatabase } from "@league/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/index.js";

describe("HTTP hardening", () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  beforeAll(async () => {
    db = await createTestDatabase("pglite");
    app = await buildApp({
      db,
      version: "0.0.0-test",
      writeRateLimit: { max: 3, windowMs: 60_000 },
      corsOrigins: ["http://localhost:3000"],
    });
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
  });

  it("limits writes per address, answers 429 in the API's error shape, and stores nothing past the limit", async () => {
    const signUp = (name: string, ip = "10.0.0.1") =>
      app.inject({ method: "POST", url: "/api/v1/owners", payload: { name }, remoteAddress: ip });
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await signUp(`owner-${i}`)).statusCode);
    expect(codes).toEqual([201, 201, 201, 429]);
    const limited = await signUp("owner-x");
    expect(limited.json()).toMatchObject({
      error: { code: "rate_limited", message: expect.stringMatching(/at most 3 per/) },
    });
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect(await db.prisma.owner.count()).toBe(3);
    // Another address has its own allowance; reads are never limited.
    expect((await signUp("owner-y", "10.0.0.2")).statusCode).toBe(201);
    for (let i = 0; i < 6; i++) {
      expect(
        (await app.inject({ method: "GET", url: "/api/v1/leagues", remoteAddress: "10.0.0.1" })).statusCode,
      ).toBe(200);
    }
  });

  it("limits writes per API key rather than per address when a key is presented", async () => {
    const { apiKey } = (
      await app.inject({
        method: "POST",
        url: "/api/v1/owners",
        payload: { name: "keyed" },
        remoteAddress: "10.0.0.9",
      })
    ).json() as {
      apiKey: { key: string };
    };
    const newKey = (ip: string) =>
      app.inject({
        method: "POST",
        url: "/api/v1/owners/me/keys",
        headers: { authorization: `Bearer ${apiKey.key}` },
        remoteAddress: ip,
        payload: {},
      });
    const codes = [];
    for (const ip of ["10.1.0.1", "10.1.0.2", "10.1.0.3", "10.1.0.4"])
      codes.push((await newKey(ip)).statusCode);
    expect(codes).toEqual([201, 201, 201, 429]);
  });

  it("counts writes under a made-up key against the address, so forged prefixes buy no allowance", async () => {
    const forged = (i: number) =>
      app.inject({
        method: "POST",
        url: "/api/v1/owners",
        headers: { authorization: `Bearer al_${String(i).padStart(10, "0")}_${"x".repeat(43)}` },
        payload: { name: `forger-${i}` },
        remoteAddress: "10.2.0.1",
      });
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await forged(i)).statusCode);
    expect(codes).toEqual([201, 201, 201, 429]);
    expect(await db.prisma.owner.count({ where: { name: { startsWith: "forger-" } } })).toBe(3);
  });

  it("sets security headers and allows the web origin only", async () => {
    const res = await app.inject({
      method: "GET",
      url: "/api/v1/health",
      headers: { origin: "http://localhost:3000" },
    });
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["x-frame-options"]).toBe("SAMEORIGIN");
    expect(res.headers["access-control-allow-origin"]).toBe("http://localhost:3000");
    const other = await app.inject({
      method: "GET",
      url: "/api/v1/health",
      headers: { origin: "https://evil.example" },
    });
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
  });
});
