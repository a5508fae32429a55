import {
  A_BLUE_SCORE,
  A_LAST_TOUCH_CAR,
  A_ORANGE_SCORE,
  A_STEPS,
  ARENA_FIELDS,
  C_BOOST,
  CarSoccerEngine,
  carSoccerConstants,
  DefaultObs,
  GoalCondition,
  getEnvSpec,
  makeLookupTable,
  NOT_DONE,
} from "@league/envs";
import { describe, expect, it } from "vitest";
import { selectBackend } from "../../src/ppo/backend.js";
import { createCarSoccerBot } from "../../src/scripted/car-soccer.js";
import { makeStateSetter } from "../../src/selfplay/config.js";
import {
  combineResults,
  evaluateVsBot,
  evaluateVsBots,
  rankResults,
  ranksAbove,
  type VsBotResult,
} from "../../src/selfplay/evaluate.js";
import { LEAGUE_BOTS } from "../../src/selfplay/pool.js";

/** A network whose argmax is always the lookup row of all-zero controls: it plays as the idle bot. */
async function idleNetwork(teamSize = 1) {
  const runtime = await selectBackend({ prefer: ["wasm", "cpu"] });
  const { tf } = runtime;
  const size = new DefaultObs().size(teamSize);
  const table = makeLookupTable();
  const still = table.findIndex((row) => row.every((v) => v === 0));
  const actor = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [size], units: table.length, kernelInitializer: "zeros" })],
  });
  const bias = new Float32Array(table.length);
  bias[still] = 1;
  actor.layers[0]!.setWeights([tf.zeros([size, table.length]), tf.tensor1d(bias)]);
  return { runtime, policy: { actor, observationStats: null } };
}

