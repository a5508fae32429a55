#!/usr/bin/env node
// `league`: train, evaluate, play and submit agents from a terminal.
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  BanditEnv,
  getEnvSpec,
  makeDuplicateEnv,
  makeDuplicateVectorEnv,
  UnknownEnvError,
} from "@league/envs";
import { z } from "zod";
import { playDuplicate } from "../baselines/duplicate.js";
import { loadTf } from "../ppo/backend.js";
import { loadTrainerState, saveCheckpoint } from "../ppo/checkpoint.js";
import { type PpoMetrics, trainPpo } from "../ppo/ppo.js";
import { PpoSettings } from "../ppo/settings.js";
import { MetricsLog } from "../report/metrics-log.js";
import { ProgressLine } from "../report/progress.js";
import { lineChartSvg } from "../report/svg-chart.js";
import { parseCarSoccerTrainConfig, TrainConfigError } from "../selfplay/config.js";
import { trainCarSoccer } from "../selfplay/train.js";
import { builtinAgents, environmentOf, type ResolvedAgent, resolveAgent } from "./agents.js";
import { CONNECT_HELP, connectCommand } from "./connect.js";
import { LEAGUE_GAME_SECONDS, playLeagueGame } from "./league-game.js";
import { carPolicy, duplicateEntrant, playCarSoccerEpisode, UsageError } from "./players.js";

/** A league game's score in the first-goal episode's terms. */
function leagueScore(game: { blue: number; orange: number }): { blueGoals: number; orangeGoals: number } {
  return { blueGoals: game.blue, orangeGoals: game.orange };
}

import { REPLAY_HELP, replayCommand } from "./replay.js";
import { REWARD_HELP, rewardCommand } from "./reward.js";

