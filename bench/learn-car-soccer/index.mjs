#!/usr/bin/env node
// bench/learn-car-soccer: trains a car-soccer agent (1v1 unless --env) from scratch by curriculum
// self-play for a fixed step budget, then plays it (greedy, as the league does) against the
// scripted ball-chaser over seeded games with the league's rules (300 s games, goals counted,
// sides alternating; --rules first-goal ends a game at its first goal, the old rule). Reports training
// steps/s per tfjs backend present and the win rate. The target: >= 60% within 30 CPU minutes.
// Test games start from jittered kickoffs (spawns up to 100 uu and ~6° off): exact kickoffs against
// the deterministic bot replay about five games, however many seeds. During training the learner
// plays validation games every --eval-every iterations on other seeds (2,000,000 + seed onward;
// the test's are 1,000,000 + seed onward) and the best is kept; both it and the last weights are
// tested, and the result reported is the best's (the time its validation took is in trainSeconds).
// Progress goes to stderr; the last line of stdout is one JSON object. Needs the built packages.
// Modes instead of a learning run: --profile (profile.mjs: where a training iteration's time goes),
// --campaign krc-vs-sum --seeds N --minutes M [--games N] [--parallel P] [--results FILE]
// (campaign.mjs: run-krc.json and run-sum.json from N seeds each, every member tested against
// every built-in bot, a table appended to RESULTS.md).
// Options: --env car-soccer-1v1|2v2|3v3 (2v2: the learner drives the blue team, its teammate
//          included, against a bot team or its own snapshots), --rules league|first-goal,
//          --eval-seconds S (validation game length, default 60: goals counted, as league games),
//          --steps N (default 2500000), --games N (default 100), --envs N (default 32),
//          --seed S (default 1), --out DIR (default a temporary folder), --backends (also time cpu),
//          --lr (Adam step, default 0.002), --anneal-lr (linearly to 0 over --steps or --minutes,
//          whichever runs out first),
//          --ent (entropy bonus, default 0.001), --gamma (default 0.99), --hidden (default 64,64),
//          --num-steps (rollout length per arena, default 128), --epochs (default 4),
//          --minibatches (default 4), --obs default|advanced (default default),
//          --reward FILE (a reward spec as JSON, default DEFAULT_CAR_SOCCER_REWARD; reward.json here
//          is the bench's own), --latest-share (games against the latest self, default 0.4),
//          --scripted-share (games against the ball-chaser on top of its PFSP share, default 0),
//          --setters (first stage's state setters, default kickoff:3,random:1),
//          --episode-seconds (default 30), --no-touch-seconds (0: off, default 10),
//          --rollout-workers N (worker threads stepping slices of the arenas beside the main
//          thread, default 0: all on the main thread; the same seed trains the same agent),
//          --eval-every N (validation every N iterations, 0: none; default 10), --eval-games N
//          (validation games, default 50), --minutes M (stop training after M minutes even if
//          --steps is not reached), --checkpoint DIR (skip training: only play that
//          checkpoint's games), --population N (N members with seeds S, S+1, … trained at once,
//          one process each so every core works; the member with the best validation result is
//          the one reported, every member's test is listed; default 1), --truncation bootstrap|end
//          (a truncated training episode is bootstrapped from the critic's value of where it was
//          cut off, or ends the return as in CleanRL; default end, the original bench's: in
//          the measured pairs bootstrapping did not train better agents here),
//          --rnd COEF (instead of a learning run: train without and with random network
//          distillation at rndCoef COEF for --minutes each, default 10, and report the learner's
//          touches per episode and field coverage over --rnd-episodes sampled episodes,
//          default 20; exploration.mjs).
// The defaults are the original bench's; the command of the shipped checkpoint is in
// server/builtins/README.md.
import { spawn } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  DEFAULT_CAR_SOCCER_REWARD,
  evaluateVsBot,
  loadPolicy,
  loadTf,
  makeStateSetter,
  parseCarSoccerTrainConfig,
  selectBackend,
  trainCarSoccer,
} from "@league/agents";
import { carSoccerParts } from "@league/envs";

