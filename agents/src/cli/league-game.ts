// One car-soccer game under league rules, for `league play`: a fixed length of game time (300 s),
// every goal counted, play restarting from kickoff after each (kickoff k from stream k of the
// seed, as the server's matches draw them), without the server's pauses or replays.
import {
  A_GOAL,
  CarSoccerEngine,
  CONTROL_SIZE,
  ContinuousAction,
  carSoccerConstants,
  GoalCondition,
  getEnvSpec,
} from "@league/envs";
import type { CarPolicy } from "../policy.js";

export const LEAGUE_GAME_SECONDS = 300;

export interface GoalEvent {
  team: "blue" | "orange";
  /** Game seconds when it went in. */
  second: number;
  blue: number;
  orange: number;
}

export interface LeagueGameResult {
  blue: number;
  orange: number;
  goals: GoalEvent[];
  seconds: number;
}

export function playLeagueGame(
  envId: string,
  blue: CarPolicy,
  orange: CarPolicy,
  options: {
    seed: number;
    seconds?: number;
    onGoal?: (goal: GoalEvent) => void;
    /** Every decision step, with the game seconds played so far. */
    onStep?: (engine: CarSoccerEngine, second: number, score: { blue: number; orange: number }) => void;
  },
): LeagueGameResult {
  const { TICK_RATE } = carSoccerConstants;
  const seconds = options.seconds ?? LEAGUE_GAME_SECONDS;
  const engine = new CarSoccerEngine(1, {
    spec: getEnvSpec(envId),
    actionParser: new ContinuousAction(),
    doneConditions: [new GoalCondition()],
  });
  const st = engine.state;
  const raw = new Float32Array(engine.numCars * CONTROL_SIZE);
  const score = { blue: 0, orange: 0 };
  const goals: GoalEvent[] = [];
  const steps = Math.max(1, Math.round((seconds * TICK_RATE) / engine.tickSkip));
  let kickoff = 0;
  engine.resetArena(0, options.seed, kickoff);
  for (let step = 1; step <= steps; step++) {
    // Every controller reads the same state: all decide, then all controls are applied.
    for (let car = 0; car < engine.numCars; car++) {
      const controller = car < engine.teamSize ? blue : orange;
      controller.act(st, 0, car, raw.subarray(car * CONTROL_SIZE, (car + 1) * CONTROL_SIZE));
    }
    for (let car = 0; car < engine.numCars; car++)
      engine.actionParser.parse(raw, car * CONTROL_SIZE, st.controls, car * CONTROL_SIZE);
    engine.stepArena(0);
    const second = (step * engine.tickSkip) / TICK_RATE;
    // Arena 0's fields start the arena buffer.
    const goal = st.arena[A_GOAL]!;
    if (goal !== 0) {
      const team = goal > 0 ? "blue" : "orange";
      score[team]++;
      const event = { team, second, ...score } as const;
      goals.push(event);
      options.onGoal?.(event);
      engine.resetArena(0, options.seed, ++kickoff);
    }
    options.onStep?.(engine, second, score);
  }
  return { ...score, goals, seconds };
}
