// Curriculum self-play PPO on car soccer, in the order it runs: start or resume the learner →
// build the pool and the self-play environment → PPO iterations (trainPpo) → after each:
// snapshot into the pool, retire unused snapshots, check the curriculum, log metrics and ratings,
// evaluate, checkpoint → the final evaluation, checkpoint and charts.
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { carSoccerParts, getEnvSpec, type ObsBuilder, Rng } from "@league/envs";
import type { TfRuntime } from "../ppo/backend.js";
import { loadPolicy, loadTrainerState, saveCheckpoint } from "../ppo/checkpoint.js";
import { type ActorCriticShape, buildActor, buildCritic } from "../ppo/network.js";
import { DEFAULT_PPO_CONFIG, type PpoConfig, type PpoMetrics, type PpoState, trainPpo } from "../ppo/ppo.js";
import { RunningMeanStd } from "../ppo/running-stats.js";
import { MetricsLog } from "../report/metrics-log.js";
import { ProgressLine } from "../report/progress.js";
import { lineChartSvg } from "../report/svg-chart.js";
import type { RunPoint } from "../rewards/analysis.js";
import { compileParsedReward } from "../rewards/car-soccer.js";
import type { CarSoccerTrainConfig, CurriculumStage } from "./config.js";
import { makeStateSetter } from "./config.js";
import { Curriculum, type StageChange } from "./curriculum.js";
import {
  combineResults,
  type EvaluationSelect,
  evaluateVsBots,
  rankResults,
  ranksAbove,
  type VsBotResult,
} from "./evaluate.js";
import { OpponentPool, type Skill } from "./pool.js";
import { type NetworkPolicy, type OpponentPolicy, SelfPlayVecEnv } from "./selfplay-env.js";

/** What the self-play trainer keeps beside the PPO state to resume: pool and curriculum. */
interface SelfPlayState {
  stage: number;
  stageStartGame: number;
  pastGames: number;
  learnerSkill: Skill;
  entries: { id: string; kind: string; results: number[]; games: number; skill: Skill }[];
  best?: BestEvaluation | null;
  trend?: RunPoint[];
}

/** At most this many trend points ride in a checkpoint; beyond it every other one is dropped. */
const MAX_TREND_POINTS = 256;

/** The best periodic evaluation so far, saved as the `best` checkpoint (evaluation.json there). */
export interface BestEvaluation {
  globalStep: number;
  /** Seconds into the training invocation that reached it. */
  elapsedSeconds: number;
  bot: string;
  seed: number;
  result: VsBotResult;
  /** Per bot, when validation plays several (`evaluation.bots`); `result` is their total. */
  results?: Record<string, VsBotResult>;
  bots?: string[];
  /** How it was ranked (evaluate.ts's rankResults), and the rank: [worst or mean win rate, the other, goal difference]. */
  select?: EvaluationSelect;
  rank?: number[];
}

export interface CarSoccerTrainResult {
  state: PpoState;
  checkpoint: string;
  metricsFile: string;
  charts: string[];
  stageChanges: StageChange[];
  pool: OpponentPool<OpponentPolicy>;
  /** The best periodic evaluation and its checkpoint, when the config asks for evaluation. */
  best: (BestEvaluation & { checkpoint: string }) | null;
}

type Stream = { write(text: string): unknown; isTTY?: boolean };

export async function trainCarSoccer(
  runtime: TfRuntime,
  config: CarSoccerTrainConfig,
  options: {
    resume?: boolean;
    /** Where progress and stage changes go (default stderr). */
    stream?: Stream;
  } = {},
): Promise<CarSoccerTrainResult> {
  const stream = options.stream ?? process.stderr;
  const run = await SelfPlayRun.start(runtime, config, options.resume ?? false, stream);
  let last: PpoMetrics | null = null;
  // The rollout workers stop however training ends (a worker's error included).
  const state = await trainPpo(runtime, run.env, run.ppo, {
    initial: run.initial,
    actionCount: run.shape.actionCount,
    ...(config.maxSeconds !== null ? { budgetSpent: () => run.elapsed() / config.maxSeconds! } : {}),
    onIteration: (metrics, current) => {
      last = metrics;
      return run.afterIteration(metrics, current);
    },
  }).finally(() => run.env.close());
  return run.finish(state, last);
}

/**
 * One self-play run's parts and the steps around each PPO iteration, in the order they run:
 * snapshot into the pool → retire unused snapshots → curriculum → log → evaluate → checkpoint.
 */
