// Hand-built car-soccer states for reward tests, made with envs' own helpers.
import { CarSoccerState, clearArena, placeCarOnGround } from "@league/envs";

export interface HandState {
  state: CarSoccerState;
  prev: CarSoccerState;
}

/**
 * One arena cleared by envs' `clearArena` (ball at rest on the centre spot, 33 boost each), the
 * cars on the ground at y = 4000, 1500 uu apart, facing +x; `prev` a copy of it.
 */
export function handState(teamSize: 1 | 2 = 1): HandState {
  const state = new CarSoccerState(1, teamSize);
  clearArena(state, 0);
  for (let c = 0; c < state.numCars; c++) placeCarOnGround(state, 0, c, -3000 + 1500 * c, 4000, 1, 0);
  const prev = new CarSoccerState(1, teamSize);
  prev.copyArena(state, 0, 0);
  return { state, prev };
}

/** Writes consecutive fields of car `c` from `field` on. */
export function setCar(s: CarSoccerState, c: number, field: number, ...values: number[]): void {
  values.forEach((v, i) => {
    s.cars[s.carOffset(0, c) + field + i] = v;
  });
}

/** Writes consecutive ball fields from `field` on. */
export function setBall(s: CarSoccerState, field: number, ...values: number[]): void {
  values.forEach((v, i) => {
    s.ball[field + i] = v;
  });
}
