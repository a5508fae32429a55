import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  CarSoccerEnv,
  encodeMatchReplay,
  GoalCondition,
  getEnvSpec,
  type MatchReplayMetadata,
  type Replay,
  TimeoutCondition,
} from "@league/envs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCarSoccerBot } from "../../src/index.js";
import { league } from "./league.js";

let dir: string;
/** Blue's goals and their seconds of play, counted while playing (not from a re-simulation). */
const played: { team: "blue" | "orange"; second: number }[] = [];
let episodes: Replay[];

// A real match as the server records it: episodes of the ball-chaser against the random bot from
// kickoffs of one seed (stream = episode), each to a goal or the end of the 40 s of play.
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "league-replay-"));
  const blue = createCarSoccerBot("ball-chaser", 12);
  const orange = createCarSoccerBot("random", 13);
  const controls = new Float32Array(8);
  episodes = [];
  let stepsLeft = 600; // 40 s of 8-tick steps
  let stepsPlayed = 0;
  for (let e = 0; stepsLeft > 0; e++) {
    const env = new CarSoccerEnv({
      spec: getEnvSpec("car-soccer-1v1"),
      recordReplay: true,
      doneConditions: [new GoalCondition(), new TimeoutCondition(1000)],
    });
    env.reset(12 + e);
    for (;;) {
      blue.act(env.state, 0, 0, controls);
      const a = Float32Array.from(controls);
      orange.act(env.state, 0, 1, controls);
      const r = env.step({ "blue-0": a, "orange-0": Float32Array.from(controls) });
      stepsLeft--;
      stepsPlayed++;
      const goal = r.infos["blue-0"]!.goal as number;
      if (goal !== 0) played.push({ team: goal > 0 ? "blue" : "orange", second: (stepsPlayed * 8) / 120 });
      if (goal !== 0 || stepsLeft === 0) break;
    }
    episodes.push(env.replay());
  }
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function metadata(goals = played): MatchReplayMetadata {
  const score = {
    blue: goals.filter((g) => g.team === "blue").length,
    orange: goals.filter((g) => g.team === "orange").length,
  };
  return {
    matchId: "0190a1b2-0000-7000-8000-000000000001",
    leagueId: "car-soccer-1v1",
    players: [
      { slot: 0, team: "blue", name: "ball-chaser v1" },
      { slot: 1, team: "orange", name: "random v1" },
    ],
    recorded: { score, goals },
  };
}

async function file(name: string, bytes: Uint8Array): Promise<string> {
  const p = path.join(dir, name);
  await writeFile(p, bytes);
  return p;
}

describe("league replay", () => {
  it("verifies a real match replay and shows its players, score and goals", async () => {
    expect(played.length).toBeGreaterThan(0);
    const p = await file("match.lgcm", encodeMatchReplay(episodes, metadata()));
    const verify = await league(["replay", "verify", p]);
    expect(verify.stderr).toBe("");
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(
      new RegExp(
        `^verified: ${episodes.length} episodes, \\d+ state hashes re-simulated, score and goals as recorded`,
      ),
    );
    const show = await league(["replay", "show", p]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain("blue: ball-chaser v1");
    expect(show.stdout).toContain("orange: random v1");
    const blue = played.filter((g) => g.team === "blue").length;
    expect(show.stdout).toContain(`score: blue ${blue} – ${played.length - blue} orange`);
    // Every goal, in order, at the second of play it was scored (m:ss.s).
    const clock = (s: number) => `${Math.floor(s / 60)}:${(s % 60).toFixed(1).padStart(4, "0")}`;
    const goalLines = show.stdout.split("\n").filter((l) => l.startsWith("goal "));
    expect(goalLines).toEqual(
      played.map(
        (g, i) =>
          `goal ${i + 1}: ${clock(g.second)} ${g.team} (${g.team === "blue" ? "ball-chaser v1" : "random v1"})`,
      ),
    );
  });

  it("fails a tampered replay at the first hash after the change, naming where", async () => {
    const tampered = episodes.map((e) => ({ ...e, controls: e.controls.slice() }));
    // Blue's throttle reversed at decision step 40 (ticks 320–328) of the first episode.
    tampered[0]!.controls[40 * 16] = -tampered[0]!.controls[40 * 16]! || 1;
    const p = await file("tampered.lgcm", encodeMatchReplay(tampered, metadata()));
    const r = await league(["replay", "verify", p]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `league: ${p} does not verify: episode 1 does not reproduce state hash 3: at tick 360 of the episode, 0:03.0 of play`,
    );
    const show = await league(["replay", "show", p]);
    expect(show.code).toBe(1);
    expect(show.stdout).toContain("NOT VERIFIED: episode 1 does not reproduce state hash 3");
  });

  it("fails a file whose recorded result the replay does not reproduce, and refuses what is not a replay", async () => {
    const claimed = [...played, { team: "orange" as const, second: 39 }];
    const p = await file("claimed.lgcm", encodeMatchReplay(episodes, metadata(claimed)));
    const r = await league(["replay", "verify", p]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/does not verify: the replay scores \d+–\d+; the recorded result is \d+–\d+/);
    const junk = await file("junk.lgcm", new TextEncoder().encode("hello, not a replay"));
    const bad = await league(["replay", "verify", junk]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /is not a readable match replay: not a car-soccer match replay: magic is "hell"/,
    );
    const missing = await league(["replay", "show", path.join(dir, "nope.lgcm")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nope\.lgcm: ENOENT/);
  });
});
