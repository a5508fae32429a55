// Action parsers turn an agent's raw action into the eight controls the physics reads:
// throttle, steer, pitch, yaw, roll in [-1, 1] and jump, boost, handbrake in {0, 1}.
// Bad numbers never reach the physics: NaN (and ±Infinity for indices) becomes 0 and is counted;
// out-of-range values are clamped. Only a wrong action length is an error (see CarSoccerEnv).

import type { Space } from "../spec.js";

export interface ActionParser {
  readonly name: string;
  readonly actionSpace: Space;
  /** Numbers per agent in a raw action (1 for a lookup index). */
  readonly actionSize: number;
  /**
   * Reads `actionSize` numbers at `raw[offset..]`, writes 8 controls at `out[outOffset..]`, and
   * returns how many numbers were NaN (replaced by 0).
   */
  parse(raw: ArrayLike<number>, offset: number, out: Float32Array, outOffset: number): number;
}

function clampUnit(x: number): number {
  return x > 1 ? 1 : Math.max(x, -1);
}

/** RLGym's ContinuousAction: 8 numbers in [-1, 1]; jump, boost, handbrake are pressed when > 0. */
export class ContinuousAction implements ActionParser {
  readonly name = "continuous";
  readonly actionSpace: Space = { kind: "box", shape: [8], low: -1, high: 1 };
  readonly actionSize = 8;

  parse(raw: ArrayLike<number>, offset: number, out: Float32Array, outOffset: number): number {
    let nans = 0;
    for (let i = 0; i < 8; i++) {
      let v = raw[offset + i]!;
      if (Number.isNaN(v)) {
        nans++;
        v = 0;
      }
      out[outOffset + i] = i < 5 ? clampUnit(v) : v > 0 ? 1 : 0;
    }
    return nans;
  }
}

/**
 * RLGym's LookupTableAction.make_lookup_table, row for row: 24 ground actions
 * (throttle × steer × boost × handbrake, boost only with full throttle) then 66 aerial ones
 * (pitch × yaw × roll × jump × boost, no yaw with jump, none duplicating a ground action).
 */
export function makeLookupTable(): Float32Array[] {
  const rows: number[][] = [];
  for (const throttle of [-1, 0, 1])
    for (const steer of [-1, 0, 1])
      for (const boost of [0, 1])
        for (const handbrake of [0, 1]) {
          if (boost === 1 && throttle !== 1) continue;
          rows.push([throttle || boost, steer, 0, steer, 0, 0, boost, handbrake]);
        }
  for (const pitch of [-1, 0, 1])
    for (const yaw of [-1, 0, 1])
      for (const roll of [-1, 0, 1])
        for (const jump of [0, 1])
          for (const boost of [0, 1]) {
            if (jump === 1 && yaw !== 0) continue; // only roll is needed for a sideflip
            if (pitch === 0 && roll === 0 && jump === 0) continue; // duplicates a ground action
            const handbrake = jump === 1 && (pitch !== 0 || yaw !== 0 || roll !== 0) ? 1 : 0; // wavedashes
            rows.push([boost, yaw, pitch, yaw, roll, jump, boost, handbrake]);
          }
  return rows.map((r) => Float32Array.from(r));
}

/** One index into the 90-row lookup table. Non-integers are truncated; out of range is clamped. */
export class LookupTableAction implements ActionParser {
  readonly name = "lookup";
  readonly table: readonly Float32Array[] = makeLookupTable();
  readonly actionSpace: Space = { kind: "discrete", n: this.table.length };
  readonly actionSize = 1;
  private readonly flat = new Float32Array(this.table.length * 8);

  constructor() {
    this.table.forEach((row, i) => {
      this.flat.set(row, i * 8);
    });
  }

  parse(raw: ArrayLike<number>, offset: number, out: Float32Array, outOffset: number): number {
    const v = raw[offset]!;
    const n = this.table.length;
    let nans = 0;
    let index = 0;
    if (Number.isNaN(v)) nans = 1;
    else index = v >= n - 1 ? n - 1 : v <= 0 ? 0 : Math.trunc(v);
    const src = index * 8;
    for (let i = 0; i < 8; i++) out[outOffset + i] = this.flat[src + i]!;
    return nans;
  }
}

/**
 * Keyboard-like multi-discrete (RLGym's MultiDiscreteAction): throttle, steer, pitch, yaw, roll
 * each in {0, 1, 2} meaning -1, 0, 1; jump, boost, handbrake each in {0, 1}.
 */
export class MultiDiscreteAction implements ActionParser {
  readonly name = "multi-discrete";
  readonly actionSpace: Space = { kind: "multi-discrete", nvec: [3, 3, 3, 3, 3, 2, 2, 2] };
  readonly actionSize = 8;

  parse(raw: ArrayLike<number>, offset: number, out: Float32Array, outOffset: number): number {
    let nans = 0;
    for (let i = 0; i < 8; i++) {
      const v = raw[offset + i]!;
      const max = i < 5 ? 2 : 1;
      let index = 0;
      if (Number.isNaN(v)) nans++;
      else index = v >= max ? max : v <= 0 ? 0 : Math.trunc(v);
      out[outOffset + i] = i < 5 ? index - 1 : index;
    }
    return nans;
  }
}