class SelfPlayRun {
  readonly dirs: { latest: string; best: string; pool: string };
  readonly log: MetricsLog;
  readonly progress: ProgressLine;
  readonly stageChanges: StageChange[] = [];
  /** Snapshots evicted from the pool free their model once no arena plays them any more. */
  readonly retired: { id: string; policy: NetworkPolicy }[] = [];
  best: BestEvaluation | null;
  /**
   * Shaped return against outcome over training, carried in every checkpoint (agent.json
   * `training.trend`) so the league's reward-hacking check can judge a submitted model.
   */
  trend: RunPoint[];
  lastEval: { score: number; bots: string[] } | null = null;
  lastEvalStep = -1;
  private readonly started = performance.now();
  /** The evaluation games' observation builder, one for the whole run. */
  private readonly evalObs: ObsBuilder;

  private constructor(
    readonly runtime: TfRuntime,
    readonly config: CarSoccerTrainConfig,
    readonly stream: Stream,
    readonly ppo: PpoConfig,
    readonly shape: ActorCriticShape,
    readonly initial: PpoState,
    readonly pool: OpponentPool<OpponentPolicy>,
    readonly curriculum: Curriculum,
    readonly env: SelfPlayVecEnv,
    saved: SelfPlayState | null,
  ) {
    this.dirs = runDirs(config);
    this.evalObs = carSoccerParts(config.observationBuilder, config.actionParser).obsBuilder;
    this.best = saved?.best ?? null;
    this.trend = saved?.trend ?? [];
    this.log = new MetricsLog(path.join(config.out, "metrics.jsonl"));
    this.progress = new ProgressLine({
      label: `train ${config.name}`,
      total: config.totalSteps,
      start: initial.globalStep,
      unit: "steps",
      stream,
      ...(config.maxSeconds !== null ? { maxSeconds: config.maxSeconds } : {}),
    });
  }

  /** The learner (fresh, or the checkpoint's with its pool and stage), the pool and the env. */
  static async start(
    runtime: TfRuntime,
    config: CarSoccerTrainConfig,
    resume: boolean,
    stream: Stream,
  ): Promise<SelfPlayRun> {
    const ppo: PpoConfig = {
      ...DEFAULT_PPO_CONFIG,
      ...config.ppo,
      seed: config.seed,
      totalSteps: config.totalSteps,
    };
    const { initial, saved, shape } = await startOrResume(runtime, config, ppo, resume, stream);
    const curriculum = new Curriculum(
      config.curriculum,
      Math.min(saved?.stage ?? 0, config.curriculum.length - 1),
    );
    const pool = await buildPool(runtime, config, saved, curriculum);
    pool.setMix(mixOf(config, curriculum.stage));
    const env = selfPlayEnv(runtime, config, pool, curriculum, {
      actor: initial.actor,
      observationStats: initial.observationStats,
    });
    return new SelfPlayRun(runtime, config, stream, ppo, shape, initial, pool, curriculum, env, saved);
  }

  elapsed(): number {
    return (performance.now() - this.started) / 1000;
  }

  /** Everything between two PPO iterations; "stop" when the time budget is spent. */
  async afterIteration(metrics: PpoMetrics, current: PpoState): Promise<"stop" | undefined> {
    const { config } = this;
    if (metrics.iteration % config.selfplay.snapshotEvery === 0 && config.selfplay.maxSnapshots > 0)
      await this.snapshotIntoPool(current);
    this.retireUnusedSnapshots();
    await this.advanceCurriculum(current);
    const { vsPool, perBot } = await this.logIteration(metrics);
    this.recordTrend(metrics, vsPool, perBot);
    const evaluation = config.evaluation;
    if (evaluation && metrics.iteration % evaluation.every === 0)
      this.lastEval = await this.evaluate(current);
    this.progress.update(metrics.global_step, {
      return: round(metrics["charts/episodic_return"]),
      "win vs pool": round(vsPool),
      ...this.evalFigure(),
      SPS: metrics["charts/SPS"],
      stage: this.curriculum.index,
    });
    if (metrics.iteration % config.checkpointEvery === 0) await this.checkpoint(current);
    if (config.maxSeconds !== null && this.elapsed() >= config.maxSeconds) {
      this.stream.write(
        `time budget of ${config.maxSeconds} s reached at step ${current.globalStep} (${this.elapsed().toFixed(0)} s)\n`,
      );
      return "stop";
    }
    return undefined;
  }

