// kill -9 of the server process (server/dist/main.js, as `npm start` runs it) while it validates a
// submission, and again while ladder and live matches play; after each restart nothing is left
// `running` or `validating`, the abandoned validation is done again, every stored match is whole
// (finished and fully rated, or aborted and unrated), and every rating counts each finished match
// once (issue 21, item 5). On PGlite and on PostgreSQL (one process, no Redis: it recovers at start).
import type { ChildProcess } from "node:child_process";
import { rm } from "node:fs/promises";
import path from "node:path";
import { openDatabase, type PrismaClient } from "@league/db";
import { createTestDatabase, probePostgres } from "@league/db/testing";
import { afterAll, describe, expect, it } from "vitest";
import { checkpointFiles, multipart } from "./fixtures.js";
import { DIST, freePort, spawnNode } from "./helpers/processes.js";

const postgres = await probePostgres();
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

/** Polls `probe` every 25 ms until it returns something, or fails after `ms`. */
async function until<T>(
  what: string | (() => string),
  ms: number,
  probe: () => Promise<T | null | undefined>,
): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => null);
    if (value !== null && value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${typeof what === "string" ? what : what()}`);
}

describe.each([
  { kind: "pglite" as const, skip: false },
  { kind: "postgres" as const, skip: !postgres.available },
])("kill -9 and restart on $kind", ({ kind, skip }) => {
  it.skipIf(skip)(
    "leaves nothing running or validating, every match whole, every finished match rated once",
    async () => {
      const created = await createTestDatabase(kind);
      await created.close();
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const env = {
        ...created.env,
        SERVER_PORT: String(port),
        HOST: "127.0.0.1",
        LADDER_INTERVAL_MS: "50",
        LIVE_MATCHES: "on",
        LIVE_MATCH_SECONDS: "20",
        LIVE_DUPLICATE_MATCHES: "0",
        READ_CACHE_MS: "0",
        // Plain JavaScript inference: validation lasts long enough to be caught in the middle.
        LEAGUE_TF_BACKEND: "cpu",
      };
      const inspect = async <T>(read: (prisma: PrismaClient) => Promise<T>): Promise<T> => {
        const db = await openDatabase({
          databaseUrl: created.env.DATABASE_URL,
          dataDir: created.env.LEAGUE_DATA_DIR,
          migrate: false,
        });
        try {
          return await read(db.prisma);
        } finally {
          await db.close();
        }
      };
      const start = async () => {
        const server = spawnNode([path.join(DIST, "main.js")], env);
        children.push(server.child);
        await until(
          () => `the server; it said: ${server.output().slice(-2000)}`,
          90_000,
          async () => ((await fetch(`${base}/api/v1/health`)).ok ? true : null),
        );
        return server;
      };
      const killHard = async (child: ChildProcess) => {
        child.kill("SIGKILL");
        await new Promise((r) => child.once("exit", r));
      };

      try {
        // 1. Killed while validating a submission.
        let server = await start();
        const signup = await fetch(`${base}/api/v1/owners`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: "crash-lab" }),
        });
        const { key } = ((await signup.json()) as { apiKey: { key: string } }).apiKey;
        const files = await checkpointFiles({
          env: "car-soccer-1v1",
          observationBuilder: "default",
          actionParser: "lookup",
          observationSize: 91,
          actionCount: 90,
        });
        const { payload, headers } = multipart({ agent: "crashy" }, files);
        const submitted = await fetch(`${base}/api/v1/submissions`, {
          method: "POST",
          headers: { ...headers, authorization: `Bearer ${key}` },
          body: payload,
        });
        expect(submitted.status).toBe(201);
        const { agentId, versionId } = (await submitted.json()) as { agentId: string; versionId: string };
        const statusOf = async () =>
          (
            (await (await fetch(`${base}/api/v1/agents/${agentId}`)).json()) as {
              versions: { id: string; status: string }[];
            }
          ).versions.find((v) => v.id === versionId)?.status;
        await until("the validation to start", 60_000, async () =>
          (await statusOf()) === "validating" ? true : null,
        );
        await killHard(server.child);
        expect(
          await inspect((p) => p.agentVersion.findUniqueOrThrow({ where: { id: versionId } })),
        ).toMatchObject({
          status: "validating",
          validationAttempts: 1,
        });

        // 2. Restarted: the validation is done again; then killed while ladder and live matches play.
        server = await start();
        await until(
          () =>
            `the version validated again (to a verdict); the server said: ${server.output().slice(-2000)}`,
          180_000,
          async () => (["active", "reserve", "failed"].includes((await statusOf()) ?? "") ? true : null),
        );
        const playing = await until("a ladder match and a live match playing", 90_000, async () => {
          const { items } = (await (await fetch(`${base}/api/v1/matches/live`)).json()) as {
            items: { id: string; live: boolean }[];
          };
          return items.some((m) => m.live) && items.some((m) => !m.live) ? items.map((m) => m.id) : null;
        });
        await killHard(server.child);
        expect(
          await inspect((p) => p.match.count({ where: { id: { in: playing }, status: "running" } })),
        ).toBe(playing.length);

        // 3. Restarted, then stopped cleanly: what the kill left is aborted, and everything stored holds together.
        server = await start();
        // A match that finishes after the restart, so that there are ratings to count.
        await until("a match finished after the restart", 180_000, async () => {
          const { items } = (await (await fetch(`${base}/api/v1/matches`)).json()) as { items: unknown[] };
          return items.length > 0 ? true : null;
        });
        server.child.kill("SIGTERM");
        await new Promise((r) => server.child.once("exit", r));
        await inspect(async (p) => {
          const unfinished = await p.match.findMany({
            where: { status: { in: ["queued", "running"] } },
            select: { id: true, status: true, live: true, leagueId: true, createdAt: true, startedAt: true },
          });
          expect(
            unfinished,
            `${JSON.stringify(unfinished)}; the server said: ${server.output().slice(-1500)}`,
          ).toEqual([]);
          expect(await p.agentVersion.count({ where: { status: "validating" } })).toBe(0);
          // Validated again to the end: under load its inference can miss the time budget, which is a
          // verdict of the validation match itself, not of the crash.
          const version = await p.agentVersion.findUniqueOrThrow({ where: { id: versionId } });
          expect(version.validationAttempts).toBe(2);
          if (version.status === "failed") expect(version.failureLog).toMatch(/^validation match failed/);
          else expect(version.status).toMatch(/^(active|reserve)$/);
          for (const m of await p.match.findMany({ where: { id: { in: playing } } })) {
            expect(m.status).toBe("aborted");
            expect(m.error).toMatch(/stopped/);
          }
          const matches = await p.match.findMany({
            include: { participants: true, _count: { select: { ratingEvents: true } } },
          });
          expect(matches.filter((m) => m.status === "finished").length).toBeGreaterThan(0);
          for (const m of matches) {
            if (m.status === "finished") {
              expect(m.finishedAt, m.id).not.toBeNull();
              expect(m.result, m.id).not.toBeNull();
              for (const part of m.participants) expect(part.rank, m.id).not.toBeNull();
              expect(m._count.ratingEvents, m.id).toBe(m.participants.length);
            } else {
              expect(m.status, m.id).toBe("aborted");
              expect(m._count.ratingEvents, m.id).toBe(0);
            }
          }
          // Each rating counts its finished matches once: games = finished participations.
          const finishedIds = new Set(matches.filter((m) => m.status === "finished").map((m) => m.id));
          const played = new Map<string, number>();
          for (const m of matches)
            for (const part of m.participants)
              if (finishedIds.has(m.id)) {
                const k = `${part.versionId}/${m.leagueId}`;
                played.set(k, (played.get(k) ?? 0) + 1);
              }
          for (const r of await p.rating.findMany())
            expect(r.games, `${r.versionId}/${r.leagueId}`).toBe(
              played.get(`${r.versionId}/${r.leagueId}`) ?? 0,
            );
        });
      } finally {
        for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
        if (created.env.LEAGUE_DATA_DIR)
          await rm(created.env.LEAGUE_DATA_DIR, { recursive: true, force: true });
        else await created.destroy().catch(() => {});
      }
    },
    900_000,
  );
});
