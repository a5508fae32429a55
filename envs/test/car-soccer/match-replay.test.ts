import { describe, expect, it } from "vitest";
import {
  CarSoccerEnv,
  decodeMatchReplay,
  encodeMatchReplay,
  MATCH_REPLAY_MAGIC,
  type Replay,
  ReplayError,
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
});
