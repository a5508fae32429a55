import { nextFloat } from "../rng.js";

/**
 * Standard normal from a struct-of-arrays rng state (Box-Muller, the same formula as `Rng.normal`),
 * always two uniforms, so the number of draws per step never depends on the values drawn.
 */
export function normalAt(state: Uint32Array, offset: number): number {
  const u = 1 - nextFloat(state, offset);
  const v = nextFloat(state, offset);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
