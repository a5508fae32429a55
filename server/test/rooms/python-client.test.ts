// The Python client (clients/python/agent_league, example ball_chaser.py) against a real server:
// it signs up, registers a remote agent, requests a match, joins the room through Colyseus 0.16's
// framing (no Colyseus SDK), answers every observation, loses its connection once and comes back
// within the grace period; the match is stored with its answers counted. A practice match (its
// opponent and length picked by hand) is unrated; the league's own pick (120 s) is rated.
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

interface BotOutcome {
  matchId: string;
  versionId: string;
  status: string;
  rated: boolean;
  observations: number;
  answers: number;
  reconnections: number;
  counted: { decisions: number; onTime: number; lateAnswers: number; malformedAnswers: number };
}

/** Runs the example bot to the end; its last stdout line is the outcome (--json). */
async function playBot(args: string[]): Promise<BotOutcome> {
  const run = await runBot(["--server", server, "--json", ...args]);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout.trim().split("\n").at(-1)!) as BotOutcome;
}

/** The stored match, its seat-0 remote counts checked against what the bot saw. */
async function expectStored(outcome: BotOutcome, decisions: number) {
  const match = await db.prisma.match.findUniqueOrThrow({
    where: { id: outcome.matchId },
    include: { participants: { orderBy: { slot: "asc" } } },
  });
  expect(match.status).toBe("finished");
  expect(match.participants[0]!.versionId).toBe(outcome.versionId);
  const seat = (match.result as unknown as { seats: { remote: BotOutcome["counted"] }[] }).seats[0]!;
  expect(seat.remote).toEqual(outcome.counted);
  // One answer to every observation; every decision after the first counted once, none malformed.
  expect(outcome.answers).toBe(outcome.observations);
  expect(seat.remote.decisions).toBe(decisions);
  expect(seat.remote.onTime + seat.remote.lateAnswers + seat.remote.malformedAnswers).toBe(decisions);
  expect(seat.remote.malformedAnswers).toBe(0);
  return { match, remote: seat.remote };
}

describe.skipIf(missing !== "")(`Python remote agent ${missing}`, () => {
  it("signs up and plays a short practice match, reconnecting once; stored and counted, unrated", async () => {
    const outcome = await playBot(["--sign-up", "pythonista", "--opponent", "defender", "--seconds", "5", "--drop-after", "20"]); // biome-ignore format: flags read as pairs
    expect(outcome).toMatchObject({ status: "finished", rated: false, reconnections: 1 });
    // 5 s at 15 decisions a second: 75 observations, fewer received while the connection was down.
    expect(outcome.observations).toBeGreaterThan(60);
    const { match, remote } = await expectStored(outcome, 74);
    // On time but for the decisions while the connection was down.
    expect(remote.onTime).toBeGreaterThan(outcome.observations / 2);
    // A hand-picked opponent or length plays unrated (issue 19): a starting rating row, no games.
    expect(match.rated).toBe(false);
    expect(
      await db.prisma.rating.findUniqueOrThrow({
        where: { versionId_leagueId: { versionId: outcome.versionId, leagueId: "car-soccer-1v1" } },
      }),
    ).toMatchObject({ games: 0 });
  });

  it("plays a rated match (the league picks the opponent and the 120 s length) from the terminal", async () => {
    const key = (
      (await (
        await fetch(`${server}/api/v1/owners`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: "pythonista-rated" }),
        })
      ).json()) as { apiKey: { key: string } }
    ).apiKey.key;
    const outcome = await playBot(["--key", key, "--name", "rated-chaser"]);
    expect(outcome).toMatchObject({ status: "finished", rated: true, reconnections: 0 });
    // 120 s at 15 decisions a second.
    expect(outcome.observations).toBe(1800);
    const { match, remote } = await expectStored(outcome, 1799);
    expect(remote.onTime).toBeGreaterThan(1799 * 0.9);
    expect(match.rated).toBe(true);
    expect(
      await db.prisma.rating.findUniqueOrThrow({
        where: { versionId_leagueId: { versionId: outcome.versionId, leagueId: "car-soccer-1v1" } },
      }),
    ).toMatchObject({ games: 1 });
  }, // A live match runs in real time: two minutes of play.
  240_000);
});
