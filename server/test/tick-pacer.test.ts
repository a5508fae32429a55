// The live rooms' clock statistics on a hand-driven clock: ticks run when due, late when they
// start more than one interval after their due time, dropped beyond the catch-up cap.
import { describe, expect, it } from "vitest";
import { RealTimeTicker, TickClock, TickPacer, type TickScheduler } from "../src/match/tick-pacer.js";

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

  it("runs a tick read exactly at its due time, where the division rounds just below it", () => {
    // 63 · (1000/120) divided by 1000/120 is 62.99999…: the tick due then is owed all the same.
    const interval = 1000 / 120;
    const { pacer, runs } = pacerAt([62 * interval, 63 * interval], interval, 100);
    expect(runs).toEqual([62, 1]);
    expect(pacer.nextDueAt()).toBe(64 * interval);
  });
});

/** A hand-driven clock and timer queue: `advance` fires every timer due on the way, in order. */
function fakeScheduler() {
  let t = 0;
  let nextId = 1;
  const timers = new Map<number, { at: number; fire: () => void }>();
  const scheduler: TickScheduler = {
    now: () => t,
    setTimeout: (fire, ms) => {
      timers.set(nextId, { at: t + Math.max(0, ms), fire });
      return nextId++;
    },
    clearTimeout: (id) => timers.delete(id as number),
  };
  const advance = (to: number) => {
    for (;;) {
      const due = [...timers].filter(([, x]) => x.at <= to).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      timers.delete(due[0]);
      t = Math.max(t, due[1].at);
      due[1].fire();
    }
    t = to;
  };
  return { scheduler, advance, pending: () => timers.size, setNow: (to: number) => (t = to) };
}

describe("TickClock", () => {
  it("drives every room from one timer, each room's ticks due on the shared grid and on time", () => {
    const { scheduler, advance, pending } = fakeScheduler();
    const clock = new TickClock(10, scheduler);
    const ticked: string[] = [];
    const room = (name: string) => {
      const pacer = new TickPacer(10, 30, scheduler.now);
      const ticker = new RealTimeTicker(
        pacer,
        (n) => ticked.push(`${name}@${scheduler.now()}x${n}`),
        () => {},
        clock,
      );
      return { pacer, ticker };
    };
    const a = room("a");
    a.ticker.start();
    advance(13);
    // Joining between grid points: b's first tick is due at the next grid point, with a's.
    const b = room("b");
    b.ticker.start();
    expect(pending()).toBe(1);
    advance(30);
    expect(ticked).toEqual(["a@10x1", "a@20x1", "b@20x1", "a@30x1", "b@30x1"]);
    expect(a.pacer.stats()).toMatchObject({ ticks: 3, lateTicks: 0 });
    expect(b.pacer.stats()).toMatchObject({ ticks: 2, lateTicks: 0 });
    // The last room to leave takes the timer with it.
    a.ticker.stop();
    expect(pending()).toBe(1);
    b.ticker.stop();
    expect(pending()).toBe(0);
    expect(clock.size).toBe(0);
  });

  it("catches a stalled room up on the next firing, counting the late ticks", () => {
    const { scheduler, advance, setNow } = fakeScheduler();
    const clock = new TickClock(10, scheduler);
    const pacer = new TickPacer(10, 30, scheduler.now);
    const runs: number[] = [];
    new RealTimeTicker(
      pacer,
      (n) => runs.push(n),
      () => {},
      clock,
    ).start();
    advance(10);
    // The event loop is held 25 past the next grid point: that timer fires late, at 45.
    setNow(45);
    advance(45);
    expect(runs).toEqual([1, 3]);
    // Ticks 2 and 3 (due 20 and 30) started more than an interval late; tick 4 (due 40) did not.
    expect(pacer.stats()).toMatchObject({ ticks: 4, lateTicks: 2 });
  });

  it("a timer that fires just before a grid point still runs that tick on time", () => {
    // Node fires a timer up to a millisecond early, and the clock moves on while a firing runs:
    // here every timer fires 0.03 early and each reading of the clock advances it 0.02.
    let t = 0;
    const timers: { at: number; fire: () => void }[] = [];
    const scheduler: TickScheduler = {
      now: () => {
        t += 0.02;
        return t;
      },
      setTimeout: (fire, ms) => timers.push({ at: t + Math.max(0, ms) - 0.03, fire }),
      clearTimeout: () => {},
    };
    const clock = new TickClock(10, scheduler);
    const pacer = new TickPacer(10, 30, scheduler.now);
    new RealTimeTicker(
      pacer,
      () => {},
      () => {},
      clock,
    ).start();
    while (pacer.ticks < 20) {
      const timer = timers.shift()!;
      t = Math.max(t, timer.at);
      timer.fire();
    }
    // Re-arming for "the next grid point after now" skipped an interval: ticks started ~10 late.
    expect(pacer.stats()).toMatchObject({ ticks: 20, lateTicks: 0, droppedTicks: 0 });
    expect(pacer.maxLateMs).toBeLessThan(1);
  });

  it("stops a room whose ticks throw and hands it the error; the other rooms go on", () => {
    const { scheduler, advance } = fakeScheduler();
    const clock = new TickClock(10, scheduler);
    const errors: string[] = [];
    let good = 0;
    new RealTimeTicker(
      new TickPacer(10, 30, scheduler.now),
      () => {
        throw new Error("boom");
      },
      (e) => errors.push(e.message),
      clock,
    ).start();
    new RealTimeTicker(
      new TickPacer(10, 30, scheduler.now),
      (n) => (good += n),
      () => {},
      clock,
    ).start();
    advance(50);
    expect(errors).toEqual(["boom"]);
    expect(good).toBe(5);
    expect(clock.size).toBe(1);
  });
});
