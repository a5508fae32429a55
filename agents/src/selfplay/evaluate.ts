// A trained car-soccer policy against scripted bots over seeded games, all arenas of all bots
// stepped together (one forward pass per decision for every game still running), the policy
// greedy (argmax) as the league plays it, sides alternating so neither player keeps a side's
// advantage. Rules, by default the league's: a game lasts 300 s, goals are counted, every goal
// is followed by a kickoff (kickoff k of game g from stream k of its seed, as league matches do),
// and games start from jittered kickoffs so every seed is its own game (exact kickoffs against a
// deterministic bot replay about five games). `rules: "first-goal"` ends a game at its first goal
// instead (the old, faster rule, kept as an option).
import {
  A_BLUE_SCORE,
  A_GOAL,
  A_LAST_TOUCH_CAR,
  A_ORANGE_SCORE,
  A_STEPS,
  ARENA_FIELDS,
  C_BALL_TOUCHES,
  C_BOOST,
  CarSoccerEngine,
  ContinuousAction,
  carSoccerConstants,
  DEFAULT_KICKOFF_JITTER,
  type DoneCondition,
  GoalCondition,
  getEnvSpec,
  KickoffSetter,
  LookupTableAction,
  NOT_DONE,
  type ObsBuilder,
  type StateSetter,
  TimeoutCondition,
} from "@league/envs";
import type { TfRuntime } from "../ppo/backend.js";
import { predictRows } from "../ppo/network.js";
import { type CarSoccerBot, createCarSoccerBot } from "../scripted/car-soccer.js";
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
  /**
   * Mean simulated seconds into the game of the last goal of the games won and of those lost
   * (null when there were none): under the first-goal rule, when the game was decided.
   */
  meanWinSeconds: number | null;
  meanLossSeconds: number | null;
  /**
   * Goals off the other side's last touch: the bot's gifts to the policy, and the policy's to the
   * bot. A policy that wins mostly on the bot's own goals has not learned to score.
   */
  opponentOwnGoals: number;
  ownGoals: number;
  /** Boost held (0–100), averaged over every car-decision of every game: who spends it all and who keeps some. */
  meanBoost: { policy: number; bot: number };
}

/** `league`: 300 s games, goals counted, a kickoff after each goal. `first-goal`: a game ends at its first goal. */
export type MatchRules = "league" | "first-goal";

export interface EvaluationOptions {
  env: string;
  obsBuilder: ObsBuilder;
  tickSkip: number;
  /** Games per bot; game g is played on seed `seed + g` against every bot alike. */
  games: number;
  seed: number;
  /** Default "league". */
  rules?: MatchRules;
  /** Length of a game (league rules) or its time limit (first-goal rule); default 300 s. */
  seconds?: number;
  /** How each game (and, under league rules, each kickoff) starts; default jittered kickoffs. */
  stateSetter?: StateSetter;
}

/** Results against one bot (see `evaluateVsBots`). */
export function evaluateVsBot(
  runtime: TfRuntime,
  policy: NetworkPolicy,
  options: EvaluationOptions & { bot: string },
): VsBotResult {
  return evaluateVsBots(runtime, policy, { ...options, bots: [options.bot] })[options.bot]!;
}

/** Per-game tallies while the games run. */
interface Tally {
  goalsFor: Int32Array;
  goalsAgainst: Int32Array;
  touches: Int32Array;
  gifts: Int32Array;
  ownGoals: Int32Array;
  lastGoalSecond: Float64Array;
  boost: { policy: number; bot: number; decisions: number }[];
}

/**
 * `options.games` games against each of `bots`, every game of every bot stepped together: results
 * by bot name. The same seeds for every bot (common random numbers): differences between bots are
 * the bots', not the kickoffs'.
 */