const { values } = parseArgs({
  options: {
    steps: { type: "string", default: "2500000" },
    games: { type: "string", default: "100" },
    envs: { type: "string", default: "32" },
    seed: { type: "string", default: "1" },
    out: { type: "string" },
    backends: { type: "boolean", default: false },
    checkpoint: { type: "string" },
    lr: { type: "string", default: "0.002" },
    ent: { type: "string", default: "0.001" },
    obs: { type: "string", default: "default" },
    reward: { type: "string" },
    gamma: { type: "string", default: "0.99" },
    hidden: { type: "string", default: "64,64" },
    "num-steps": { type: "string", default: "128" },
    epochs: { type: "string", default: "4" },
    minibatches: { type: "string", default: "4" },
    "latest-share": { type: "string", default: "0.4" },
    "scripted-share": { type: "string", default: "0" },
    "episode-seconds": { type: "string", default: "30" },
    "no-touch-seconds": { type: "string", default: "10" },
    setters: { type: "string", default: "kickoff:3,random:1" },
    "anneal-lr": { type: "boolean", default: false },
    "rollout-workers": { type: "string", default: "0" },
    "eval-every": { type: "string", default: "10" },
    "eval-games": { type: "string", default: "50" },
    minutes: { type: "string" },
    population: { type: "string", default: "1" },
    truncation: { type: "string", default: "end" },
    profile: { type: "boolean", default: false },
    env: { type: "string", default: "car-soccer-1v1" },
    rules: { type: "string", default: "league" },
    "eval-seconds": { type: "string", default: "60" },
    campaign: { type: "string" },
    seeds: { type: "string", default: "5" },
    parallel: { type: "string", default: String(os.cpus().length) },
    results: { type: "string" },
    rnd: { type: "string" },
    "rnd-episodes": { type: "string", default: "20" },
    "profile-steps": { type: "string", default: "98304" },
    "profile-env-steps": { type: "string", default: "200000" },
    "profile-rounds": { type: "string", default: "3" },
  },
});
const int = (name) => {
  const v = Number(values[name]);
  if (!(Number.isInteger(v) && v > 0)) {
    console.error(`--${name} must be a positive integer, got ${values[name]}`);
    process.exit(2);
  }
  return v;
};
const num = (name, ok) => {
  const v = Number(values[name]);
  if (!ok(v)) {
    console.error(`--${name}: bad value ${values[name]}`);
    process.exit(2);
  }
  return v;
};
const steps = int("steps");
const games = int("games");
const numEnvs = int("envs");
const seed = Number(values.seed);
const learningRate = num("lr", (v) => v > 0);
const entCoef = num("ent", (v) => v >= 0);
const gamma = num("gamma", (v) => v > 0 && v <= 1);
const hidden = values.hidden.split(",").map(Number);
if (!hidden.every((h) => Number.isInteger(h) && h > 0)) {
  console.error(`--hidden must be sizes like 64,64, got ${values.hidden}`);
  process.exit(2);
}
const numSteps = int("num-steps");
const updateEpochs = int("epochs");
const numMinibatches = int("minibatches");
const latestShare = num("latest-share", (v) => v >= 0 && v <= 1);
const scriptedShare = num("scripted-share", (v) => v >= 0 && v + latestShare <= 1);
const episodeSeconds = num("episode-seconds", (v) => v > 0 && v <= 300);
const noTouchSeconds = num("no-touch-seconds", (v) => v >= 0);
const rolloutWorkers = num("rollout-workers", (v) => Number.isInteger(v) && v >= 0 && v <= 64);
const evalEvery = num("eval-every", (v) => Number.isInteger(v) && v >= 0);
const minutes = values.minutes === undefined ? null : num("minutes", (v) => v > 0);
const evalGames = num("eval-games", (v) => Number.isInteger(v) && v >= 2 && v <= 1000);
if (!["bootstrap", "end"].includes(values.truncation)) {
  console.error(`--truncation must be bootstrap or end, got ${values.truncation}`);
  process.exit(2);
}
const observationBuilder = values.obs;
if (!["default", "advanced"].includes(observationBuilder)) {
  console.error(`--obs must be default or advanced, got ${observationBuilder}`);
  process.exit(2);
}
const setters = Object.fromEntries(
  values.setters.split(",").map((part) => {
    const [name, w] = part.split(":");
    return [name, Number(w ?? 1)];
  }),
);
const reward = values.reward ? JSON.parse(await readFile(values.reward, "utf8")) : DEFAULT_CAR_SOCCER_REWARD;
const env = values.env;
if (!/^car-soccer-[123]v[123]$/.test(env)) {
  console.error(`--env must be car-soccer-1v1, car-soccer-2v2 or car-soccer-3v3, got ${env}`);
  process.exit(2);
}
if (!["league", "first-goal"].includes(values.rules)) {
  console.error(`--rules must be league or first-goal, got ${values.rules}`);
  process.exit(2);
}
const rules = values.rules;

