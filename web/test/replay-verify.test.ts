import { CarSoccerEnv, type Replay } from "@league/envs";
import { describe, expect, it } from "vitest";
import { MatchReplayVerification } from "../app/matches/[id]/replay-verify";

/** An episode of `steps` decision steps (8 ticks each) with fixed controls. */
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

describe("the replay player's verification", () => {
  it("verifies as far as play has got, a bounded amount per frame, then the whole match", () => {
    // Two episodes of 3 s each (45 steps of 8 ticks): hashes every 120 ticks, 6 s in all.
    const v = new MatchReplayVerification([episode(1, 45), episode(2, 45)]);
    expect(v.advance(0)).toEqual({ verifiedSeconds: 0, totalSeconds: 6, complete: false, mismatch: null });
    expect(v.advance(1.5 * 120).verifiedSeconds).toBe(1);
    // A seek to the end with a budget of 240 ticks a frame: two seconds more, not the whole match.
    expect(v.advance(6 * 120, 240).verifiedSeconds).toBe(3);
    expect(v.advance(6 * 120)).toEqual({
      verifiedSeconds: 6,
      totalSeconds: 6,
      complete: true,
      mismatch: null,
    });
  });

  it("shows the first mismatch with its episode and second of play, and verifies no further", () => {
    const tampered = episode(2, 45);
    tampered.controls[8 * 2 * 20] = -1; // blue reverses at step 20 (tick 160) of the second episode
    const v = new MatchReplayVerification([episode(1, 45), tampered]);
    const s = v.advance(6 * 120);
    expect(s.complete).toBe(false);
    // The second episode's hash at tick 240 is the first after the change: 3 s + 2 s into the match.
    expect(s.mismatch).toEqual({ episode: 1, second: 5, hashIndex: 1 });
    expect(s.verifiedSeconds).toBe(4);
  });
});
