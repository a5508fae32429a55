import { BALL_FIELDS, CarSoccerState, clearArena, placeCarOnGround, tickArena } from "../../src/index.js";

/** One 1v1 arena, ball and cars cleared; the orange car parked out of the way. */
export function emptyArena(teamSize: 1 | 2 | 3 = 1): CarSoccerState {
  const s = new CarSoccerState(1, teamSize);
  s.seedArena(0, 1, 0);
  clearArena(s, 0);
  for (let c = 0; c < s.numCars; c++) placeCarOnGround(s, 0, c, -3500 + 300 * c, 4000, 1, 0);
  // Ball far from everything, on the floor.
  s.ball[0] = 3000;
  s.ball[1] = 0;
  s.ball[2] = 91.25;
  return s;
}

export function setControls(s: CarSoccerState, car: number, controls: number[]): void {
  for (let i = 0; i < 8; i++) s.controls[car * 8 + i] = controls[i] ?? 0;
}

export function ticks(s: CarSoccerState, n: number, each?: (s: CarSoccerState) => void): void {
  for (let i = 0; i < n; i++) {
    tickArena(s, 0);
    each?.(s);
  }
}

export function ballSpeed(s: CarSoccerState): number {
  const b = s.ball;
  return Math.hypot(b[3]!, b[4]!, b[5]!);
}

export const BALL = BALL_FIELDS;