  /** Freezes a copy of the actor and its statistics into the pool (and onto disk). */
  async snapshotIntoPool(current: PpoState): Promise<void> {
    const { runtime, config, pool } = this;
    const id = `snapshot-${current.globalStep}`;
    const actor = buildActor(runtime.tf, this.shape);
    actor.setWeights(current.actor.getWeights());
    const observationStats = current.observationStats
      ? RunningMeanStd.fromJSON(current.observationStats.toJSON())
      : null;
    await saveCheckpoint(
      runtime,
      path.join(this.dirs.pool, id),
      { ...current, actor, observationStats },
      { ...agentOf(config), name: `${config.name}-${id}` },
    );
    for (const gone of pool.addSnapshot(id, { kind: "network", policy: { actor, observationStats } })) {
      if (gone.policy?.kind === "network") this.retired.push({ id: gone.id, policy: gone.policy.policy });
      await rm(path.join(this.dirs.pool, gone.id), { recursive: true, force: true });
    }
  }

  retireUnusedSnapshots(): void {
    const { retired, env } = this;
    for (let i = retired.length - 1; i >= 0; i--) {
      const { id, policy } = retired[i]!;
      let inUse = false;
      for (let e = 0; e < env.numEnvs && !inUse; e++) inUse = env.opponentOf(e).id === id;
      if (!inUse) {
        policy.actor.dispose();
        retired.splice(i, 1);
      }
    }
  }

  /** The next stage's setters, reward and opponent mix from the next rollout on. */
  async advanceCurriculum(current: PpoState): Promise<void> {
    const { curriculum, pool, config } = this;
    const change = curriculum.check(pool, current.globalStep);
    if (!change) return;
    this.stageChanges.push(change);
    this.env.setTask(taskOf(config, curriculum.stage));
    pool.setMix(mixOf(config, curriculum.stage));
    this.stream.write(
      `curriculum: stage ${change.from} "${change.fromName}" → ${change.to} "${change.toName}" at step ${change.globalStep} (win rate ${change.winRate.toFixed(2)} over ${change.games} games)\n`,
    );
    await this.log.append({ global_step: current.globalStep, "curriculum/stage_change": change });
  }

  /** PPO's metrics with the pool's win rates and ratings and the stage; returns the win rates. */
  async logIteration(
    metrics: PpoMetrics,
  ): Promise<{ vsPool: number | null; perBot: Record<string, number | null> }> {
    const { pool, config, curriculum } = this;
    const vsPool = pool.recentWinRate(config.selfplay.window);
    const ratings = pool.ratings();
    const perBot: Record<string, number | null> = {};
    for (const bot of config.selfplay.scripted)
      perBot[`charts/win_rate_vs_${bot}`] = pool.recentWinRate(
        config.selfplay.window,
        (o) => o === `bot:${bot}`,
      ).rate;
    await this.log.append({
      ...metrics,
      "charts/win_rate_vs_pool": vsPool.rate,
      ...perBot,
      "charts/pool_games": pool.pastGames,
      "selfplay/pool_size": pool.entries.length - 1,
      "selfplay/learner_mu": ratings.learner!.mu,
      "selfplay/learner_sigma": ratings.learner!.sigma,
      "selfplay/learner_ordinal": ratings.learner!.ordinal,
      "selfplay/ratings": ratings,
      "curriculum/stage": curriculum.index,
      "curriculum/stage_name": curriculum.stage.name,
      backend: this.runtime.backend,
    });
    return { vsPool: vsPool.rate, perBot };
  }