describe("evaluateVsBot under league rules (the default)", () => {
  it("plays whole games of the given length, a kickoff after every goal, goals counted", async () => {
    const { runtime, policy } = await idleNetwork();
    const obsBuilder = new DefaultObs();
    const games = 4;
    const seed = 91;
    const seconds = 90;
    const result = evaluateVsBot(runtime, policy, {
      env: "car-soccer-1v1",
      obsBuilder,
      tickSkip: 8,
      bot: "ball-chaser",
      games,
      seed,
      seconds,
    });
    // By hand: the same games with jittered kickoffs (the default), kickoff k from stream k.
    const engine = new CarSoccerEngine(games, {
      spec: getEnvSpec("car-soccer-1v1"),
      tickSkip: 8,
      obsBuilder,
      stateSetter: makeStateSetter({ "kickoff-jitter": 1 }),
      doneConditions: [new GoalCondition()],
    });
    const idle = createCarSoccerBot("idle");
    const controls = new Float32Array(8);
    const steps = Math.round((seconds * carSoccerConstants.TICK_RATE) / 8);
    let goalsFor = 0;
    let goalsAgainst = 0;
    let mostGoals = 0;
    const outcome = { wins: 0, draws: 0, losses: 0 };
    for (let g = 0; g < games; g++) {
      const chaser = createCarSoccerBot("ball-chaser", seed + g);
      const mine = g % 2;
      let kickoff = 0;
      engine.resetArena(g, seed + g, kickoff);
      for (let s = 0; s < steps; s++) {
        idle.act(engine.state, g, mine, controls);
        engine.state.controls.set(controls, (g * 2 + mine) * 8);
        chaser.act(engine.state, g, 1 - mine, controls);
        engine.state.controls.set(controls, (g * 2 + 1 - mine) * 8);
        if (engine.stepArena(g) !== NOT_DONE && s < steps - 1) engine.resetArena(g, seed + g, ++kickoff);
      }
      const o = g * ARENA_FIELDS;
      const blue = engine.state.arena[o + A_BLUE_SCORE]!;
      const orange = engine.state.arena[o + A_ORANGE_SCORE]!;
      const [us, them] = mine === 0 ? [blue, orange] : [orange, blue];
      goalsFor += us;
      goalsAgainst += them;
      mostGoals = Math.max(mostGoals, us + them);
      outcome[us > them ? "wins" : us < them ? "losses" : "draws"]++;
    }
    expect(result).toMatchObject({ games, ...outcome, goalsFor, goalsAgainst });
    // Goals are counted, not just the first: play goes on after a goal.
    expect(mostGoals).toBeGreaterThan(1);
    expect(result.ownGoals).toBe(0);
    policy.actor.dispose();
  });

  it("plays every bot the same number of games on the same seeds, and ranks by the worst", async () => {
    const { runtime, policy } = await idleNetwork();
    const options = {
      env: "car-soccer-1v1",
      obsBuilder: new DefaultObs(),
      tickSkip: 8,
      games: 4,
      seed: 7,
      seconds: 15,
    };
    const all = evaluateVsBots(runtime, policy, { ...options, bots: LEAGUE_BOTS });
    expect(Object.keys(all).sort()).toEqual([...LEAGUE_BOTS].sort());
    expect(LEAGUE_BOTS).toEqual([
      "ball-chaser",
      "defender",
      "shadow",
      "boost-collector",
      "forward",
      "random",
    ]);
    for (const bot of LEAGUE_BOTS) {
      const r = all[bot]!;
      expect(r.games).toBe(4);
      expect(r.wins + r.draws + r.losses).toBe(4);
      // Stepped together or alone, a bot's games are the same games.
      expect(evaluateVsBot(runtime, policy, { ...options, bot })).toEqual(r);
    }
    const total = combineResults(Object.values(all));
    expect(total.games).toBe(24);
    expect(total.wins).toBe(LEAGUE_BOTS.reduce((s, b) => s + all[b]!.wins, 0));
    const [worst, mean] = rankResults(all, "worst");
    expect(worst).toBe(Math.min(...LEAGUE_BOTS.map((b) => all[b]!.winRate)));
    expect(mean).toBeCloseTo(total.winRate, 12);
    expect(rankResults(all, "mean")[0]).toBeCloseTo(total.winRate, 12);
    policy.actor.dispose();
  });

  it("plays 2v2 games against a bot team: the policy drives both cars of its side", async () => {
    const { runtime, policy } = await idleNetwork(2);
    const obsBuilder = new DefaultObs();
    const options = { env: "car-soccer-2v2", obsBuilder, tickSkip: 8, games: 2, seed: 3, seconds: 20 };
    const results = evaluateVsBots(runtime, policy, { ...options, bots: ["ball-chaser", "idle"] });
    for (const bot of ["ball-chaser", "idle"]) {
      const r = results[bot]!;
      expect(r.wins + r.draws + r.losses).toBe(2);
      // Idle against idle: nobody moves, nobody scores, nobody touches the ball.
      if (bot === "idle") expect(r).toMatchObject({ draws: 2, goalsFor: 0, goalsAgainst: 0, touches: 0 });
    }
    // The idle policy keeps both its cars' spawn boost; the chasing team spends and collects.
    expect(results["ball-chaser"]!.meanBoost.policy).toBeCloseTo(carSoccerConstants.BOOST_SPAWN_AMOUNT, 1);
    expect(results["ball-chaser"]!.meanBoost.bot).not.toBeCloseTo(carSoccerConstants.BOOST_SPAWN_AMOUNT, 0);
    policy.actor.dispose();
  });

  it("ranks the worst match-up first under `worst`, the mean under `mean`", () => {
    const r = (wins: number, losses = 0): VsBotResult => ({
      games: 10,
      wins,
      draws: 10 - wins - losses,
      losses,
      goalsFor: wins,
      goalsAgainst: losses,
      winRate: wins / 10,
      touches: 0,
      gamesWithTouch: 0,
      meanWinSeconds: null,
      meanLossSeconds: null,
      opponentOwnGoals: 0,
      ownGoals: 0,
      meanBoost: { policy: 0, bot: 0 },
    });
    const balanced = { a: r(5), b: r(5) };
    const lopsided = { a: r(10), b: r(2) };
    expect(ranksAbove(rankResults(balanced, "worst"), rankResults(lopsided, "worst"))).toBe(true);
    expect(ranksAbove(rankResults(lopsided, "mean"), rankResults(balanced, "mean"))).toBe(true);
    // Equal ranks: the earlier stays best.
    expect(ranksAbove(rankResults(balanced, "worst"), rankResults(balanced, "worst"))).toBe(false);
  });
});

