// The live rooms' clock statistics on a hand-driven clock: ticks run when due, late when they
// start more than one interval after their due time, dropped beyond the catch-up cap.
import { describe, expect, it } from "vitest";
import { TickPacer } from "../src/match/tick-pacer.js";

function pacerAt(times: number[], interval = 10, cap = 30) {
  let t = 0;
  const pacer = new TickPacer(interval, cap, () => t);
  pacer.start();
  const runs = times.map((at) => {
    t = at;
    return pacer.due();
  });
  return { pacer, runs };
}

describe("TickPacer", () => {
  it("runs each tick when its slice of real time has passed; on time within one interval", () => {
    const { pacer, runs } = pacerAt([5, 10, 19, 29, 40]);
    expect(runs).toEqual([0, 1, 0, 1, 2]);
    // Tick 3 was due at 30 and started at 40: exactly one interval, not late.
    expect(pacer.stats()).toMatchObject({ ticks: 4, lateTicks: 0, droppedTicks: 0 });
  });

  it("counts a tick that starts more than one interval after its due time as late", () => {
    const { pacer, runs } = pacerAt([10, 45]);
    // Ticks 2, 3 and 4 were due at 20, 30 and 40: the first two start 25 and 15 after.
    expect(runs).toEqual([1, 3]);
    expect(pacer.stats()).toMatchObject({ ticks: 4, lateTicks: 2, maxLateMs: 25 });
  });

  it("drops ticks beyond the catch-up cap and counts them late", () => {
    const { pacer, runs } = pacerAt([100], 10, 4);
    // Ticks 7 to 10 run, due at 70, 80, 90 and 100: the first two more than an interval late.
    expect(runs).toEqual([4]);
    expect(pacer.stats()).toMatchObject({ ticks: 4, droppedTicks: 6, lateTicks: 6 + 2 });
  });

  it("says how long until the next tick is due", () => {
    let t = 0;
    const pacer = new TickPacer(8, 30, () => t);
    pacer.start();
    t = 3;
    expect(pacer.msUntilNext()).toBe(5);
    t = 9;
    expect(pacer.msUntilNext()).toBe(0);
    expect(pacer.due()).toBe(1);
    expect(pacer.msUntilNext()).toBe(7);
  });
});
