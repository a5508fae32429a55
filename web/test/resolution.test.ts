import { describe, expect, it } from "vitest";
import { ResolutionGovernor } from "../app/matches/[id]/resolution";

/** Feeds `count` frames `ms` apart from `start`; returns every scale change and the last time. */
function drive(
  g: ResolutionGovernor,
  start: number,
  count: number,
  ms: number | ((scale: number) => number),
) {
  const changes: number[] = [];
  let t = start;
  for (let i = 0; i < count; i++) {
    t += typeof ms === "number" ? ms : ms(g.scale);
    const s = g.frame(t);
    if (s !== null) changes.push(s);
  }
  return { changes, t };
}

describe("the field's dynamic resolution", () => {
  it("keeps full resolution while frames come at the display's rate", () => {
    const g = new ResolutionGovernor();
    expect(drive(g, 0, 600, 16.7).changes).toEqual([]);
    expect(g.scale).toBe(1);
  });

  it("renders fewer pixels while frames are slow, never below the floor", () => {
    const g = new ResolutionGovernor();
    // A frame's time: a fixed part and a part that goes with its pixels; over 20 ms even at the floor.
    const { changes } = drive(g, 0, 2000, (scale) => 25 + 40 * scale * scale);
    // Step after step lower while each helps, and it ends near the floor.
    expect(changes.length).toBeGreaterThan(2);
    expect(changes[1]).toBeLessThan(changes[0]!);
    expect(changes[2]).toBeLessThan(changes[1]!);
    expect(Math.max(...changes)).toBeLessThan(0.6);
    expect(g.scale).toBeLessThan(0.4);
    // A quarter-second frame goes to the floor at once.
    const h = new ResolutionGovernor();
    expect(drive(h, 0, 31, (scale) => 250 * scale * scale).changes).toEqual([ResolutionGovernor.MIN]);
  });

  it("climbs back once frames are fast, but not to a scale that proved slow until its retry time", () => {
    const g = new ResolutionGovernor();
    let { t } = drive(g, 0, 31, 30);
    const slowAt = g.scale;
    expect(slowAt).toBeLessThan(1);
    ({ t } = drive(g, t, 400, 16));
    // Never above the scale that was too slow (1), within the retry time.
    expect(g.scale).toBeLessThan(1);
    expect(g.scale).toBeGreaterThanOrEqual(slowAt);
    drive(g, t, 2000, 16);
    expect(g.scale).toBe(1);
  });

  it("ignores a long pause (a hidden tab): it is not a slow frame", () => {
    const g = new ResolutionGovernor();
    let { t } = drive(g, 0, 20, 16.7);
    t += 5000;
    drive(g, t, 60, 16.7);
    expect(g.scale).toBe(1);
  });
});

describe("the field's dynamic resolution when the renderer is not the limit", () => {
  it("undoes a step down that did not make frames faster (a 30 Hz cap) and holds", () => {
    const g = new ResolutionGovernor();
    const { changes } = drive(g, 0, 600, 33.3);
    // One step down, undone at once, then held at full resolution for the retry time.
    expect(changes[0]).toBeLessThan(1);
    expect(changes[1]).toBe(1);
    expect(changes.length).toBeLessThanOrEqual(2);
    expect(g.scale).toBe(1);
  });

  it("waits longer each time a scale proves slow again", () => {
    const g = new ResolutionGovernor();
    // Slow at full scale (frames 25 ms), fast below it (16 ms): it settles below and retries rarely.
    let t = 0;
    let changes = 0;
    for (let i = 0; i < 60_000; i++) {
      t += g.scale > 0.95 ? 25 : 16;
      if (g.frame(t) !== null) changes++;
    }
    // About 16 minutes of frames: with a fixed 20 s retry it would change scale ~100 times.
    expect(changes).toBeLessThan(30);
    expect(g.scale).toBeLessThan(1);
  });
});

describe("the field's dynamic resolution when frames stutter near 60 fps", () => {
  /** Frames at the display's rate, every `every`-th one missing a refresh when `stutters(scale)`. */
  const stutter = (every: number, stutters: (scale: number) => boolean) => {
    let i = 0;
    return (scale: number) => (++i % every === 0 && stutters(scale) ? 33.3 : 16.7);
  };

  it("renders fewer pixels when frames miss the refresh though the mean is near 60 fps", () => {
    const g = new ResolutionGovernor();
    // Three misses in every 30 frames (a mean of 18.4 ms, 54 fps) at full scale; none below 0.95.
    const { changes } = drive(
      g,
      0,
      600,
      stutter(10, (scale) => scale > 0.95),
    );
    expect(changes[0]).toBeCloseTo(0.9);
    expect(g.scale).toBeLessThan(0.95);
  });

  it("keeps full resolution through a single miss a window (a resize, a GC)", () => {
    const g = new ResolutionGovernor();
    expect(
      drive(
        g,
        0,
        600,
        stutter(30, () => true),
      ).changes,
    ).toEqual([]);
    expect(g.scale).toBe(1);
  });

  it("climbs back through one miss a window", () => {
    const g = new ResolutionGovernor();
    const { t } = drive(g, 0, 31, 30);
    expect(g.scale).toBeLessThan(1);
    drive(
      g,
      t,
      6000,
      stutter(30, () => true),
    );
    expect(g.scale).toBe(1);
  });

  it("undoes a step down taken for misses that did not fall, and holds", () => {
    const g = new ResolutionGovernor();
    // Misses from outside the renderer: more of them whatever the scale.
    let i = 0;
    const { changes } = drive(g, 0, 600, (scale) => (++i % (scale < 1 ? 5 : 10) === 0 ? 33.3 : 16.7));
    expect(changes[0]).toBeCloseTo(0.9);
    expect(changes[1]).toBe(1);
    expect(changes.length).toBe(2);
  });

  it("does not ratchet down to the floor under stutter that no scale changes", () => {
    const g = new ResolutionGovernor();
    // Three misses a window at every scale, for 100 s: each step is undone, each hold twice longer.
    const { changes } = drive(
      g,
      0,
      6000,
      stutter(10, () => true),
    );
    expect(Math.min(...changes)).toBeCloseTo(0.9);
    expect(changes.length).toBeLessThanOrEqual(6);
    expect(g.scale).toBe(1);
  });
});
