// Model artifacts are read from the database once per version and then served from memory; a
// version whose stored sha256 differs from the one remembered is read again.
import { createHash, randomBytes } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "@league/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { artifactReads, withArtifacts } from "../src/storage/artifacts.js";

describe("the artifact cache", () => {
  let db: TestDatabase;
  let agentId: string;
  beforeAll(async () => {
    db = await createTestDatabase("pglite");
    const owner = await db.prisma.owner.create({ data: { name: "cache" } });
    agentId = (await db.prisma.agent.create({ data: { ownerId: owner.id, name: "m", kind: "model" } })).id;
  });
  afterAll(() => db?.destroy());

  const store = async (version: number, bytes: Uint8Array<ArrayBuffer> | null) =>
    db.prisma.agentVersion.create({
      data: {
        agentId,
        version,
        envId: "car-soccer-1v1",
        manifest: {},
        artifact: bytes,
        artifactSha256: bytes ? createHash("sha256").update(bytes).digest("hex") : null,
      },
    });
  const listed = (ids: string[]) =>
    db.prisma.agentVersion.findMany({
      where: { id: { in: ids } },
      omit: { artifact: true },
      orderBy: { version: "asc" },
    });

  it("reads each artifact once, then serves it from memory; rows without one are read each time", async () => {
    const a = new Uint8Array(randomBytes(70_000));
    const b = new Uint8Array(randomBytes(1000));
    const [va, vb, vc] = [await store(1, a), await store(2, b), await store(3, null)];
    const ids = [va.id, vb.id, vc.id];
    const before = { ...artifactReads };
    const first = await withArtifacts(db.prisma, await listed(ids));
    expect(
      first.map((v) => v.artifact && Buffer.from(v.artifact).equals(Buffer.from(v.id === va.id ? a : b))),
    ).toEqual([true, true, null]);
    expect(artifactReads.fetched - before.fetched).toBe(3);
    const second = await withArtifacts(db.prisma, await listed(ids));
    expect(second.map((v) => v.artifact?.byteLength ?? null)).toEqual([70_000, 1000, null]);
    // Only the row without a sha256 was read again.
    expect(artifactReads.fetched - before.fetched).toBe(4);
    expect(artifactReads.cached - before.cached).toBe(2);
  });

  it("reads a version again when its stored sha256 is not the one remembered", async () => {
    const first = new Uint8Array(randomBytes(500));
    const v = await store(4, first);
    await withArtifacts(db.prisma, await listed([v.id]));
    const replaced = new Uint8Array(randomBytes(600));
    await db.prisma.agentVersion.update({
      where: { id: v.id },
      data: { artifact: replaced, artifactSha256: createHash("sha256").update(replaced).digest("hex") },
    });
    const [again] = await withArtifacts(db.prisma, await listed([v.id]));
    expect(Buffer.from(again!.artifact!).equals(Buffer.from(replaced))).toBe(true);
  });
});