const out = values.out ?? (await mkdtemp(path.join(os.tmpdir(), "learn-car-soccer-")));
const log = (m) => process.stderr.write(`${m}\n`);

// --campaign NAME: run configs trained from --seeds fresh seeds each, tested against every bot (campaign.mjs).
if (values.campaign) {
  const { defaultCampaignOut, runCampaign } = await import("./campaign.mjs");
  if (minutes === null) {
    console.error("--campaign needs --minutes (each member's training budget)");
    process.exit(2);
  }
  const here = path.dirname(new URL(import.meta.url).pathname);
  const summary = await runCampaign({
    name: values.campaign,
    seeds: int("seeds"),
    firstSeed: seed,
    minutes,
    games,
    env: values.env === "car-soccer-1v1" ? undefined : values.env,
    parallel: int("parallel"),
    out: values.out ?? defaultCampaignOut(values.campaign),
    results: values.results ?? path.join(here, "RESULTS.md"),
    command: `npm run bench -- learn-car-soccer ${process.argv.slice(2).join(" ")}`,
    log,
  });
  console.log(JSON.stringify({ benchmark: "learn-car-soccer", mode: "campaign", ...summary }));
  process.exit(0);
}

// Curriculum: the --setters mix (league games start at kickoff) until the learner wins 55% of
// its last 200 games against the ball-chaser, then kickoffs only. The ball-chaser stays in the
// pool throughout so PFSP keeps it in sight.
const config = (totalSteps, dir, backendSeed = seed) =>
  parseCarSoccerTrainConfig({
    env,
    out: dir,
    name: "learn-car-soccer",
    totalSteps,
    maxSeconds: minutes === null ? null : minutes * 60,
    numEnvs,
    seed: backendSeed,
    checkpointEvery: 20,
    rolloutWorkers,
    observationBuilder,
    episodeSeconds,
    noTouchSeconds: noTouchSeconds > 0 ? noTouchSeconds : null,
    reward,
    ...(evalEvery > 0
      ? {
          evaluation: {
            every: evalEvery,
            games: evalGames,
            bot: "ball-chaser",
            rules,
            seconds: num("eval-seconds", (v) => v > 0 && v <= 300),
            seed: 2_000_000 + backendSeed,
            stateSetter: { "kickoff-jitter": 1 },
          },
        }
      : {}),
    ppo: {
      numSteps,
      hidden,
      learningRate,
      annealLr: values["anneal-lr"],
      entCoef,
      gamma,
      numMinibatches,
      updateEpochs,
      bootstrapTruncated: values.truncation === "bootstrap",
    },
    selfplay: {
      latestShare,
      scriptedShare,
      weighting: "hard",
      power: 2,
      snapshotEvery: 10,
      maxSnapshots: 6,
      scripted: ["ball-chaser"],
      window: 200,
    },
    curriculum: [
      {
        name: "kickoffs and varied states",
        stateSetter: setters,
        advanceWhen: { winRate: 0.55, games: 200, opponent: "bot:ball-chaser" },
      },
      { name: "kickoff game", stateSetter: { kickoff: 1 } },
    ],
  });

// --rnd COEF: exploration without and with RND (exploration.mjs), instead of a learning run.
if (values.rnd !== undefined) {
  const { compareExploration } = await import("./exploration.mjs");
  const rndCoef = num("rnd", (v) => v > 0);
  const budget = minutes ?? 10;
  const runtime = await loadTf();
  const base = config(steps, out);
  const result = await compareExploration({
    runtime,
    config: { ...base, maxSeconds: budget * 60 },
    rndCoef,
    episodes: int("rnd-episodes"),
    out,
    log,
  });
  console.log(
    JSON.stringify({
      benchmark: "learn-car-soccer",
      mode: "rnd",
      ...result,
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        node: process.version,
        backend: runtime.backend,
      },
      parameters: {
        rndCoef,
        minutes: budget,
        steps,
        numEnvs,
        seed,
        observationBuilder,
        episodeSeconds,
        setters,
      },
    }),
  );
  process.exit(0);
}

