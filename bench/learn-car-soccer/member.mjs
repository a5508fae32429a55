#!/usr/bin/env node
// One member of a learn-car-soccer campaign (campaign.mjs): trains a run config (run-*.json) from
// scratch with one seed for a time budget, then tests the weights validation kept (else the last)
// against every built-in bot in league-rule games (300 s, goals counted, jittered kickoffs, sides
// alternating) on seeds no training or validation game used, and measures the reward's EPIC
// distance to the sparse goal reward. The last line of stdout is one JSON object.
// Options: --run FILE (required), --seed S (required), --out DIR (required), --minutes M
// (training budget, required), --games N (test games per bot, default 100), --env ENV (override
// the run config's env, e.g. car-soccer-2v2), --steps N (step budget, default 1e9: the clock
// decides), --test-seconds S (test game length, default 300: league games).
import { readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  analyseCarSoccerReward,
  createCarSoccerBot,
  evaluateVsBots,
  LEAGUE_BOTS,
  loadPolicy,
  loadTf,
  parseCarSoccerTrainConfig,
  trainCarSoccer,
} from "@league/agents";
import { carSoccerParts } from "@league/envs";

/** Seeds of a member's games: validation and test apart from each other and from other seeds'. */
export const validationSeed = (seed) => 2_000_000 + 1000 * seed;
export const testSeed = (seed) => 1_000_000 + 1000 * seed;

/** A run config file as the trainer takes it (a `$comment` key is documentation, not config). */
export async function readRunConfig(file) {
  const { $comment: _, ...run } = JSON.parse(await readFile(file, "utf8"));
  return run;
}

/** The run config of one member: its seed, folder and budgets, validation on its own seeds. */
export function memberConfig(run, { seed, out, minutes, steps, env }) {
  return parseCarSoccerTrainConfig(
    {
      ...run,
      ...(env ? { env } : {}),
      out,
      seed,
      totalSteps: steps,
      maxSeconds: minutes * 60,
      ...(run.evaluation ? { evaluation: { ...run.evaluation, seed: validationSeed(seed) } } : {}),
    },
    "run config",
  );
}

async function main() {
  const { values } = parseArgs({
    options: {
      run: { type: "string" },
      seed: { type: "string" },
      out: { type: "string" },
      minutes: { type: "string" },
      games: { type: "string", default: "100" },
      env: { type: "string" },
      steps: { type: "string", default: "1000000000" },
      "test-seconds": { type: "string", default: "300" },
    },
  });
  for (const name of ["run", "seed", "out", "minutes"])
    if (values[name] === undefined) {
      console.error(`member: --${name} is required`);
      process.exit(2);
    }
  const seed = Number(values.seed);
  const minutes = Number(values.minutes);
  const games = Number(values.games);
  const steps = Number(values.steps);
  const testSeconds = Number(values["test-seconds"]);
  if (!Number.isInteger(seed) || !(minutes > 0) || !(Number.isInteger(games) && games >= 1) || !(steps > 0)) {
    console.error("member: --seed must be an integer, --minutes > 0, --games and --steps positive integers");
    process.exit(2);
  }
  const run = await readRunConfig(values.run);
  const config = memberConfig(run, {
    seed,
    out: path.join(values.out, "run"),
    minutes,
    steps,
    env: values.env,
  });
  const runtime = await loadTf();
  const started = performance.now();
  const result = await trainCarSoccer(runtime, config);
  const trainSeconds = (performance.now() - started) / 1000;

  // The test: the weights validation chose (the last when there was no validation).
  const tested = result.best ? await loadPolicy(runtime, result.best.checkpoint) : result.state;
  const { obsBuilder } = carSoccerParts(config.observationBuilder, config.actionParser);
  const testStarted = performance.now();
  const test = evaluateVsBots(runtime, tested, {
    env: config.env,
    obsBuilder,
    tickSkip: config.tickSkip,
    bots: LEAGUE_BOTS,
    games,
    seed: testSeed(seed),
    seconds: testSeconds,
  });
  const testSeconds_ = (performance.now() - testStarted) / 1000;
  // EPIC (and STARC) of the run's reward to goals, on transitions of scripted play seeded by the member.
  const analysis = analyseCarSoccerReward({
    envId: config.env,
    spec: config.reward,
    blue: createCarSoccerBot("ball-chaser", seed),
    orange: createCarSoccerBot("defender", seed),
    seed,
  });
  const report = {
    benchmark: "learn-car-soccer",
    mode: "campaign-member",
    run: path.basename(values.run),
    env: config.env,
    seed,
    globalStep: result.state.globalStep,
    trainMinutes: Number((trainSeconds / 60).toFixed(1)),
    trainingStepsPerSecond: Math.round(result.state.globalStep / trainSeconds),
    testMinutes: Number((testSeconds_ / 60).toFixed(1)),
    tested: result.best ? "best" : "last",
    best: result.best
      ? {
          globalStep: result.best.globalStep,
          elapsedSeconds: result.best.elapsedSeconds,
          rank: result.best.rank ?? null,
        }
      : null,
    stageChanges: result.stageChanges.map((c) => ({ to: c.toName, atStep: c.globalStep })),
    test: Object.fromEntries(
      LEAGUE_BOTS.map((bot) => {
        const r = test[bot];
        return [
          bot,
          {
            wins: r.wins,
            draws: r.draws,
            losses: r.losses,
            goalsFor: r.goalsFor,
            goalsAgainst: r.goalsAgainst,
          },
        ];
      }),
    ),
    testGames: { games, seed: testSeed(seed), seconds: testSeconds, rules: "league", kickoffs: "jittered" },
    rewardDistance: { epic: analysis.distanceToGoals.epic, starc: analysis.distanceToGoals.starc },
    checkpoint: result.best?.checkpoint ?? result.checkpoint,
    machine: { cpus: os.cpus().length, node: process.version, backend: runtime.backend },
  };
  await writeFile(path.join(values.out, "member.json"), `${JSON.stringify(report, null, 2)}\n`);
  console.log(JSON.stringify(report));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
