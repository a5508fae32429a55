// The Python client (clients/python/agent_league, example ball_chaser.py) against a real server:
// it signs up, registers a remote agent, requests a match, joins the room through Colyseus 0.16's
// framing (no Colyseus SDK), answers every observation, loses its connection once and comes back
// within the grace period; the match is stored with its answers counted. A practice match (its
// opponent and length picked by hand) is unrated; the league's own pick is rated. The test server's
// league-picked length (REMOTE_MATCH_SECONDS, 120 s in production) is the shortest allowed, 5 s,
// so both matches play 5 s: 75 observations, 74 decisions counted.
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

/** Both matches' length: the practice one names it, the rated one gets it from the league. */
const MATCH_SECONDS = 5;
/** 15 decisions a second; the first has no earlier observation to answer, so is not counted. */
const OBSERVATIONS = MATCH_SECONDS * 15;
const DECISIONS = OBSERVATIONS - 1;

let db: TestDatabase;
let app: FastifyInstance;
let rooms: AttachedRooms;
let server = "";

beforeAll(async () => {
  if (missing) return;
  db = await createTestDatabase("pglite");
  await seedLeagues(db.prisma);
  await registerBuiltinAgents(db.prisma);
  app = await buildApp({ db, version: "python-client-test", remoteMatchSeconds: MATCH_SECONDS });
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

/**
 * The stored match, its seat-0 remote counts checked against what the bot saw: every decision
 * counted once, as on time or late (an answer missing while disconnected counts late), none
 * malformed; one answer to every observation received. No figure depends on the machine's speed
 * but the last: at least one answer arrived in time to drive the car.
 */
async function expectStored(outcome: BotOutcome) {
  const match = await db.prisma.match.findUniqueOrThrow({
    where: { id: outcome.matchId },
    include: { participants: { orderBy: { slot: "asc" } } },
  });
  expect(match.status).toBe("finished");
  expect(match.participants[0]!.versionId).toBe(outcome.versionId);
  const seat = (match.result as unknown as { seats: { remote: BotOutcome["counted"] }[] }).seats[0]!;
  expect(seat.remote).toEqual(outcome.counted);
  expect(outcome.answers).toBe(outcome.observations);
  expect(outcome.observations).toBeLessThanOrEqual(OBSERVATIONS);
  expect(seat.remote.decisions).toBe(DECISIONS);
  expect(seat.remote.onTime + seat.remote.lateAnswers).toBe(DECISIONS);
  expect(seat.remote.malformedAnswers).toBe(0);
  expect(seat.remote.onTime).toBeGreaterThan(0);
  return match;
}

describe.skipIf(missing !== "")(`Python remote agent ${missing}`, () => {
  it("signs up and plays a short practice match, reconnecting once; stored and counted, unrated", async () => {
    const outcome = await playBot(["--sign-up", "pythonista", "--opponent", "defender", "--seconds", `${MATCH_SECONDS}`, "--drop-after", "20"]); // biome-ignore format: flags read as pairs
    // Observations sent while the connection was down never reached the bot.
    expect(outcome).toMatchObject({ status: "finished", rated: false, reconnections: 1 });
    const match = await expectStored(outcome);
    // A hand-picked opponent or length plays unrated (issue 19): a starting rating row, no games.
    expect(match.rated).toBe(false);
    expect(
      await db.prisma.rating.findUniqueOrThrow({
        where: { versionId_leagueId: { versionId: outcome.versionId, leagueId: "car-soccer-1v1" } },
      }),
    ).toMatchObject({ games: 0 });
  });

  it("plays a rated match (the league picks the opponent and the length) from the terminal", async () => {
    const key = (
      (await (
        await fetch(`${server}/api/v1/owners`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: "pythonista-rated" }),
        })
      ).json()) as { apiKey: { key: string } }
    ).apiKey.key;
    // No --opponent, no --seconds: the bot leaves both to the league.
    const outcome = await playBot(["--key", key, "--name", "rated-chaser"]);
    expect(outcome).toMatchObject({
      status: "finished",
      rated: true,
      reconnections: 0,
      observations: OBSERVATIONS,
    });
    const match = await expectStored(outcome);
    expect(match.rated).toBe(true);
    expect(
      await db.prisma.rating.findUniqueOrThrow({
        where: { versionId_leagueId: { versionId: outcome.versionId, leagueId: "car-soccer-1v1" } },
      }),
    ).toMatchObject({ games: 1 });
  });
});
