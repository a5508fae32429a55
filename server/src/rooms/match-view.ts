// What spectators of a live car-soccer match receive: a small schema (ball, cars, score, clock),
// and the one function that copies the simulation's state into it.
import { type SchemaType, schema } from "@colyseus/schema";
import {
  A_TICK,
  B_VX,
  B_X,
  C_BOOST,
  C_FX,
  C_IS_DEMOED,
  C_IS_SUPERSONIC,
  C_UX,
  C_VX,
  C_X,
} from "@league/envs";
import type { CarSoccerMatch } from "../match/car-soccer-match.js";

export const BallView = schema(
  { x: "float32", y: "float32", z: "float32", vx: "float32", vy: "float32", vz: "float32" },
  "BallView",
);
export const CarView = schema(
  {
    name: "string",
    team: "uint8",
    x: "float32",
    y: "float32",
    z: "float32",
    vx: "float32",
    vy: "float32",
    vz: "float32",
    /** Forward and up unit vectors: with them a client rebuilds the car's rotation. */
    fx: "float32",
    fy: "float32",
    fz: "float32",
    ux: "float32",
    uy: "float32",
    uz: "float32",
    boost: "float32",
    demoed: "boolean",
    supersonic: "boolean",
  },
  "CarView",
);
export const MatchView = schema(
  {
    matchId: "string",
    status: "string",
    blue: "uint16",
    orange: "uint16",
    /** Seconds of play left. */
    clock: "float32",
    tick: "uint32",
    ball: BallView,
    cars: [CarView],
  },
  "MatchView",
);
export type MatchViewState = SchemaType<typeof MatchView>;

/** A view of `match` before kickoff: one car per seat, named, on its team, where the match has it. */
export function createMatchView(
  matchId: string,
  match: CarSoccerMatch,
  names: readonly string[],
): MatchViewState {
  const view = new MatchView();
  view.matchId = matchId;
  view.ball = new BallView();
  names.forEach((name, car) => {
    const c = new CarView();
    c.name = name;
    c.team = match.teamOf(car);
    view.cars.push(c);
  });
  // Every number from the start: a spectator joining before the first patch reads the kickoff,
  // not undefined (a tick of undefined never "advances", a car at undefined is drawn nowhere).
  syncMatchView(view, match);
  return view;
}

/** Copies the match's status, score, clock, ball and cars into the view. */
export function syncMatchView(view: MatchViewState, match: CarSoccerMatch): void {
  const st = match.engine.state;
  const score = match.score;
  view.status = match.status;
  view.tick = st.arena[A_TICK]!;
  view.blue = score.blue;
  view.orange = score.orange;
  view.clock = match.secondsLeft;
  const b = st.ball;
  view.ball.x = b[B_X]!;
  view.ball.y = b[B_X + 1]!;
  view.ball.z = b[B_X + 2]!;
  view.ball.vx = b[B_VX]!;
  view.ball.vy = b[B_VX + 1]!;
  view.ball.vz = b[B_VX + 2]!;
  view.cars.forEach((c, car) => {
    const o = st.carOffset(0, car);
    const k = st.cars;
    c.x = k[o + C_X]!;
    c.y = k[o + C_X + 1]!;
    c.z = k[o + C_X + 2]!;
    c.vx = k[o + C_VX]!;
    c.vy = k[o + C_VX + 1]!;
    c.vz = k[o + C_VX + 2]!;
    c.fx = k[o + C_FX]!;
    c.fy = k[o + C_FX + 1]!;
    c.fz = k[o + C_FX + 2]!;
    c.ux = k[o + C_UX]!;
    c.uy = k[o + C_UX + 1]!;
    c.uz = k[o + C_UX + 2]!;
    c.boost = k[o + C_BOOST]!;
    c.demoed = k[o + C_IS_DEMOED] === 1;
    c.supersonic = k[o + C_IS_SUPERSONIC] === 1;
  });
}