const HELP: Record<string, string> = {
  league: `league — train, evaluate, play and submit Agent League agents

  league train <config.json> [--resume latest]   train a PPO agent (bandits; car soccer: self-play)
  league eval <agent> --vs <agent> [--games N] [--env ENV] [--seed S]
  league play <agent> [--vs <agent>] [--env ENV] [--seed S]   one game, the score as it goes
  league submit <checkpoint> --server URL --key KEY [--agent NAME] [--web URL]
  league connect <checkpoint> --server URL --key KEY  play a live match as a remote agent
  league reward analyse [<run>] [--spec spec.json]  what a reward rewards; distance to goals; hacking check
  league replay verify|show <file>                 check a downloaded match replay; its score and goals

An <agent> is a checkpoint folder (agent.json, model.json, weights), a trained agent shipped with
the league by name (ppo-selfplay, ppo-history), or a scripted one: a bandit baseline (ucb1,
thompson-bernoulli, …) or a car-soccer bot (ball-chaser, defender, random). The environment is the
checkpoint's (its agent.json); --env chooses it for scripted agents.
\`league <command> --help\` says more.`,
  train: `league train <config.json> [--resume latest]

Trains a PPO agent and writes checkpoints in the submission format to <out>/latest.
config.json: { "env": "bandit-lsd-10", "out": "runs/lsd", "name": "my-agent",
               "totalSteps": 200000, "numEnvs": 64, "seed": 1, "checkpointEvery": 10, "ppo": { … } }
Writes <out>/metrics.jsonl (CleanRL metric names) and <out>/summary.svg. totalSteps is the
whole run's: --resume latest goes on from the checkpoint (networks, statistics, Adam's moments)
until the run reaches it. "ppo": { "rndCoef": 0.5 } adds random network distillation's novelty
as an intrinsic reward (Burda et al. 2018; 0 = off).

Car soccer (curriculum self-play; every field but env, out and totalSteps has a default):
  { "env": "car-soccer-1v1", "out": "runs/cs", "totalSteps": 2000000, "maxSeconds": 1800, "numEnvs": 32,
    "tickSkip": 8, "observationBuilder": "default", "actionParser": "lookup",
    "episodeSeconds": 30, "noTouchSeconds": 10, "reward": <reward spec>, "ppo": { … },
    "selfplay": { "latestShare": 0.5, "weighting": "hard"|"variance"|"uniform", "power": 2,
                  "snapshotEvery": 10, "maxSnapshots": 8, "scripted": ["ball-chaser"], "window": 100 },
    "curriculum": [ { "name": "kickoff", "stateSetter": { "kickoff": 1 }, "reward": <spec>,
                      "advanceWhen": { "winRate": 0.6, "games": 100, "opponent": "bot:ball-chaser" } }, … ],
    "evaluation": { "every": 10, "games": 50, "bot": "ball-chaser", "seed": 2000000,
                    "stateSetter": { "kickoff-jitter": 1 } } }
The learner plays blue against opponents drawn from the pool (itself, past snapshots in
<out>/pool, scripted bots) by prioritised fictitious self-play; also writes <out>/ratings.svg.
State setters: kickoff, kickoff-jitter (spawns up to 100 uu and ~6° off), random, ball-in-air,
loose-ball (a slow ball on the floor among slow cars short of boost: the long game).
With "evaluation", every N iterations the learner plays greedy games against the bot; the best
so far is kept in <out>/best (with evaluation.json).`,
  eval: `league eval <agent> --vs <agent> [--games N] [--env ENV] [--seed S]

The environment is the checkpoints' (their agent.json), else --env (default: car-soccer-1v1 for
car-soccer bots, bandit-bernoulli-10 otherwise). Bandits and recommender: both play the same N seeded instances (duplicate play); prints returns,
regrets and the winner. Car soccer: N games under league rules (--seconds of game time, default
300, every goal counted, a kickoff after each), sides alternating; --rules first-goal ends each
game at its first goal or the time limit instead. Prints wins, draws, losses and goals.`,
  play: `league play <agent> [--vs <agent>] [--env ENV] [--seed S] [--seconds N]

Bandits and recommender: plays one seeded episode and prints its return and regret.
Car soccer: plays one game under league rules against --vs (default ball-chaser): N seconds of
game time (default 300), every goal counted, kickoff after each; prints each goal and the score
every 30 s as it goes, then the result.`,
  submit: `league submit <checkpoint> --server URL --key KEY [--agent NAME] [--web URL]

Uploads a checkpoint folder as a new version of agent NAME (default: the manifest's name) and
prints the agent's page on the web site: --web URL, else LEAGUE_WEB, else the server's host on
port 3000.`,
  reward: REWARD_HELP,
  replay: REPLAY_HELP,
  connect: CONNECT_HELP,
};

const TrainConfig = z.object({
  env: z.string(),
  out: z.string().min(1),
  name: z.string().min(1).max(64).default("ppo-agent"),
  totalSteps: z.number().int().positive(),
  numEnvs: z.number().int().min(1).max(65_536).default(64),
  seed: z.number().int().default(1),
  checkpointEvery: z.number().int().positive().default(10),
  ppo: PpoSettings,
});

function option(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" ? v : undefined;
}

function intOption(values: Record<string, unknown>, name: string, fallback: number): number {
  const raw = option(values, name);
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new UsageError(`--${name} must be an integer, got "${raw}"`);
  return Number(raw);
}

