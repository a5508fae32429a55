// The Python client (clients/python/agent_league, example ball_chaser.py) against a real server:
// it signs up, registers a remote agent, requests a match, joins the room through Colyseus 0.16's
// framing (no Colyseus SDK), answers every observation, loses its connection once and comes back
// within the grace period; the match is stored with its answers counted, and rated.
import { spawn, spawnSync } from "node:child_process";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { createTestDatabase, type TestDatabase } from "@league/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/app.js";
import { registerBuiltinAgents } from "../../src/league/builtins.js";
import { type AttachedRooms, attachRooms } from "../../src/rooms/index.js";
import { seedLeagues } from "../../src/seed.js";

const PYTHON = "/usr/bin/python3";
const BOT = fileURLToPath(new URL("../../../clients/python/examples/ball_chaser.py", import.meta.url));
// CI installs Debian's python3-websockets and python3-msgpack (.ci/run); elsewhere, say what is missing.
const probe = spawnSync(PYTHON, ["-c", "import websockets, msgpack"], { encoding: "utf8" });
const missing =
  probe.status !== 0 ? `needs ${PYTHON} with websockets and msgpack: ${probe.stderr || probe.error}` : "";

let db: TestDatabase;
let app: FastifyInstance;
let rooms: AttachedRooms;
let server = "";

beforeAll(async () => {
  if (missing) return;
  db = await createTestDatabase("pglite");
  await seedLeagues(db.prisma);
  await registerBuiltinAgents(db.prisma);
  app = await buildApp({ db, version: "python-client-test" });
  await app.listen({ port: 0, host: "127.0.0.1" });
  rooms = await attachRooms(app.server);
  server = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await rooms?.stop();
  await app?.close();
  await db?.destroy();
});

function runBot(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(PYTHON, [BOT, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("exit", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe.skipIf(missing !== "")(`Python remote agent ${missing}`, () => {
  it("plays a full short match from the terminal, reconnecting once; stored, counted and rated", async () => {
    const run = await runBot([
      "--server", server, "--sign-up", "pythonista", "--opponent", "defender",
      "--seconds", "5", "--drop-after", "20", "--json",
    ]); // biome-ignore format: one flag and its value a pair
    expect(run.stderr).toMatch(/API key for pythonista/);
    expect(run.code).toBe(0);
    const outcome = JSON.parse(run.stdout.trim().split("\n").at(-1)!) as {
      matchId: string;
      versionId: string;
      status: string;
      observations: number;
      answers: number;
      reconnections: number;
      counted: { decisions: number; onTime: number; lateAnswers: number; malformedAnswers: number };
    };
    expect(outcome).toMatchObject({ status: "finished", reconnections: 1 });
    // 5 s at 15 decisions a second: 75 observations, one answer to each it received.
    expect(outcome.answers).toBe(outcome.observations);
    expect(outcome.observations).toBeGreaterThan(60);
    const match = await db.prisma.match.findUniqueOrThrow({
      where: { id: outcome.matchId },
      include: { participants: { orderBy: { slot: "asc" } } },
    });
    expect(match.status).toBe("finished");
    expect(match.participants[0]!.versionId).toBe(outcome.versionId);
    const seat = (match.result as unknown as { seats: { remote: typeof outcome.counted }[] }).seats[0]!;
    expect(seat.remote).toEqual(outcome.counted);
    // Every decision after the first counted once; the answers were well-formed and, but for the
    // decisions while the connection was down, on time.
    expect(seat.remote.decisions).toBe(74);
    expect(seat.remote.onTime + seat.remote.lateAnswers + seat.remote.malformedAnswers).toBe(74);
    expect(seat.remote.malformedAnswers).toBe(0);
    expect(seat.remote.onTime).toBeGreaterThan(outcome.observations / 2);
    expect(
      await db.prisma.rating.findUniqueOrThrow({
        where: { versionId_leagueId: { versionId: outcome.versionId, leagueId: "car-soccer-1v1" } },
      }),
    ).toMatchObject({ games: 1 });
  });
});
