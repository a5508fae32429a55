// The embedded database's fast bytea serializer writes exactly what PGlite's own would, and bytes
// stored through it come back byte for byte (models.test.ts round-trips every model besides).
import { randomBytes } from "node:crypto";
import { types } from "@electric-sql/pglite";
import { describe, expect, it } from "vitest";
import { pgliteSerializers } from "../src/pglite-adapter.js";
import { createTestDatabase } from "../src/testing.js";

const BYTEA = 17;

describe("the embedded database's bytea serializer", () => {
  it("writes PGlite's own text for bytea, views into larger buffers included", () => {
    const own = types.serializers[BYTEA]!;
    const whole = new Uint8Array(randomBytes(4096));
    for (const bytes of [
      new Uint8Array(0),
      new Uint8Array([0, 1, 15, 16, 255]),
      whole,
      whole.subarray(100, 900),
    ])
      expect(pgliteSerializers[BYTEA](bytes)).toBe(own(bytes));
    expect(() => pgliteSerializers[BYTEA]("\\x00")).toThrow(/bytea/);
  });

  it("stores a large artifact and reads it back byte for byte", async () => {
    const db = await createTestDatabase("pglite");
    try {
      const owner = await db.prisma.owner.create({ data: { name: "bytes" } });
      const agent = await db.prisma.agent.create({ data: { ownerId: owner.id, name: "a", kind: "model" } });
      const artifact = new Uint8Array(randomBytes(300_000));
      const version = await db.prisma.agentVersion.create({
        data: { agentId: agent.id, version: 1, envId: "car-soccer-1v1", manifest: {}, artifact },
      });
      const back = await db.prisma.agentVersion.findUniqueOrThrow({ where: { id: version.id } });
      expect(Buffer.from(back.artifact!).equals(Buffer.from(artifact))).toBe(true);
    } finally {
      await db.destroy();
    }
  });
});