  /**
   * The learner's greedy games against the evaluation bots; a better rank than every earlier
   * evaluation replaces the `best` checkpoint (as Stable-Baselines3's EvalCallback).
   */
  async evaluate(current: PpoState): Promise<{ score: number; bots: string[] } | null> {
    const { runtime, config } = this;
    const evaluation = config.evaluation;
    if (!evaluation) return null;
    this.lastEvalStep = current.globalStep;
    const bots = evaluation.bots ?? [evaluation.bot];
    const results = evaluateVsBots(
      runtime,
      { actor: current.actor, observationStats: current.observationStats },
      {
        env: config.env,
        obsBuilder: this.evalObs,
        tickSkip: config.tickSkip,
        bots,
        games: evaluation.games,
        seed: evaluation.seed,
        rules: evaluation.rules,
        seconds: evaluation.seconds,
        stateSetter: makeStateSetter(evaluation.stateSetter),
      },
    );
    const result = combineResults(bots.map((b) => results[b]!));
    // Several bots: the worst per-bot win rate ranks first (see rankResults), or the mean.
    const rank = rankResults(results, evaluation.select);
    const best = this.best;
    const bestRank = best && rankResults(best.results ?? { [best.bot]: best.result }, evaluation.select);
    if (!bestRank || ranksAbove(rank, bestRank)) {
      this.best = {
        globalStep: current.globalStep,
        elapsedSeconds: Number(this.elapsed().toFixed(1)),
        bot: bots.join(","),
        seed: evaluation.seed,
        result,
        results,
        bots,
        select: evaluation.select,
        rank,
      };
      await saveCheckpoint(runtime, this.dirs.best, current, this.manifest());
      await writeFile(
        path.join(this.dirs.best, "evaluation.json"),
        `${JSON.stringify(this.best, null, 2)}\n`,
      );
    }
    const kept = this.best!;
    await this.log.append({
      global_step: current.globalStep,
      ...Object.fromEntries(bots.map((b) => [`eval/win_rate_vs_${b}`, results[b]!.winRate])),
      "eval/worst_win_rate": Math.min(...bots.map((b) => results[b]!.winRate)),
      "eval/mean_win_rate": result.winRate,
      "eval/goal_difference": (result.goalsFor - result.goalsAgainst) / result.games,
      "eval/touch_rate": result.gamesWithTouch / result.games,
      "eval/best_win_rate": kept.result.winRate,
      "eval/best_score": kept.rank?.[0] ?? kept.result.winRate,
      "eval/best_global_step": kept.globalStep,
      "time/elapsed_seconds": Number(this.elapsed().toFixed(1)),
    });
    return { score: rank[0]!, bots };
  }

  /** The progress line's figure: the win rate against the one bot, else the worst or mean over them. */
  evalFigure(): Record<string, number | null> {
    const last = this.lastEval;
    if (!last) return {};
    const label =
      last.bots.length === 1
        ? `eval vs ${last.bots[0]}`
        : `eval ${this.config.evaluation?.select ?? "worst"}`;
    return { [label]: round(last.score) };
  }

  /**
   * One trend point per iteration: the episodic shaped return against the outcome, the mean
   * recent win rate against the built-in bots (fixed yardsticks, unlike the growing pool; the
   * pool's win rate when no bot plays). Thinned to every other point past MAX_TREND_POINTS.
   */
  recordTrend(metrics: PpoMetrics, vsPool: number | null, perBot: Record<string, number | null>): void {
    const shaped = metrics["charts/episodic_return"];
    const rates = Object.values(perBot).filter((r): r is number => r !== null);
    const outcome = rates.length ? rates.reduce((a, b) => a + b, 0) / rates.length : vsPool;
    if (typeof shaped !== "number" || !Number.isFinite(shaped) || outcome === null) return;
    this.trend.push({ step: metrics.global_step, shaped, outcome });
    if (this.trend.length > MAX_TREND_POINTS) this.trend = this.trend.filter((_, i) => i % 2 === 1);
  }

  /** The league manifest of this run's checkpoints: the stage's reward spec and the trend so far. */
  manifest() {
    return {
      ...agentOf(this.config),
      rewardSpec: this.curriculum.stage.reward ?? this.config.reward,
      trend: this.trend,
    };
  }

  /** `<out>/latest` and, beside it, the pool and the curriculum to resume from. */
  async checkpoint(state: PpoState): Promise<void> {
    await saveCheckpoint(this.runtime, this.dirs.latest, state, this.manifest());
    const saved: SelfPlayState = {
      stage: this.curriculum.index,
      stageStartGame: this.curriculum.stageStartGame,
      ...this.pool.toJSON(),
      best: this.best,
      trend: this.trend,
    };
    const file = path.join(this.dirs.latest, "trainer", "selfplay.json");
    await writeFile(`${file}.tmp`, JSON.stringify(saved));
    await rename(`${file}.tmp`, file);
  }

