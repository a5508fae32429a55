// A trained car-soccer policy against a scripted bot over seeded games, all arenas stepped
// together: league rules (a game ends at the first goal or after 300 s), sides alternating so
// neither player keeps a side's advantage, the policy greedy (argmax) as the league plays it.
// Exact kickoffs against a deterministic bot repeat about five games (five spawns); pass the
// jittered kickoff setter to make every seed its own game.
import {
  A_BLUE_SCORE,
  A_LAST_TOUCH_CAR,
  A_ORANGE_SCORE,
  A_STEPS,
  ARENA_FIELDS,
  C_BALL_TOUCHES,
  C_BOOST,
  CarSoccerEngine,
  ContinuousAction,
  carSoccerConstants,
  getEnvSpec,
  LookupTableAction,
  NOT_DONE,
  type ObsBuilder,
  type StateSetter,
} from "@league/envs";
import type { TfRuntime } from "../ppo/backend.js";
import { predictRows } from "../ppo/network.js";
import { createCarSoccerBot } from "../scripted/car-soccer.js";
import type { NetworkPolicy } from "./selfplay-env.js";

export interface VsBotResult {
  games: number;
  wins: number;
  draws: number;
  losses: number;
  goalsFor: number;
  goalsAgainst: number;
  winRate: number;
  /** Ball touches by the policy's cars, and the games in which they touched the ball at least once. */
  touches: number;
  gamesWithTouch: number;
  /** Mean simulated seconds of the games won and of those lost (null when there were none): when a policy loses tells what it never learned. */
  meanWinSeconds: number | null;
  meanLossSeconds: number | null;
  /**
   * Goals decided by an own goal (the scoring side's opponent touched the ball last): the bot's
   * gifts among the wins, and the policy's among the losses. A policy that wins mostly on the
   * bot's own goals has not learned to score.
   */
  opponentOwnGoals: number;
  ownGoals: number;
  /** Boost held (0–100), averaged over every car-decision of every game: who spends it all and who keeps some. */
  meanBoost: { policy: number; bot: number };
}