// A network whose argmax is always the lookup row of all-zero controls plays as the idle bot does,
// so its games against the ball-chaser can be replayed by hand: idle against the chaser.
describe("evaluateVsBot", () => {
  it("under the first-goal rule, counts results and the mean length of won and lost games as played", async () => {
    const runtime = await selectBackend({ prefer: ["wasm", "cpu"] });
    const { tf } = runtime;
    const obsBuilder = new DefaultObs();
    const env = getEnvSpec("car-soccer-1v1");
    const size = obsBuilder.size(1);
    const table = makeLookupTable();
    const still = table.findIndex((row) => row.every((v) => v === 0));
    expect(still).toBeGreaterThanOrEqual(0);
    const actor = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [size], units: table.length, kernelInitializer: "zeros" })],
    });
    const bias = new Float32Array(table.length);
    bias[still] = 1;
    actor.layers[0]!.setWeights([tf.zeros([size, table.length]), tf.tensor1d(bias)]);
    const games = 6;
    const seed = 54;
    const setter = () => makeStateSetter({ "kickoff-jitter": 1 });
    const result = evaluateVsBot(
      runtime,
      { actor, observationStats: null },
      {
        env: "car-soccer-1v1",
        obsBuilder,
        tickSkip: 8,
        bot: "ball-chaser",
        games,
        seed,
        rules: "first-goal",
        stateSetter: setter(),
      },
    );

    // By hand: game g, the idle car blue when g is even, the chaser the other car.
    const engine = new CarSoccerEngine(games, { spec: env, tickSkip: 8, obsBuilder, stateSetter: setter() });
    const idle = createCarSoccerBot("idle");
    const chasers = Array.from({ length: games }, (_, g) => createCarSoccerBot("ball-chaser", seed + g));
    const controls = new Float32Array(8);
    const expected = { wins: 0, draws: 0, losses: 0, win: 0, loss: 0, gifts: 0, ownGoals: 0 };
    const boost = { idle: 0, chaser: 0, decisions: 0 };
    for (let g = 0; g < games; g++) {
      engine.resetArena(g, seed + g, 0);
      const mine = g % 2;
      do {
        boost.idle += engine.state.cars[engine.state.carOffset(g, mine) + C_BOOST]!;
        boost.chaser += engine.state.cars[engine.state.carOffset(g, 1 - mine) + C_BOOST]!;
        boost.decisions++;
        idle.act(engine.state, g, mine, controls);
        engine.state.controls.set(controls, (g * 2 + mine) * 8);
        chasers[g]!.act(engine.state, g, 1 - mine, controls);
        engine.state.controls.set(controls, (g * 2 + 1 - mine) * 8);
      } while (engine.stepArena(g) === NOT_DONE);
      const o = g * ARENA_FIELDS;
      const [us, them] =
        mine === 0
          ? [engine.state.arena[o + A_BLUE_SCORE]!, engine.state.arena[o + A_ORANGE_SCORE]!]
          : [engine.state.arena[o + A_ORANGE_SCORE]!, engine.state.arena[o + A_BLUE_SCORE]!];
      const seconds = (engine.state.arena[o + A_STEPS]! * 8) / carSoccerConstants.TICK_RATE;
      const lastTouch = engine.state.arena[o + A_LAST_TOUCH_CAR]!;
      if (us > them) {
        expected.wins++;
        expected.win += seconds;
        if (lastTouch === 1 - mine) expected.gifts++;
      } else if (us < them) {
        expected.losses++;
        expected.loss += seconds;
        if (lastTouch === mine) expected.ownGoals++;
      } else expected.draws++;
    }
    expect(result).toMatchObject({
      games,
      wins: expected.wins,
      draws: expected.draws,
      losses: expected.losses,
      opponentOwnGoals: expected.gifts,
      ownGoals: expected.ownGoals,
    });
    // An idle car scores only off the chaser: every win (there are some in these games) is its own goal.
    expect(result.wins).toBeGreaterThan(0);
    expect(result.opponentOwnGoals).toBe(result.wins);
    expect(result.meanBoost.policy).toBeCloseTo(boost.idle / boost.decisions, 1);
    expect(result.meanBoost.bot).toBeCloseTo(boost.chaser / boost.decisions, 1);
    // The idle car keeps its spawn boost throughout; the chaser's changes as it boosts and collects.
    expect(result.meanBoost.policy).toBeCloseTo(carSoccerConstants.BOOST_SPAWN_AMOUNT, 1);
    expect(result.meanBoost.bot).not.toBeCloseTo(carSoccerConstants.BOOST_SPAWN_AMOUNT, 0);
    // The chaser scores on an idle car, and not at once.
    expect(expected.losses).toBeGreaterThan(0);
    expect(result.meanLossSeconds).toBeCloseTo(expected.loss / expected.losses, 1);
    expect(result.meanLossSeconds).toBeGreaterThan(2);
    if (expected.wins === 0) expect(result.meanWinSeconds).toBeNull();
    else expect(result.meanWinSeconds).toBeCloseTo(expected.win / expected.wins, 1);
    actor.dispose();
  });
});