  /** The final weights evaluated (unless the last iteration just did), checkpointed and charted. */
  async finish(state: PpoState, last: PpoMetrics | null): Promise<CarSoccerTrainResult> {
    if (this.config.evaluation && this.lastEvalStep !== state.globalStep)
      this.lastEval = await this.evaluate(state);
    this.progress.finish(state.globalStep, {
      return: round(last?.["charts/episodic_return"] ?? null),
      "win vs pool": round(this.pool.recentWinRate(this.config.selfplay.window).rate),
      ...this.evalFigure(),
      stage: this.curriculum.index,
    });
    await this.checkpoint(state);
    const charts = await writeCharts(this.config, this.log.file);
    for (const { policy } of this.retired) policy.actor.dispose();
    return {
      state,
      checkpoint: this.dirs.latest,
      metricsFile: this.log.file,
      charts,
      stageChanges: this.stageChanges,
      pool: this.pool,
      best: this.best ? { ...this.best, checkpoint: this.dirs.best } : null,
    };
  }
}

function runDirs(config: CarSoccerTrainConfig) {
  return {
    latest: path.join(config.out, "latest"),
    best: path.join(config.out, "best"),
    pool: path.join(config.out, "pool"),
  };
}

/** What every checkpoint of the run says it plays. */
function agentOf(config: CarSoccerTrainConfig) {
  return {
    name: config.name,
    env: config.env,
    observationBuilder: config.observationBuilder,
    actionParser: config.actionParser,
    tickSkip: config.tickSkip,
  };
}

/** Fresh networks, or the checkpoint's (then the saved pool and stage come back too). */
async function startOrResume(
  runtime: TfRuntime,
  config: CarSoccerTrainConfig,
  ppo: PpoConfig,
  resume: boolean,
  stream: Stream,
): Promise<{ initial: PpoState; saved: SelfPlayState | null; shape: ActorCriticShape }> {
  const spec = getEnvSpec(config.env);
  const { obsBuilder, actionParser } = carSoccerParts(config.observationBuilder, config.actionParser);
  const latestDir = runDirs(config).latest;
  const resumed = resume ? await loadTrainerState(runtime, latestDir) : null;
  const obsSize = obsBuilder.size(spec.numAgents / 2);
  if (actionParser.actionSpace.kind !== "discrete")
    throw new Error(`PPO here drives one discrete choice; the ${config.actionParser} parser is not one`);
  const shape = {
    observationSize: obsSize,
    actionCount: actionParser.actionSpace.n,
    hidden: ppo.hidden,
    seed: ppo.seed,
  };
  if (!resumed) {
    const initial: PpoState = {
      actor: buildActor(runtime.tf, shape),
      critic: buildCritic(runtime.tf, shape),
      observationStats: ppo.normalizeObservations ? new RunningMeanStd(obsSize) : null,
      globalStep: 0,
    };
    return { initial, saved: null, shape };
  }
  if (resumed.manifest.env !== spec.id || resumed.manifest.observationBuilder !== config.observationBuilder)
    throw new Error(
      `${latestDir} was trained on ${resumed.manifest.env}/${resumed.manifest.observationBuilder}, the config says ${spec.id}/${config.observationBuilder}`,
    );
  const file = path.join(latestDir, "trainer", "selfplay.json");
  const saved = existsSync(file) ? (JSON.parse(await readFile(file, "utf8")) as SelfPlayState) : null;
  stream.write(`resuming from ${latestDir} at step ${resumed.globalStep}\n`);
  return { initial: resumed, saved, shape };
}

/** Scripted bots, then past snapshots (from disk when resuming) with their records. */
async function buildPool(
  runtime: TfRuntime,
  config: CarSoccerTrainConfig,
  saved: SelfPlayState | null,
  curriculum: Curriculum,
): Promise<OpponentPool<OpponentPolicy>> {
  const pool = new OpponentPool<OpponentPolicy>({
    weighting: config.selfplay.weighting,
    power: config.selfplay.power,
    latestShare: config.selfplay.latestShare,
    scriptedShare: config.selfplay.scriptedShare,
    maxSnapshots: config.selfplay.maxSnapshots,
    window: config.selfplay.window,
  });
  for (const bot of config.selfplay.scripted) pool.addScripted(bot, { kind: "scripted", bot });
  if (!saved) return pool;
  pool.learnerSkill = saved.learnerSkill;
  pool.pastGames = saved.pastGames;
  curriculum.stageStartGame = saved.stageStartGame;
  for (const e of saved.entries) {
    if (e.kind === "snapshot") {
      const dir = path.join(runDirs(config).pool, e.id);
      if (!existsSync(dir)) continue;
      const { actor, observationStats } = await loadPolicy(runtime, dir);
      pool.addSnapshot(e.id, { kind: "network", policy: { actor, observationStats } });
    }
    const entry = pool.get(e.id);
    if (entry) Object.assign(entry, { results: e.results, games: e.games, skill: e.skill });
  }
  return pool;
}