export function evaluateVsBot(
  runtime: TfRuntime,
  policy: NetworkPolicy,
  options: {
    env: string;
    obsBuilder: ObsBuilder;
    tickSkip: number;
    bot: string;
    games: number;
    seed: number;
    /** How each game starts (default the exact kickoff, as league matches start). */
    stateSetter?: StateSetter;
  },
): VsBotResult {
  const spec = getEnvSpec(options.env);
  const teamSize = spec.numAgents / 2;
  const n = options.games;
  const engine = new CarSoccerEngine(n, {
    spec,
    tickSkip: options.tickSkip,
    obsBuilder: options.obsBuilder,
    actionParser: new ContinuousAction(),
    ...(options.stateSetter ? { stateSetter: options.stateSetter } : {}),
  });
  const lookup = new LookupTableAction();
  const bots = Array.from({ length: n }, (_, g) => createCarSoccerBot(options.bot, options.seed + g));
  const size = engine.observationSize;
  const cars = engine.numCars;
  for (let g = 0; g < n; g++) engine.resetArena(g, options.seed + g, 0);
  // Game g: the policy plays blue when g is even, orange when odd.
  const policyCar = (g: number, c: number) => (g % 2 === 0 ? c : teamSize + c);
  const done = new Uint8Array(n);
  const input = new Float32Array(n * teamSize * size);
  const scratch = new Float32Array(8);
  const index = new Float32Array(1);
  const { tf } = runtime;
  const boostHeld = { policy: 0, bot: 0, decisions: 0 };
  for (let active = n; active > 0; ) {
    const playing: number[] = [];
    for (let g = 0; g < n; g++) if (!done[g]) playing.push(g);
    playing.forEach((g, i) => {
      for (let c = 0; c < teamSize; c++)
        options.obsBuilder.build(engine.state, g, policyCar(g, c), input, (i * teamSize + c) * size);
    });
    const rows = playing.length * teamSize;
    const view = input.subarray(0, rows * size);
    if (policy.observationStats) policy.observationStats.normalize(view, rows, view);
    const logits = predictRows(tf, policy.actor, view, rows);
    const k = logits.length / rows;
    for (const [i, g] of playing.entries()) {
      for (let c = 0; c < teamSize; c++) {
        let best = 0;
        const o = (i * teamSize + c) * k;
        for (let a = 1; a < k; a++) if (logits[o + a]! > logits[o + best]!) best = a;
        index[0] = best;
        lookup.parse(index, 0, engine.state.controls, (g * cars + policyCar(g, c)) * 8);
      }
      for (let car = 0; car < cars; car++) {
        const isPolicy = g % 2 === 0 ? car < teamSize : car >= teamSize;
        boostHeld[isPolicy ? "policy" : "bot"] +=
          engine.state.cars[engine.state.carOffset(g, car) + C_BOOST]!;
        if (isPolicy) continue;
        bots[g]!.act(engine.state, g, car, scratch);
        engine.state.controls.set(scratch, (g * cars + car) * 8);
      }
      boostHeld.decisions += teamSize;
      if (engine.stepArena(g) !== NOT_DONE) {
        done[g] = 1;
        active--;
      }
    }
  }
  const result: VsBotResult = {
    games: n,
    wins: 0,
    draws: 0,
    losses: 0,
    goalsFor: 0,
    goalsAgainst: 0,
    winRate: 0,
    touches: 0,
    gamesWithTouch: 0,
    meanWinSeconds: null,
    meanLossSeconds: null,
    opponentOwnGoals: 0,
    ownGoals: 0,
    meanBoost: { policy: 0, bot: 0 },
  };
  let winSeconds = 0;
  let lossSeconds = 0;
  for (let g = 0; g < n; g++) {
    const blue = engine.state.arena[g * ARENA_FIELDS + A_BLUE_SCORE]!;
    const orange = engine.state.arena[g * ARENA_FIELDS + A_ORANGE_SCORE]!;
    const [mine, theirs] = g % 2 === 0 ? [blue, orange] : [orange, blue];
    let touches = 0;
    for (let c = 0; c < teamSize; c++)
      touches += engine.state.cars[engine.state.carOffset(g, policyCar(g, c)) + C_BALL_TOUCHES]!;
    result.touches += touches;
    if (touches > 0) result.gamesWithTouch++;
    result.goalsFor += mine;
    result.goalsAgainst += theirs;
    const seconds =
      (engine.state.arena[g * ARENA_FIELDS + A_STEPS]! * options.tickSkip) / carSoccerConstants.TICK_RATE;
    // Games end at the first goal, so the last touch is the scoring one.
    const lastTouch = engine.state.arena[g * ARENA_FIELDS + A_LAST_TOUCH_CAR]!;
    const touchedByPolicy = lastTouch >= 0 && (g % 2 === 0 ? lastTouch < teamSize : lastTouch >= teamSize);
    if (mine > theirs) {
      result.wins++;
      winSeconds += seconds;
      if (lastTouch >= 0 && !touchedByPolicy) result.opponentOwnGoals++;
    } else if (mine === theirs) result.draws++;
    else {
      result.losses++;
      lossSeconds += seconds;
      if (touchedByPolicy) result.ownGoals++;
    }
  }
  result.winRate = result.wins / n;
  const round1 = (x: number) => Math.round(x * 10) / 10;
  result.meanBoost = {
    policy: round1(boostHeld.policy / boostHeld.decisions),
    bot: round1(boostHeld.bot / boostHeld.decisions),
  };
  if (result.wins > 0) result.meanWinSeconds = Math.round((winSeconds / result.wins) * 10) / 10;
  if (result.losses > 0) result.meanLossSeconds = Math.round((lossSeconds / result.losses) * 10) / 10;
  return result;
}
