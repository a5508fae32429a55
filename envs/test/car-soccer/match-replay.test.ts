import { describe, expect, it } from "vitest";
import {
  CarSoccerEnv,
  compareWithRecorded,
  decodeMatchReplay,
  decodeMatchReplayFile,
  encodeMatchReplay,
  MATCH_REPLAY_MAGIC,
  type Replay,
  ReplayError,
  summarizeMatchReplay,
  verifyMatchReplay,
} from "../../src/index.js";

function episode(seed: number, steps: number): Replay {
  const env = new CarSoccerEnv({ recordReplay: true });
  env.reset(seed);
  for (let i = 0; i < steps; i++)
    env.step({
      "blue-0": [1, 0.3, 0, 0, 0, 0, 1, 0],
      "orange-0": [1, -0.2, 0, 0, 0, i % 7 === 0 ? 1 : 0, 0, 0],
    });
  return env.replay();
}

describe("match replays (a container of episode replays)", () => {
  it("round-trips several episodes and verifies each", () => {
    const episodes = [episode(1, 40), episode(2, 25), episode(3, 0)];
    const bytes = encodeMatchReplay(episodes);
    expect(String.fromCharCode(...bytes.subarray(0, 4))).toBe(MATCH_REPLAY_MAGIC);
    const back = decodeMatchReplay(bytes);
    expect(back).toEqual(episodes);
    const check = verifyMatchReplay(back);
    expect(check.ok).toBe(true);
    expect(check.episodes.map((c) => c.stepsSimulated)).toEqual([40, 25, 0]);
    expect(decodeMatchReplay(encodeMatchReplay([]))).toEqual([]);
  });

  it("reports a tampered episode and refuses malformed bytes", () => {
    const episodes = [episode(1, 30), episode(2, 30)];
    episodes[1]!.controls[1] = -1; // blue steers the other way at the first step
    const check = verifyMatchReplay(decodeMatchReplay(encodeMatchReplay(episodes)));
    expect(check.ok).toBe(false);
    expect(check.episodes[0]!.ok).toBe(true);
    expect(check.episodes[1]!.ok).toBe(false);

    const bytes = encodeMatchReplay([episode(1, 5)]);
    expect(() => decodeMatchReplay(bytes.subarray(0, bytes.length - 1))).toThrow(ReplayError);
    expect(() => decodeMatchReplay(new Uint8Array([...bytes, 0]))).toThrow(/unexpected bytes/);
    const wrongMagic = bytes.slice();
    wrongMagic[0] = 88;
    expect(() => decodeMatchReplay(wrongMagic)).toThrow(/not a car-soccer match replay/);
    expect(() => decodeMatchReplay(new Uint8Array(3))).toThrow(/truncated/);
  });

  it("carries metadata in version 2, still reads version 1, and refuses bad metadata", () => {
    const episodes = [episode(1, 20)];
    const metadata = {
      matchId: "m-1",
      players: [
        { slot: 0, team: "blue" as const, name: "ball-chaser" },
        { slot: 1, team: "orange" as const, name: "idle" },
      ],
      recorded: { score: { blue: 0, orange: 0 }, goals: [] },
    };
    const v2 = encodeMatchReplay(episodes, metadata);
    expect(new DataView(v2.buffer).getUint16(4, true)).toBe(2);
    expect(decodeMatchReplayFile(v2)).toEqual({ version: 2, episodes, metadata });
    expect(decodeMatchReplay(v2)).toEqual(episodes);
    expect(decodeMatchReplayFile(encodeMatchReplay(episodes))).toEqual({
      version: 1,
      episodes,
      metadata: null,
    });
    expect(() => decodeMatchReplayFile(v2.subarray(0, v2.length - 2))).toThrow(/metadata needs/);
    const notJson = v2.slice();
    notJson[notJson.length - 1] = 0x7b; // the closing brace becomes an opening one
    expect(() => decodeMatchReplayFile(notJson)).toThrow(/not UTF-8 JSON/);
  });

  it("summarises a match: seconds of play, score, and where a tampered episode stops reproducing", () => {
    const episodes = [episode(1, 45), episode(2, 45)];
    const clean = summarizeMatchReplay(episodes);
    // 90 steps of 8 ticks at 120 ticks a second.
    expect(clean).toMatchObject({
      ok: true,
      durationSeconds: 6,
      score: { blue: 0, orange: 0 },
      goals: [],
      firstMismatch: null,
    });
    expect(compareWithRecorded(clean, { score: { blue: 0, orange: 0 }, goals: [] })).toEqual([]);
    expect(
      compareWithRecorded(clean, { score: { blue: 1, orange: 0 }, goals: [{ team: "blue", second: 3 }] }),
    ).toEqual([
      "the replay scores 0–0; the recorded result is 1–0",
      "the replay has 0 goals; the recorded result 1",
    ]);
    episodes[1]!.controls[8 * 2 * 20] = -1; // blue reverses at step 20 of the second episode (tick 168)
    const tampered = summarizeMatchReplay(episodes);
    expect(tampered.ok).toBe(false);
    // The first hash after the change: tick 240 of episode 2, 3 s (45 × 8 ticks) + 2 s into the match.
    expect(tampered.firstMismatch).toEqual({ episode: 1, tick: 240, second: 5, hashIndex: 1 });
  });
});
