import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DatabaseError, databaseOptionsFromEnv, openDatabase, redactUrl } from "../src/client.js";
import { takeMessages } from "../src/pglite-thread.js";

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "league-factory-"));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe("database factory", () => {
  it("uses PGlite under LEAGUE_DATA_DIR unless DATABASE_URL is set", () => {
    expect(databaseOptionsFromEnv({ LEAGUE_DATA_DIR: "/srv/league" })).toEqual({
      databaseUrl: undefined,
      dataDir: "/srv/league",
      pgliteThread: false,
    });
    expect(databaseOptionsFromEnv({ PGLITE_THREAD: "1" }).pgliteThread).toBe(true);
    expect(databaseOptionsFromEnv({}).dataDir).toBe(path.resolve("data"));
    expect(databaseOptionsFromEnv({ DATABASE_URL: "postgresql://u:p@h/db" }).databaseUrl).toBe(
      "postgresql://u:p@h/db",
    );
  });

  it("keeps embedded data across restarts", async () => {
    const dataDir = await tempDir();
    const first = await openDatabase({ dataDir });
    expect(first.kind).toBe("pglite");
    expect(first.migrations.newlyApplied.length).toBeGreaterThan(0);
    await first.prisma.owner.create({ data: { name: "persisted" } });
    await first.close();

    const second = await openDatabase({ dataDir });
    expect(second.migrations.newlyApplied).toEqual([]);
    expect(second.migrations.latest).toBe(first.migrations.latest);
    expect(await second.prisma.owner.count({ where: { name: "persisted" } })).toBe(1);
    await second.close();
  });

  it("runs PGlite off the caller's thread: the event loop turns while a long query runs", async () => {
    const db = await openDatabase({ dataDir: await tempDir(), pgliteThread: true });
    await db.prisma.owner.count(); // the client's own start-up (loading its engine) yields too
    let turns = 0;
    let running = true;
    const spin = () => {
      if (!running) return;
      turns++;
      setImmediate(spin);
    };
    spin();
    const [row] = await db.prisma.$queryRawUnsafe<{ s: string }[]>(
      "SELECT sum(x)::text AS s FROM generate_series(1, 2000000) x",
    );
    running = false;
    expect(row?.s).toBe("2000001000000");
    // Inline PGlite (`pgliteThread: false`) runs the whole query synchronously: one turn at most.
    expect(turns).toBeGreaterThan(1000);

    // Answers larger than a socket write come back whole and in order (PGlite reuses the chunks
    // it streams: the thread must copy them), inside a transaction and after it.
    const blob = Buffer.from(Array.from({ length: 700_000 }, (_, i) => (i * 7919) % 251));
    await db.prisma.$transaction(
      async (tx) => {
        await tx.$executeRawUnsafe("CREATE TABLE blob (id int PRIMARY KEY, b bytea NOT NULL)");
        await tx.$executeRaw`INSERT INTO blob VALUES (1, ${blob}), (2, ${blob.subarray(1)})`;
        const rows = await tx.$queryRaw<{ id: number; b: Uint8Array }[]>`SELECT id, b FROM blob ORDER BY id`;
        expect(rows.map((r) => Buffer.from(r.b).equals(r.id === 1 ? blob : blob.subarray(1)))).toEqual([
          true,
          true,
        ]);
        expect(await tx.owner.count()).toBe(0);
        // Prisma's default 5 s for an interactive transaction is too short on two loaded cores.
      },
      { timeout: 120_000 },
    );
    const [again] = await db.prisma.$queryRaw<{ b: Uint8Array }[]>`SELECT b FROM blob WHERE id = 1`;
    expect(Buffer.from(again!.b).equals(blob)).toBe(true);

    // Errors keep Prisma's codes, and a failed transaction leaves nothing behind.
    await db.prisma.owner.create({ data: { name: "once" } });
    await expect(db.prisma.owner.create({ data: { name: "once" } })).rejects.toMatchObject({ code: "P2002" });
    await expect(
      db.prisma.$transaction(async (tx) => {
        await tx.owner.create({ data: { name: "rolled-back" } });
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    expect((await db.prisma.owner.findMany()).map((o) => o.name)).toEqual(["once"]);
    await db.close();
  });

  it("splits the wire protocol into whole messages however the bytes arrive", () => {
    const startup = Buffer.alloc(12);
    startup.writeInt32BE(12, 0);
    startup.writeInt32BE(196608, 4);
    const ssl = Buffer.alloc(8);
    ssl.writeInt32BE(8, 0);
    ssl.writeInt32BE(80877103, 4);
    const query = Buffer.concat([Buffer.from("Q"), Buffer.alloc(4), Buffer.from("SELECT 1\0")]);
    query.writeInt32BE(query.length - 1, 1);
    const stream = Buffer.concat([ssl, startup, query, query]);
    // Every split point: whatever came whole is taken, the rest waits for more bytes.
    for (let cut = 0; cut <= stream.length; cut++) {
      const first = takeMessages(stream.subarray(0, cut));
      const second = takeMessages(Buffer.concat([first.rest, stream.subarray(cut)]), first.started);
      const all = [...first.messages, ...second.messages];
      expect(all.map((m) => m.kind)).toEqual(["ssl", "message", "message", "message"]);
      expect(second.rest.length).toBe(0);
      const bytes = all.flatMap((m) => (m.kind === "message" ? [Buffer.from(m.bytes)] : []));
      expect(bytes).toEqual([startup, query, query]);
    }
    // After startup every message is typed, whatever its bytes look like.
    const copyData = Buffer.concat([Buffer.from("d"), Buffer.alloc(4), Buffer.from([0, 3, 0, 0, 1, 2, 3])]);
    copyData.writeInt32BE(copyData.length - 1, 1);
    expect(takeMessages(copyData, true).messages).toEqual([
      { kind: "message", bytes: new Uint8Array(copyData) },
    ]);
  });

  it("refuses to open embedded data that another client holds, and takes over a stale lock", async () => {
    const dataDir = await tempDir();
    const db = await openDatabase({ dataDir });
    await expect(openDatabase({ dataDir })).rejects.toThrow(DatabaseError);
    await expect(openDatabase({ dataDir })).rejects.toThrow(/in use by process \d+/);
    await db.close();

    // A pid file left by a crashed process whose pid no longer exists.
    await writeFile(path.join(dataDir, "pglite", "agent-league.pid"), "2147483646");
    const reopened = await openDatabase({ dataDir });
    await reopened.close();
  });

  it("says which PostgreSQL it could not reach, without the password", async () => {
    const error = await openDatabase({ databaseUrl: "postgresql://league:s3cret@127.0.0.1:1/league" }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as Error).message).toMatch(
      /cannot connect to PostgreSQL at postgresql:\/\/league:\*\*\*@127\.0\.0\.1:1\/league/,
    );
    expect((error as Error).message).not.toContain("s3cret");
    expect(redactUrl("postgres://a@b/c")).toBe("postgres://a@b/c");
  });
});