async function train(args: string[], values: Record<string, unknown>): Promise<void> {
  const [configPath] = args;
  if (!configPath) throw new UsageError("train needs a config file: league train <config.json>");
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(configPath, "utf8"));
  } catch (error) {
    throw new UsageError(`cannot read ${configPath}: ${(error as Error).message}`);
  }
  const result = TrainConfig.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new UsageError(`${configPath}: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  const config = result.data;
  if (config.env.startsWith("car-soccer-")) return trainCarSoccerCommand(configPath, parsed, values);
  const spec = (() => {
    try {
      return getEnvSpec(config.env);
    } catch (error) {
      throw new UsageError(`${configPath}: env: ${(error as Error).message}`);
    }
  })();
  const probe = spec.family === "bandit" ? makeDuplicateEnv(spec.id) : null;
  if (!(probe instanceof BanditEnv)) {
    throw new UsageError(
      `${configPath}: env: training is available for bandit environments; ${spec.id} is ${spec.family}`,
    );
  }
  const runtime = await loadTf();
  console.error(
    `tfjs backend: ${runtime.backend}${runtime.skipped.length ? ` (skipped ${runtime.skipped.map((s) => s.backend).join(", ")})` : ""}`,
  );
  const latest = path.join(config.out, "latest");
  const resume = option(values, "resume");
  if (resume !== undefined && resume !== "latest")
    throw new UsageError(`--resume takes "latest", got "${resume}"`);
  const initial = resume ? await loadTrainerState(runtime, latest) : undefined;
  if (initial) console.error(`resuming from ${latest} at step ${initial.globalStep}`);

  const env = makeDuplicateVectorEnv(spec.id, config.numEnvs);
  const log = new MetricsLog(path.join(config.out, "metrics.jsonl"));
  const startStep = initial?.globalStep ?? 0;
  if (startStep >= config.totalSteps)
    console.error(`${latest} already has ${startStep} of the run's ${config.totalSteps} steps`);
  const progress = new ProgressLine({
    label: `train ${config.name}`,
    total: config.totalSteps,
    start: startStep,
    unit: "steps",
  });
  const history: PpoMetrics[] = [];
  const agent = {
    name: config.name,
    env: spec.id,
    observationBuilder: "default",
    actionParser: "discrete",
    tickSkip: 1,
  };
  const ppoConfig = { ...config.ppo, seed: config.seed, totalSteps: config.totalSteps };
  const state = await trainPpo(runtime, env, ppoConfig, {
    initial,
    actionCount: probe.config.numArms,
    onIteration: async (metrics, current) => {
      history.push(metrics);
      await log.append({ ...metrics, backend: runtime.backend });
      progress.update(metrics.global_step, {
        return: metrics["charts/episodic_return"],
        SPS: metrics["charts/SPS"],
        kl: metrics["losses/approx_kl"],
      });
      if (metrics.iteration % config.checkpointEvery === 0)
        await saveCheckpoint(runtime, latest, current, agent);
    },
  });
  progress.finish(state.globalStep, { return: history.at(-1)?.["charts/episodic_return"] ?? null });
  await saveCheckpoint(runtime, latest, state, agent);
  const all = await MetricsLog.read(log.file);
  const series = (key: string) =>
    all
      .filter((m) => typeof m[key] === "number")
      .map((m) => [m.global_step as number, m[key] as number] as const);
  await writeFile(
    path.join(config.out, "summary.svg"),
    lineChartSvg([{ name: "episodic return", points: series("charts/episodic_return") }], {
      title: `${config.name} on ${spec.id}`,
      xLabel: "agent steps",
      yLabel: "episodic return",
    }),
  );
  console.log(`checkpoint: ${latest}\nmetrics: ${log.file}\nchart: ${path.join(config.out, "summary.svg")}`);
}

async function trainCarSoccerCommand(
  configPath: string,
  parsed: unknown,
  values: Record<string, unknown>,
): Promise<void> {
  let config: ReturnType<typeof parseCarSoccerTrainConfig>;
  try {
    config = parseCarSoccerTrainConfig(parsed, configPath);
    getEnvSpec(config.env);
  } catch (error) {
    if (error instanceof TrainConfigError || error instanceof UnknownEnvError)
      throw new UsageError(
        error instanceof UnknownEnvError ? `${configPath}: env: ${error.message}` : error.message,
      );
    throw error;
  }
  const resume = option(values, "resume");
  if (resume !== undefined && resume !== "latest")
    throw new UsageError(`--resume takes "latest", got "${resume}"`);
  const runtime = await loadTf();
  console.error(
    `tfjs backend: ${runtime.backend}${runtime.skipped.length ? ` (skipped ${runtime.skipped.map((s) => s.backend).join(", ")})` : ""}`,
  );
  const result = await trainCarSoccer(runtime, config, { resume: resume === "latest" });
  console.log(
    `checkpoint: ${result.checkpoint}\n${result.best ? `best: ${result.best.checkpoint} (win rate ${result.best.result.winRate} vs ${result.best.bot} at step ${result.best.globalStep})\n` : ""}metrics: ${result.metricsFile}\ncharts: ${result.charts.join(", ")}`,
  );
}