/** Each stage may draw its own opponent mix (shares and bots); the run's selfplay settings otherwise. */
function mixOf(config: CarSoccerTrainConfig, stage: CurriculumStage) {
  return {
    latestShare: stage.opponents?.latestShare ?? config.selfplay.latestShare,
    scriptedShare: stage.opponents?.scriptedShare ?? config.selfplay.scriptedShare,
    scripted: stage.opponents?.scripted ?? null,
  };
}

/** A stage's named parts, as the rollout workers rebuild them. */
function taskOf(config: CarSoccerTrainConfig, stage: CurriculumStage) {
  return {
    observationBuilder: config.observationBuilder,
    stateSetter: stage.stateSetter,
    reward: stage.reward ?? config.reward,
  };
}

/** The learner's arenas: blue is the learner, orange an opponent drawn from the pool per game. */
function selfPlayEnv(
  runtime: TfRuntime,
  config: CarSoccerTrainConfig,
  pool: OpponentPool<OpponentPolicy>,
  curriculum: Curriculum,
  latest: NetworkPolicy,
): SelfPlayVecEnv {
  const stage = curriculum.stage;
  const rng = new Rng(config.seed, 0x9001);
  return new SelfPlayVecEnv({
    spec: getEnvSpec(config.env),
    numEnvs: config.numEnvs,
    tickSkip: config.tickSkip,
    obsBuilder: carSoccerParts(config.observationBuilder, config.actionParser).obsBuilder,
    stateSetter: makeStateSetter(stage.stateSetter),
    reward: compileParsedReward(stage.reward ?? config.reward).fn,
    episodeSeconds: config.episodeSeconds,
    noTouchSeconds: config.noTouchSeconds,
    runtime,
    seed: config.seed,
    // The latest self plays with the learner's live weights and statistics.
    nextOpponent: () => {
      const entry = pool.sample(rng);
      return { id: entry.id, policy: entry.policy ?? { kind: "network", policy: latest } };
    },
    onGameEnd: (_arena, opponent, score) => pool.record(opponent, score),
    rolloutWorkers: config.rolloutWorkers,
    task: taskOf(config, stage),
  });
}

function round(x: number | null | undefined): number | null {
  return x === null || x === undefined ? null : Number(x.toFixed(3));
}

/** summary.svg (episodic return, win rate vs pool) and ratings.svg (the learner's OpenSkill curve). */
async function writeCharts(config: CarSoccerTrainConfig, metricsFile: string): Promise<string[]> {
  const all = await MetricsLog.read(metricsFile);
  const series = (key: string) =>
    all
      .filter((m) => typeof m[key] === "number" && typeof m.global_step === "number")
      .map((m) => [m.global_step as number, m[key] as number] as const);
  await mkdir(config.out, { recursive: true });
  const summary = path.join(config.out, "summary.svg");
  await writeFile(
    summary,
    lineChartSvg(
      [
        { name: "episodic return", points: series("charts/episodic_return") },
        { name: "win rate vs pool", points: series("charts/win_rate_vs_pool") },
        ...config.selfplay.scripted.map((bot) => ({
          name: `win rate vs ${bot}`,
          points: series(`charts/win_rate_vs_${bot}`),
        })),
        ...(config.evaluation?.bots ?? (config.evaluation ? [config.evaluation.bot] : [])).map((bot) => ({
          name: `evaluation vs ${bot}`,
          points: series(`eval/win_rate_vs_${bot}`),
        })),
      ],
      { title: `${config.name} on ${config.env}`, xLabel: "agent steps", yLabel: "return / win rate" },
    ),
  );
  const ratings = path.join(config.out, "ratings.svg");
  await writeFile(
    ratings,
    lineChartSvg(
      [
        { name: "learner mu", points: series("selfplay/learner_mu") },
        { name: "learner ordinal", points: series("selfplay/learner_ordinal") },
      ],
      {
        title: `${config.name}: OpenSkill rating from training games`,
        xLabel: "agent steps",
        yLabel: "rating",
      },
    ),
  );
  return [summary, ratings];
}
