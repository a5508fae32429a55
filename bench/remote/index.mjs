// bench/remote: remote agents playing live car-soccer matches over the room protocol on loopback,
// all at once: the share of decisions answered in time (the rest repeat the last action), the
// time from one observation to the next as the player sees it (pauses left out), and how long
// the matches lasted in real time, for 1, 2, 4, … players. Progress goes to stderr; the last line
// of stdout is one JSON object.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { RemoteAgentClient } from "@league/agents";
import { openDatabase } from "@league/db";
import { attachRooms, buildApp, registerBuiltinAgents, seedLeagues } from "@league/server";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    "max-players": { type: "string", default: "8" },
  },
});
const seconds = Number(values.seconds);
const maxPlayers = Number(values["max-players"]);
for (const [name, value, low, high] of [
  ["--seconds", seconds, 5, 300],
  ["--max-players", maxPlayers, 1, 64],
])
  if (!(Number.isInteger(value) && value >= low && value <= high)) {
    console.error(`${name} must be an integer in [${low}, ${high}], got ${JSON.stringify(String(value))}`);
    process.exit(2);
  }
const log = (m) => process.stderr.write(`${m}\n`);

const dataDir = await mkdtemp(path.join(os.tmpdir(), "league-bench-remote-"));
const db = await openDatabase({ dataDir });
await seedLeagues(db.prisma);
await registerBuiltinAgents(db.prisma);
const app = await buildApp({ db, version: "bench" });
await app.listen({ port: 0, host: "127.0.0.1" });
const rooms = await attachRooms(app.server);
const server = `http://127.0.0.1:${app.server.address().port}`;

const signUp = await fetch(`${server}/api/v1/owners`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ name: "bench-remote" }),
});
const apiKey = (await signUp.json()).apiKey.key;
const agent = new RemoteAgentClient({ server, apiKey });

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

const steps = [];
for (let players = 1; players <= maxPlayers; players *= 2) {
  // One version per player: a version plays one seat at a time.
  const versions = [];
  for (let i = 0; i < players; i++)
    versions.push((await agent.register({ name: `bench-${players}-${i}`, env: "car-soccer-1v1" })).versionId);
  const matches = [];
  for (const versionId of versions)
    matches.push({ versionId, ...(await agent.requestMatch({ versionId, durationSeconds: seconds })) });
  const gaps = [];
  const started = performance.now();
  const outcomes = await Promise.all(
    matches.map(async (m) => {
      let last = 0;
      const t0 = performance.now();
      const end = await agent.play(m.roomId, m.versionId, () => {
        const now = performance.now();
        // Gaps over a second are goal and kickoff pauses, when no decisions are taken.
        if (last && now - last < 1000) gaps.push(now - last);
        last = now;
        return [7];
      });
      return { end, wallSeconds: (performance.now() - t0) / 1000 };
    }),
  );
  const wall = (performance.now() - started) / 1000;
  let decisions = 0;
  let onTime = 0;
  let late = 0;
  let worstOnTimeShare = 1;
  for (const m of matches) {
    const stored = await db.prisma.match.findUniqueOrThrow({ where: { id: m.matchId } });
    const remote = stored.result.seats.find((s) => s.versionId === m.versionId).remote;
    decisions += remote.decisions;
    onTime += remote.onTime;
    late += remote.lateAnswers;
    worstOnTimeShare = Math.min(worstOnTimeShare, remote.onTime / remote.decisions);
  }
  gaps.sort((a, b) => a - b);
  const step = {
    players,
    finished: outcomes.filter((o) => o.end.status === "finished").length,
    decisions,
    onTimeShare: Number((onTime / decisions).toFixed(4)),
    worstPlayerOnTimeShare: Number(worstOnTimeShare.toFixed(4)),
    lateAnswers: late,
    observationGapMs: {
      p50: Number(quantile(gaps, 0.5).toFixed(1)),
      p99: Number(quantile(gaps, 0.99).toFixed(1)),
      max: Number(gaps.at(-1).toFixed(1)),
    },
    slowestMatchWallSeconds: Number(Math.max(...outcomes.map((o) => o.wallSeconds)).toFixed(2)),
    allMatchesWallSeconds: Number(wall.toFixed(2)),
  };
  log(JSON.stringify(step));
  steps.push(step);
}

await rooms.stop();
await app.close();
await db.close();
await rm(dataDir, { recursive: true, force: true });

console.log(
  JSON.stringify({
    benchmark: "remote",
    steps,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      node: process.version,
      database: "pglite",
    },
    parameters: {
      seconds,
      maxPlayers,
      decisionMs: 1000 / 15,
      note: "each player answers every observation at once (lookup action 7) from the same process over loopback; the other seat is the ball-chaser",
    },
  }),
);
process.exit(0);