/** The agents a command names, resolved, and the environment they play. */
function agentsAndEnv(specs: string[], values: Record<string, unknown>) {
  const builtins = builtinAgents();
  const agents = specs.map((spec) => resolveAgent(spec, builtins));
  const envId = environmentOf(agents, option(values, "env"), builtins);
  // Players take a folder or a scripted name.
  const player = (a: ResolvedAgent) => (a.kind === "checkpoint" ? a.dir : a.spec);
  const name = (a: ResolvedAgent) => (a.kind === "checkpoint" && a.dir !== a.spec ? a.spec : undefined);
  return { envId, players: agents.map(player), names: agents.map(name) };
}

async function evaluate(args: string[], values: Record<string, unknown>): Promise<void> {
  const [agent] = args;
  const opponent = option(values, "vs");
  if (!agent || !opponent) throw new UsageError("eval needs two agents: league eval <agent> --vs <agent>");
  const games = intOption(values, "games", 10);
  if (games < 1) throw new UsageError(`--games must be at least 1, got ${games}`);
  const seed = intOption(values, "seed", 1);
  const { envId, players } = agentsAndEnv([agent, opponent], values);
  const [mePlayer, themPlayer] = players as [string, string];
  const spec = getEnvSpec(envId);
  if (spec.family !== "car-soccer") {
    const seeds = Array.from({ length: games }, (_, i) => seed + i);
    const result = playDuplicate({
      env: envId,
      policies: [await duplicateEntrant(mePlayer, envId), await duplicateEntrant(themPlayer, envId)],
      seeds,
    });
    for (const e of result.entries) {
      console.log(
        `${e.name.padEnd(24)} return ${e.meanReturn.toFixed(2)} ± ${e.stdErrReturn.toFixed(2)}   regret ${e.meanRegret.toFixed(2)}   rank ${e.rank}`,
      );
    }
    return;
  }
  // League rules by default (the ladder's: a fixed length, every goal counted); first-goal on asking.
  const rules = (values.rules as string | undefined) ?? "league";
  if (rules !== "league" && rules !== "first-goal")
    throw new UsageError(`--rules must be league or first-goal, got ${JSON.stringify(rules)}`);
  const seconds = intOption(values, "seconds", LEAGUE_GAME_SECONDS);
  if (seconds < 1) throw new UsageError(`--seconds must be at least 1, got ${seconds}`);
  let wins = 0;
  let draws = 0;
  let goalsFor = 0;
  let goalsAgainst = 0;
  const progress = new ProgressLine({ label: "eval", total: games, unit: "games", everyMs: 5000 });
  for (let g = 0; g < games; g++) {
    const a = await carPolicy(mePlayer, envId, seed + g);
    const b = await carPolicy(themPlayer, envId, seed + g + 1_000_003);
    // Sides alternate, so neither agent keeps a side's advantage.
    const agentIsBlue = g % 2 === 0;
    const [blue, orange] = agentIsBlue ? [a, b] : [b, a];
    const { blueGoals, orangeGoals } =
      rules === "league"
        ? leagueScore(playLeagueGame(envId, blue, orange, { seed: seed + g, seconds }))
        : playCarSoccerEpisode(envId, blue, orange, seed + g);
    const [mine, theirs] = agentIsBlue ? [blueGoals, orangeGoals] : [orangeGoals, blueGoals];
    goalsFor += mine;
    goalsAgainst += theirs;
    if (mine > theirs) wins++;
    else if (mine === theirs) draws++;
    progress.update(g + 1, { wins, draws });
  }
  progress.finish(games, { wins, draws });
  console.log(
    `${agent} vs ${opponent} on ${envId}: ${wins} wins, ${draws} draws, ${games - wins - draws} losses in ${games} games; goals ${goalsFor}–${goalsAgainst}; win rate ${((100 * wins) / games).toFixed(1)}%`,
  );
}

