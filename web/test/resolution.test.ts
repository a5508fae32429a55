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

describe("the field's dynamic resolution when frames are fast on average but some miss the display", () => {
  /** A seeded uniform [0, 1) stream (a linear congruential generator), so every run is the same. */
  function uniform(seed: number) {
    return () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
  }

  /** Ten minutes of 60 Hz frames, each shown twice when `misses(scale)`; misses in the last five. */
  function play(g: ResolutionGovernor, misses: (scale: number) => boolean) {
    let t = 0;
    let lateMisses = 0;
    let lowest = 1;
    const changes: number[] = [];
    for (let i = 1; i <= 36_000; i++) {
      const miss = misses(g.scale);
      if (miss && i > 18_000) lateMisses++;
      t += miss ? 33.4 : 16.7;
      const s = g.frame(t);
      if (s !== null) {
        changes.push(s);
        lowest = Math.min(lowest, s);
      }
    }
    return { changes, lateMisses, lowest };
  }

  it("renders fewer pixels while the renderer's fill makes frames miss, and the misses become rare", () => {
    const rand = uniform(1);
    // A frame's cost: a fixed part, a part that goes with its pixels, and noise. At 0.9 of the
    // pixels per direction about one frame in fifty misses (a mean rate still near 59 a second);
    // at 0.8, none.
    const fill = (scale: number) => 12 + 4 * scale * scale + 1.49 * rand() > 16.7;
    const g = new ResolutionGovernor();
    const { changes, lateMisses } = play(g, fill);
    // The last five minutes: under one frame in five hundred missed, against one in fifty at 0.9.
    expect(lateMisses).toBeLessThan(36);
    expect(g.scale).toBeLessThan(0.95);
    // It settles: retries of a scale that proved too slow come ever more rarely.
    expect(changes.length).toBeLessThan(25);
  });

  it("undoes a step down that did not halve the misses (not the renderer's), and never sinks far", () => {
    const rand = uniform(2);
    const g = new ResolutionGovernor();
    // One frame in fifty misses at any resolution: something else (the main thread) drops them.
    const { changes, lowest } = play(g, () => rand() < 0.02);
    expect(changes[0]).toBeCloseTo(0.9, 5);
    expect(changes.some((s) => s > changes[0]!)).toBe(true);
    expect(lowest).toBeGreaterThan(0.75);
    expect(changes.length).toBeLessThan(30);
  });

  it("does not step up through windows that miss frames", () => {
    const g = new ResolutionGovernor();
    let { t } = drive(g, 0, 31, 30); // too slow at full scale: one step down
    const low = g.scale;
    expect(low).toBeLessThan(1);
    // Afterwards fast on average, but a frame in every window misses: no step up.
    for (let i = 1; i <= 6000; i++) {
      t += i % 25 === 0 ? 33.4 : 16.2;
      g.frame(t);
    }
    expect(g.scale).toBeLessThanOrEqual(low);
  });
});
