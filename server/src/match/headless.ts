// Headless play of a car-soccer match: as fast as the CPU goes, yielding to the event loop
// between slices of ticks, and the engine seed every match derives from its 63-bit seed.
import type { CarSoccerMatch } from "./car-soccer-match.js";

/** Physics ticks between yields to the event loop, so the API stays responsive during a match. */
const TICKS_PER_SLICE = 240;

/** The engine's seed (a float64): 53 bits of the match seed, exactly representable, as live matches use. */
export function engineSeedOf(seed: bigint): number {
  return Number(seed % 2n ** 53n);
}

/** Plays `match` to its final whistle, yielding to the event loop between slices of ticks. */
export async function playToEnd(match: CarSoccerMatch): Promise<void> {
  while (!match.done) {
    for (let i = 0; i < TICKS_PER_SLICE && !match.done; i++) match.tick();
    await new Promise((resolve) => setImmediate(resolve));
  }
}