const clock = (second: number) =>
  `${Math.floor(second / 60)}:${Math.floor(second % 60)
    .toString()
    .padStart(2, "0")}`;

async function play(args: string[], values: Record<string, unknown>): Promise<void> {
  const [agent] = args;
  if (!agent) throw new UsageError("play needs an agent: league play <agent> [--vs <agent>] [--env ENV]");
  const seed = intOption(values, "seed", 1);
  const vs = option(values, "vs");
  const specs = vs === undefined ? [agent] : [agent, vs];
  const { envId, players, names } = agentsAndEnv(specs, values);
  const spec = getEnvSpec(envId);
  if (spec.family === "car-soccer") {
    const seconds = intOption(values, "seconds", LEAGUE_GAME_SECONDS);
    if (seconds < 1) throw new UsageError(`--seconds must be at least 1, got ${seconds}`);
    const mePolicy = await carPolicy(players[0]!, envId, seed);
    // The opponent is the ball-chaser unless --vs names one (the env's bots are in the error).
    const opponentPolicy = await carPolicy(players[1] ?? "ball-chaser", envId, seed + 1);
    // A shipped agent is called by its league name (its checkpoint may carry another).
    const me = { name: names[0] ?? mePolicy.name };
    const opponent = { name: names[1] ?? opponentPolicy.name };
    console.log(`${me.name} (blue) vs ${opponent.name} (orange) on ${envId}: ${seconds} s, seed ${seed}`);
    let shown = 0;
    const result = playLeagueGame(envId, mePolicy, opponentPolicy, {
      seed,
      seconds,
      onGoal: (goal) =>
        console.log(
          `${clock(goal.second)}  goal ${goal.team} (${goal.team === "blue" ? me.name : opponent.name})  blue ${goal.blue} – ${goal.orange} orange`,
        ),
      onStep: (engine, second, score) => {
        if (second < shown + 30) return;
        shown += 30;
        const b = engine.state.ball;
        console.log(
          `${clock(second)}  blue ${score.blue} – ${score.orange} orange  ball (${b[0]!.toFixed(0)}, ${b[1]!.toFixed(0)}, ${b[2]!.toFixed(0)})`,
        );
      },
    });
    const outcome =
      result.blue === result.orange
        ? "draw"
        : `${result.blue > result.orange ? me.name : opponent.name} wins`;
    console.log(
      `${me.name} (blue) ${result.blue} – ${result.orange} ${opponent.name} (orange) after ${result.seconds} s: ${outcome}`,
    );
    return;
  }
  const result = playDuplicate({
    env: envId,
    policies: [await duplicateEntrant(players[0]!, envId)],
    seeds: [seed],
  });
  const e = result.entries[0]!;
  console.log(
    `${e.name} on ${envId} (seed ${seed}): return ${e.meanReturn.toFixed(2)}, regret ${e.meanRegret.toFixed(2)} against the oracle's ${e.oracleReturns[0]!.toFixed(2)}`,
  );
}