// --profile: where a training iteration's time goes (profile.mjs), instead of a learning run.
if (values.profile) {
  const { profileTraining, rewardShare } = await import("./profile.mjs");
  const passOn = process.argv.slice(2).filter((arg, i, all) => {
    const flag = (name) => arg === `--${name}` || all[i - 1] === `--${name}` || arg.startsWith(`--${name}=`);
    return (
      arg !== "--profile" &&
      !["profile-steps", "profile-env-steps", "profile-rounds", "steps", "out", "population"].some(flag)
    );
  });
  const envSteps = int("profile-env-steps");
  const rounds = int("profile-rounds");
  const vectorisedStep = [
    await rewardShare({ env: "car-soccer-1v1", numEnvs, spec: reward, steps: envSteps, rounds }),
    await rewardShare({ env: "car-soccer-2v2", numEnvs, spec: reward, steps: envSteps, rounds }),
  ];
  const training = await profileTraining({
    script: process.argv[1],
    passOn,
    steps: int("profile-steps"),
    log,
  });
  console.log(
    JSON.stringify({
      benchmark: "learn-car-soccer",
      mode: "profile",
      vectorisedStep,
      training,
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        node: process.version,
        loadAverage: os.loadavg(),
      },
      parameters: { numEnvs, reward: values.reward ?? "DEFAULT_CAR_SOCCER_REWARD", envSteps, rounds, passOn },
    }),
  );
  process.exit(0);
}

const population = int("population");
if (population > 1 && !values.checkpoint) {
  // Population: each member is this bench with its own seed and folder, in its own process.
  const passOn = process.argv.slice(2).filter((arg, i, all) => {
    const flag = (name) => arg === `--${name}` || all[i - 1] === `--${name}` || arg.startsWith(`--${name}=`);
    return !flag("population") && !flag("seed") && !flag("out");
  });
  const member = (i) =>
    new Promise((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [process.argv[1], ...passOn, "--seed", String(seed + i), "--out", path.join(out, `member-${i}`)],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      let stdout = "";
      child.stdout.on("data", (d) => {
        stdout += d;
      });
      let partial = "";
      child.stderr.on("data", (d) => {
        const lines = (partial + d).split(/\r|\n/);
        partial = lines.pop() ?? "";
        for (const line of lines) if (line.trim()) log(`[member ${i}] ${line}`);
      });
      child.on("error", reject);
      child.on("close", (code) => {
        const last = stdout.trim().split("\n").at(-1);
        if (code !== 0 || !last) reject(new Error(`member ${i} (seed ${seed + i}) exited with ${code}`));
        else resolve(JSON.parse(last));
      });
    });
  const members = await Promise.all(Array.from({ length: population }, (_, i) => member(i)));
  // Chosen on validation only (win rate, then goal difference); the test never picks.
  const score = (m) => {
    const v = m.best?.validation;
    return v ? [v.winRate, v.goalsFor - v.goalsAgainst] : [-1, 0];
  };
  let chosen = 0;
  members.forEach((m, i) => {
    const [w, d] = score(m);
    const [bw, bd] = score(members[chosen]);
    if (w > bw || (w === bw && d > bd)) chosen = i;
  });
  const pick = members[chosen];
  console.log(
    JSON.stringify({
      benchmark: "learn-car-soccer",
      population,
      chosen,
      vsBallChaser: pick.vsBallChaser,
      vsBallChaserExactKickoffs: pick.vsBallChaserExactKickoffs,
      checkpoint: pick.best?.checkpoint ?? pick.last.checkpoint,
      members: members.map((m, i) => ({
        seed: seed + i,
        validation: m.best?.validation ?? null,
        bestAt: m.best ? { globalStep: m.best.globalStep, elapsedSeconds: m.best.elapsedSeconds } : null,
        vsBallChaser: m.vsBallChaser,
        vsBallChaserExactKickoffs: m.vsBallChaserExactKickoffs,
        globalStep: m.globalStep,
        trainSeconds: m.trainSeconds,
        trainingStepsPerSecond: m.trainingStepsPerSecond,
      })),
      machine: pick.machine,
      parameters: { ...pick.parameters, seed, population },
    }),
  );
  process.exit(0);
}

