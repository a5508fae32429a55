import { describe, expect, it } from "vitest";
import { LedgerVectorEnv } from "../src/episode-ledger.js";

/** The smallest ledgered env: no dynamics, every reset recorded. */
class Ledger extends LedgerVectorEnv {
  readonly resets: [number, number, number][] = [];
  protected override resetInstance(e: number, seed: number, stream: number): void {
    this.resets.push([e, seed, stream]);
    this.startEpisode(e);
  }
  book(e: number, reward: number, oracle: number, expected: number): boolean {
    this.checkStarted();
    this.checkRunning(e);
    return this.record(e, reward, oracle, expected);
  }
}

describe("the episode ledger of the bandit and recommender envs", () => {
  it("totals an episode, keeps its finals across the automatic reset and reseeds episode k from stream e + k·N", () => {
    const ledger = new Ledger(2, 3, true);
    ledger.reset(9);
    expect(ledger.resets).toEqual([
      [0, 9, 0],
      [1, 9, 1],
    ]);
    // Rewards are stored as float32, and the totals add what was stored.
    expect(ledger.book(1, 0.1, 1, 0.5)).toBe(false);
    expect(ledger.book(1, 1, 1, 1)).toBe(false);
    expect(ledger.steps[1]).toBe(2);
    expect(ledger.book(1, 0, 0.8, 0.2)).toBe(true);
    expect(ledger.terminated[1]).toBe(1);
    expect(ledger.finalReturns[1]).toBe(Math.fround(0.1) + 1);
    expect(ledger.finalRegrets[1]).toBeCloseTo(0.5 + 0 + 0.6, 12);
    expect(ledger.finalOracleReturns[1]).toBeCloseTo(2.8, 12);
    expect(ledger.resets.at(-1)).toEqual([1, 9, 1 + 2]);
    // The new episode starts from zero; instance 0 was untouched.
    expect([ledger.steps[1], ledger.episodeReturns[1], ledger.steps[0]]).toEqual([0, 0, 0]);
  });

  it("without automatic reset, refuses further steps of an ended instance until reset", () => {
    const ledger = new Ledger(1, 1, false);
    expect(() => ledger.book(0, 1, 1, 1)).toThrow(/step before reset/);
    ledger.reset(1);
    expect(ledger.book(0, 1, 1, 1)).toBe(false);
    expect(() => ledger.book(0, 1, 1, 1)).toThrow(/instance 0 ended its episode: call reset\(seed\) first/);
    ledger.reset(1);
    expect(ledger.book(0, 1, 1, 1)).toBe(false);
    expect(() => ledger.reset(0.5)).toThrow(/seed must be a safe integer/);
  });
});