async function submit(args: string[], values: Record<string, unknown>): Promise<void> {
  const [dir] = args;
  const server = option(values, "server");
  const key = option(values, "key") ?? process.env.LEAGUE_KEY;
  if (!dir)
    throw new UsageError(
      "submit needs a checkpoint folder: league submit <checkpoint> --server URL --key KEY",
    );
  if (!server) throw new UsageError("submit needs --server URL (e.g. http://localhost:2567)");
  if (!key) throw new UsageError("submit needs --key KEY (or LEAGUE_KEY in the environment)");
  let manifest: { name?: string };
  try {
    manifest = JSON.parse(await readFile(path.join(dir, "agent.json"), "utf8"));
  } catch (error) {
    throw new UsageError(`${dir} is not a checkpoint folder: ${(error as Error).message}`);
  }
  const form = new FormData();
  form.set("agent", option(values, "agent") ?? manifest.name ?? path.basename(path.resolve(dir)));
  for (const name of await readdir(dir)) {
    // tfjs: agent.json, model.json, weights (.bin); ONNX: agent.json, model.onnx (probes.json is ignored).
    if (!/\.(json|bin|onnx)$/.test(name)) continue;
    form.append("files", new Blob([await readFile(path.join(dir, name))]), name);
  }
  let response: Response;
  try {
    response = await fetch(`${server.replace(/\/+$/, "")}/api/v1/submissions`, {
      method: "POST",
      body: form,
      headers: { authorization: `Bearer ${key}` },
    });
  } catch (error) {
    throw new Error(
      `cannot reach ${server}: ${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message}`,
    );
  }
  const body = (await response.json().catch(() => null)) as {
    error?: { code: string; message: string };
    version?: number;
    status?: string;
    agentId?: string;
  } | null;
  if (!response.ok)
    throw new Error(
      `the server refused the submission (${response.status} ${body?.error?.code ?? ""}): ${body?.error?.message ?? response.statusText}`,
    );
  const page = `${webUrl(server, option(values, "web") ?? process.env.LEAGUE_WEB)}/agents/${body?.agentId}`;
  console.log(
    `submitted version ${body?.version} (${body?.status}); it plays a validation match, then joins the ladder.\nagent page: ${page}`,
  );
}

/** The web site's address: given, or the server's host on the site's port (3000). */
function webUrl(server: string, given: string | undefined): string {
  if (given) return given.replace(/\/+$/, "");
  try {
    const url = new URL(server);
    url.port = "3000";
    return url.origin;
  } catch {
    throw new UsageError(`--server must be a URL (e.g. http://localhost:2567), got "${server}"`);
  }
}

const COMMANDS: Record<string, (args: string[], values: Record<string, unknown>) => Promise<void>> = {
  train,
  eval: evaluate,
  play,
  submit,
  reward: rewardCommand,
  replay: replayCommand,
  connect: connectCommand,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h" || command === "help") {
    console.log(HELP.league);
    return command ? 0 : 2;
  }
  const run = COMMANDS[command];
  if (!run)
    throw new UsageError(
      `unknown command "${command}"; commands: ${Object.keys(COMMANDS).join(", ")} (league --help)`,
    );
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        help: { type: "boolean", short: "h" },
        vs: { type: "string" },
        games: { type: "string" },
        env: { type: "string" },
        seed: { type: "string" },
        server: { type: "string" },
        key: { type: "string" },
        agent: { type: "string" },
        resume: { type: "string" },
        spec: { type: "string" },
        episodes: { type: "string" },
        seconds: { type: "string" },
        blue: { type: "string" },
        orange: { type: "string" },
        outcome: { type: "string" },
        novelty: { type: "string" },
        out: { type: "string" },
        version: { type: "string" },
        opponent: { type: "string" },
        side: { type: "string" },
        web: { type: "string" },
        rules: { type: "string" },
      },
    });
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message.split("\n")[0]}`);
  }
  if (parsed.values.help) {
    console.log(HELP[command]);
    return 0;
  }
  await run(parsed.positionals, parsed.values);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`league: ${error.message}`);
      process.exit(2);
    }
    console.error(`league: ${(error as Error).message}`);
    process.exit(1);
  },
);