export function evaluateVsBots(
  runtime: TfRuntime,
  policy: NetworkPolicy,
  options: EvaluationOptions & { bots: readonly string[] },
): Record<string, VsBotResult> {
  const spec = getEnvSpec(options.env);
  const teamSize = spec.numAgents / 2;
  const rules = options.rules ?? "league";
  const seconds = options.seconds ?? 300;
  if (!(seconds > 0)) throw new RangeError(`evaluation seconds must be > 0, got ${seconds}`);
  if (options.bots.length === 0) throw new RangeError("evaluation needs at least one bot");
  const games = options.games;
  const n = games * options.bots.length;
  // League rules keep the clock here (kickoffs restart an arena's step count); first-goal games
  // end at a goal or at the time limit.
  const doneConditions: DoneCondition[] =
    rules === "league" ? [new GoalCondition()] : [new GoalCondition(), new TimeoutCondition(seconds)];
  const engine = new CarSoccerEngine(n, {
    spec,
    tickSkip: options.tickSkip,
    obsBuilder: options.obsBuilder,
    actionParser: new ContinuousAction(),
    stateSetter: options.stateSetter ?? new KickoffSetter({ jitter: DEFAULT_KICKOFF_JITTER }),
    doneConditions,
  });
  const state = engine.state;
  const botOf = (a: number) => options.bots[Math.floor(a / games)]!;
  const gameOf = (a: number) => a % games;
  const bots: CarSoccerBot[] = Array.from({ length: n }, (_, a) =>
    createCarSoccerBot(botOf(a), options.seed + gameOf(a)),
  );
  const kickoffs = new Int32Array(n);
  for (let a = 0; a < n; a++) engine.resetArena(a, options.seed + gameOf(a), 0);
  const secondsPerStep = options.tickSkip / carSoccerConstants.TICK_RATE;
  const stepsPerGame = Math.max(1, Math.round(seconds / secondsPerStep));
  const stepsPlayed = new Int32Array(n);
  // Game g: the policy plays blue when g is even, orange when odd.
  const policyBlue = (a: number) => gameOf(a) % 2 === 0;
  const policyCar = (a: number, c: number) => (policyBlue(a) ? c : teamSize + c);
  const isPolicyCar = (a: number, car: number) => (policyBlue(a) ? car < teamSize : car >= teamSize);
  const tally: Tally = {
    goalsFor: new Int32Array(n),
    goalsAgainst: new Int32Array(n),
    touches: new Int32Array(n),
    gifts: new Int32Array(n),
    ownGoals: new Int32Array(n),
    lastGoalSecond: new Float64Array(n),
    boost: options.bots.map(() => ({ policy: 0, bot: 0, decisions: 0 })),
  };
  /** Counts the goal (if any) and the touches of the kickoff-to-goal stretch that just ended. */
  const closeStretch = (a: number) => {
    for (let c = 0; c < teamSize; c++)
      tally.touches[a]! += state.cars[state.carOffset(a, policyCar(a, c)) + C_BALL_TOUCHES]!;
    const goal = state.arena[a * ARENA_FIELDS + A_GOAL]!;
    if (goal === 0) return;
    const policyScored = goal > 0 === policyBlue(a);
    const lastTouch = state.arena[a * ARENA_FIELDS + A_LAST_TOUCH_CAR]!;
    const touchedByPolicy = lastTouch >= 0 && isPolicyCar(a, lastTouch);
    if (policyScored && lastTouch >= 0 && !touchedByPolicy) tally.gifts[a]!++;
    if (!policyScored && touchedByPolicy) tally.ownGoals[a]!++;
    tally.lastGoalSecond[a] = stepsPlayed[a]! * secondsPerStep;
  };

  const cars = engine.numCars;
  const size = engine.observationSize;
  const lookup = new LookupTableAction();
  const done = new Uint8Array(n);
  const playing = new Int32Array(n);
  const input = new Float32Array(n * teamSize * size);
  const scratch = new Float32Array(8);
  const index = new Float32Array(1);
  const { tf } = runtime;
  for (let active = n; active > 0; ) {
    let count = 0;
    for (let a = 0; a < n; a++) if (!done[a]) playing[count++] = a;
    for (let i = 0; i < count; i++)
      for (let c = 0; c < teamSize; c++)
        options.obsBuilder.build(
          state,
          playing[i]!,
          policyCar(playing[i]!, c),
          input,
          (i * teamSize + c) * size,
        );
    const rows = count * teamSize;
    const view = input.subarray(0, rows * size);
    if (policy.observationStats) policy.observationStats.normalize(view, rows, view);
    const logits = predictRows(tf, policy.actor, view, rows);
    const k = logits.length / rows;
    for (let i = 0; i < count; i++) {
      const a = playing[i]!;
      for (let c = 0; c < teamSize; c++) {
        let best = 0;
        const o = (i * teamSize + c) * k;
        for (let j = 1; j < k; j++) if (logits[o + j]! > logits[o + best]!) best = j;
        index[0] = best;
        lookup.parse(index, 0, state.controls, (a * cars + policyCar(a, c)) * 8);
      }
      const boost = tally.boost[Math.floor(a / games)]!;
      for (let car = 0; car < cars; car++) {
        const mine = isPolicyCar(a, car);
        boost[mine ? "policy" : "bot"] += state.cars[state.carOffset(a, car) + C_BOOST]!;
        if (mine) continue;
        bots[a]!.act(state, a, car, scratch);
        state.controls.set(scratch, (a * cars + car) * 8);
      }
      boost.decisions += teamSize;
      const code = engine.stepArena(a);
      stepsPlayed[a]!++;
      const timeUp = rules === "league" && stepsPlayed[a]! >= stepsPerGame;
      if (code === NOT_DONE && !timeUp) continue;
      closeStretch(a);
      if (rules === "first-goal" || timeUp) {
        done[a] = 1;
        active--;
      } else engine.resetArena(a, options.seed + gameOf(a), ++kickoffs[a]!);
    }
  }
  // Scores live in the arena across kickoffs.
  for (let a = 0; a < n; a++) {
    const blue = state.arena[a * ARENA_FIELDS + A_BLUE_SCORE]!;
    const orange = state.arena[a * ARENA_FIELDS + A_ORANGE_SCORE]!;
    tally.goalsFor[a] = policyBlue(a) ? blue : orange;
    tally.goalsAgainst[a] = policyBlue(a) ? orange : blue;
    // First-goal games that ran out of time never scored: their length is the limit.
    if (rules === "first-goal" && blue + orange === 0)
      tally.lastGoalSecond[a] = state.arena[a * ARENA_FIELDS + A_STEPS]! * secondsPerStep;
  }
  return Object.fromEntries(
    options.bots.map((bot, b) => [bot, summarise(tally, b * games, games, tally.boost[b]!)]),
  );
}