const runtime = await loadTf();
// The test: games on seeds no training or validation game used, from jittered kickoffs (the
// headline) and from the league's exact kickoffs (about five distinct games, for comparison).
const testGames = (policy, { env, obsBuilder, tickSkip }) => {
  const play = (setter) =>
    evaluateVsBot(runtime, policy, {
      env,
      obsBuilder,
      tickSkip,
      bot: "ball-chaser",
      games,
      seed: 1_000_000 + seed,
      rules,
      stateSetter: makeStateSetter({ [setter]: 1 }),
    });
  return { jittered: play("kickoff-jitter"), exact: play("kickoff") };
};
// --checkpoint DIR: no training, only the games of an existing checkpoint against the ball-chaser.
if (values.checkpoint) {
  const { actor, observationStats, manifest } = await loadPolicy(runtime, values.checkpoint);
  const obs = carSoccerParts(manifest.observationBuilder, manifest.actionParser).obsBuilder;
  const vs = testGames(
    { actor, observationStats },
    { env: manifest.env, obsBuilder: obs, tickSkip: manifest.tickSkip },
  );
  console.log(
    JSON.stringify({
      benchmark: "learn-car-soccer",
      checkpoint: values.checkpoint,
      globalStep: manifest.training.globalStep,
      vsBallChaser: vs.jittered,
      vsBallChaserExactKickoffs: vs.exact,
      machine: { cpus: os.cpus().length, node: process.version, backend: runtime.backend },
      parameters: { games, seed },
    }),
  );
  process.exit(0);
}
log(`tfjs backend: ${runtime.backend}; training ${steps} steps into ${out}`);
const started = performance.now();
const result = await trainCarSoccer(runtime, config(steps, path.join(out, "run")));
const trainSeconds = (performance.now() - started) / 1000;
const cpuSeconds = process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6;

log(`playing ${games} games against the ball-chaser…`);
const { obsBuilder } = carSoccerParts(observationBuilder, "lookup");
const evalStarted = performance.now();
const trained = { env, obsBuilder, tickSkip: 8 };
const last = testGames(result.state, trained);
const best = result.best ? await loadPolicy(runtime, result.best.checkpoint) : null;
const bestVs = best ? testGames(best, trained) : null;
const evalSeconds = (performance.now() - evalStarted) / 1000;

// Training steps/s of the other backends present, side by side on a short run.
const backendSps = { [runtime.backend]: Math.round(result.state.globalStep / trainSeconds) };
if (values.backends) {
  for (const name of ["wasm", "cpu"]) {
    if (name === runtime.backend) continue;
    const other = await selectBackend({ prefer: [name] }).catch(() => null);
    if (!other) continue;
    const short = numEnvs * 128 * 2;
    const t = performance.now();
    await trainCarSoccer(other, config(short, path.join(out, `sps-${name}`)), {
      stream: { write: () => true },
    });
    backendSps[name] = Math.round(short / ((performance.now() - t) / 1000));
  }
}

const stages = result.stageChanges.map((c) => ({ to: c.toName, atStep: c.globalStep, winRate: c.winRate }));
console.log(
  JSON.stringify({
    benchmark: "learn-car-soccer",
    // The weights kept by validation when there was any, else the last.
    vsBallChaser: (bestVs ?? last).jittered,
    vsBallChaserExactKickoffs: (bestVs ?? last).exact,
    reported: bestVs ? "best" : "last",
    best: result.best
      ? {
          checkpoint: result.best.checkpoint,
          globalStep: result.best.globalStep,
          elapsedSeconds: result.best.elapsedSeconds,
          validation: result.best.result,
          vsBallChaser: bestVs.jittered,
          vsBallChaserExactKickoffs: bestVs.exact,
        }
      : null,
    last: {
      checkpoint: result.checkpoint,
      vsBallChaser: last.jittered,
      vsBallChaserExactKickoffs: last.exact,
    },
    trainingStepsPerSecond: backendSps,
    trainSeconds: Number(trainSeconds.toFixed(1)),
    processCpuSeconds: Number(cpuSeconds.toFixed(1)),
    evalSeconds: Number(evalSeconds.toFixed(1)),
    globalStep: result.state.globalStep,
    stageChanges: stages,
    finalLearnerRating: result.pool.ratings().learner,
    checkpoint: result.checkpoint,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      node: process.version,
      backend: runtime.backend,
    },
    parameters: {
      steps,
      games,
      numEnvs,
      seed,
      learningRate,
      entCoef,
      annealLr: values["anneal-lr"],
      gamma,
      hidden,
      numSteps,
      updateEpochs,
      numMinibatches,
      rolloutWorkers,
      latestShare,
      scriptedShare,
      episodeSeconds,
      noTouchSeconds,
      setters,
      evalEvery,
      evalGames,
      minutes,
      reward: values.reward ?? "DEFAULT_CAR_SOCCER_REWARD",
      env,
      rules,
      tickSkip: 8,
      observationBuilder,
      actionParser: "lookup",
    },
  }),
);