function summarise(
  tally: Tally,
  from: number,
  games: number,
  boost: { policy: number; bot: number; decisions: number },
): VsBotResult {
  const result: VsBotResult = {
    games,
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
  for (let a = from; a < from + games; a++) {
    const mine = tally.goalsFor[a]!;
    const theirs = tally.goalsAgainst[a]!;
    result.goalsFor += mine;
    result.goalsAgainst += theirs;
    result.touches += tally.touches[a]!;
    if (tally.touches[a]! > 0) result.gamesWithTouch++;
    result.opponentOwnGoals += tally.gifts[a]!;
    result.ownGoals += tally.ownGoals[a]!;
    if (mine > theirs) {
      result.wins++;
      winSeconds += tally.lastGoalSecond[a]!;
    } else if (mine < theirs) {
      result.losses++;
      lossSeconds += tally.lastGoalSecond[a]!;
    } else result.draws++;
  }
  result.winRate = result.wins / games;
  const round1 = (x: number) => Math.round(x * 10) / 10;
  result.meanBoost = {
    policy: round1(boost.policy / boost.decisions),
    bot: round1(boost.bot / boost.decisions),
  };
  if (result.wins > 0) result.meanWinSeconds = round1(winSeconds / result.wins);
  if (result.losses > 0) result.meanLossSeconds = round1(lossSeconds / result.losses);
  return result;
}

/** A policy's score against one bot: its win rate. */
export const opponentScore = (r: VsBotResult) => r.winRate;

/**
 * How validation ranks a set of per-bot results: `worst`, the lowest per-bot win rate (a policy
 * is as good as its worst match-up: the bar is beating every bot), then the mean, then the goal
 * difference per game; `mean` puts the mean first.
 */
export type EvaluationSelect = "worst" | "mean";

export function rankResults(results: Record<string, VsBotResult>, select: EvaluationSelect): number[] {
  const all = Object.values(results);
  const scores = all.map(opponentScore);
  const worst = Math.min(...scores);
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  const games = all.reduce((s, r) => s + r.games, 0);
  const margin = all.reduce((s, r) => s + r.goalsFor - r.goalsAgainst, 0) / games;
  return select === "worst" ? [worst, mean, margin] : [mean, worst, margin];
}

/** Whether rank `a` (from rankResults) beats rank `b`: lexicographic, ties lose. */
export function ranksAbove(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) {
    if (a[i]! > b[i]!) return true;
    if (a[i]! < b[i]!) return false;
  }
  return false;
}

/** Several results as one (totals summed, means weighted by games): a set of bots' games together. */
export function combineResults(results: readonly VsBotResult[]): VsBotResult {
  if (results.length === 1) return results[0]!;
  const sum = (f: (r: VsBotResult) => number) => results.reduce((s, r) => s + f(r), 0);
  const games = sum((r) => r.games);
  const wins = sum((r) => r.wins);
  const losses = sum((r) => r.losses);
  const weighted = (f: (r: VsBotResult) => number | null, w: (r: VsBotResult) => number) => {
    const total = sum((r) => (f(r) === null ? 0 : w(r)));
    return total > 0 ? Math.round((sum((r) => (f(r) ?? 0) * w(r)) / total) * 10) / 10 : null;
  };
  return {
    games,
    wins,
    draws: sum((r) => r.draws),
    losses,
    goalsFor: sum((r) => r.goalsFor),
    goalsAgainst: sum((r) => r.goalsAgainst),
    winRate: wins / games,
    touches: sum((r) => r.touches),
    gamesWithTouch: sum((r) => r.gamesWithTouch),
    meanWinSeconds: weighted(
      (r) => r.meanWinSeconds,
      (r) => r.wins,
    ),
    meanLossSeconds: weighted(
      (r) => r.meanLossSeconds,
      (r) => r.losses,
    ),
    opponentOwnGoals: sum((r) => r.opponentOwnGoals),
    ownGoals: sum((r) => r.ownGoals),
    meanBoost: {
      policy: weighted(
        (r) => r.meanBoost.policy,
        (r) => r.games,
      )!,
      bot: weighted(
        (r) => r.meanBoost.bot,
        (r) => r.games,
      )!,
    },
  };
}
