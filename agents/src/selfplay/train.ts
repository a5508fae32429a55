// Curriculum self-play PPO on car soccer, in the order it runs: build the pool and the self-play
// environment → PPO iterations (trainPpo) → after each: snapshot into the pool, check the
// curriculum, log metrics and ratings, checkpoint → summary charts at the end.
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { carSoccerParts, getEnvSpec, Rng } from "@league/envs";
import type { TfRuntime } from "../ppo/backend.js";
import { loadPolicy, loadTrainerState, saveCheckpoint } from "../ppo/checkpoint.js";
import { buildActor, buildCritic } from "../ppo/network.js";
import { DEFAULT_PPO_CONFIG, type PpoConfig, type PpoMetrics, type PpoState, trainPpo } from "../ppo/ppo.js";
import { RunningMeanStd } from "../ppo/running-stats.js";
import { MetricsLog } from "../report/metrics-log.js";
import { ProgressLine } from "../report/progress.js";
import { lineChartSvg } from "../report/svg-chart.js";
import { compileParsedReward } from "../rewards/car-soccer.js";
import type { CarSoccerTrainConfig } from "./config.js";
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
}

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

export async function trainCarSoccer(
  runtime: TfRuntime,
  config: CarSoccerTrainConfig,
  options: {
    resume?: boolean;
    /** Where progress and stage changes go (default stderr). */
    stream?: { write(text: string): unknown; isTTY?: boolean };
  } = {},
): Promise<CarSoccerTrainResult> {
  const stream = options.stream ?? process.stderr;
  const spec = getEnvSpec(config.env);
  const { obsBuilder, actionParser } = carSoccerParts(config.observationBuilder, config.actionParser);
  const ppo: PpoConfig = {
    ...DEFAULT_PPO_CONFIG,
    ...config.ppo,
    seed: config.seed,
    totalSteps: config.totalSteps,
  };
  const latestDir = path.join(config.out, "latest");
  const bestDir = path.join(config.out, "best");
  const poolDir = path.join(config.out, "pool");
  const agent = {
    name: config.name,
    env: spec.id,
    observationBuilder: config.observationBuilder,
    actionParser: config.actionParser,
    tickSkip: config.tickSkip,
  };

  // Learner: fresh networks, or the checkpoint's (then the pool and curriculum come back too).
  const resumed = options.resume ? await loadTrainerState(runtime, latestDir) : null;
  const teamSize = spec.numAgents / 2;
  const obsSize = obsBuilder.size(teamSize);
  if (actionParser.actionSpace.kind !== "discrete")
    throw new Error(`PPO here drives one discrete choice; the ${config.actionParser} parser is not one`);
  const shape = {
    observationSize: obsSize,
    actionCount: actionParser.actionSpace.n,
    hidden: ppo.hidden,
    seed: ppo.seed,
  };
  let saved: SelfPlayState | null = null;
  if (resumed) {
    if (resumed.manifest.env !== spec.id || resumed.manifest.observationBuilder !== config.observationBuilder)
      throw new Error(
        `${latestDir} was trained on ${resumed.manifest.env}/${resumed.manifest.observationBuilder}, the config says ${spec.id}/${config.observationBuilder}`,
      );
    const file = path.join(latestDir, "trainer", "selfplay.json");
    if (existsSync(file)) saved = JSON.parse(await readFile(file, "utf8")) as SelfPlayState;
    stream.write(`resuming from ${latestDir} at step ${resumed.globalStep}\n`);
  }
  const initial: PpoState = resumed ?? {
    actor: buildActor(runtime.tf, shape),
    critic: buildCritic(runtime.tf, shape),
    observationStats: ppo.normalizeObservations ? new RunningMeanStd(obsSize) : null,
    globalStep: 0,
  };
  // The latest self plays with the learner's live weights and statistics.
  const latest: NetworkPolicy = { actor: initial.actor, observationStats: initial.observationStats };

  // Pool: scripted bots, then past snapshots (from disk when resuming).
  const pool = new OpponentPool<OpponentPolicy>({
    weighting: config.selfplay.weighting,
    power: config.selfplay.power,
    latestShare: config.selfplay.latestShare,
    scriptedShare: config.selfplay.scriptedShare,
    maxSnapshots: config.selfplay.maxSnapshots,
    window: config.selfplay.window,
  });
  for (const bot of config.selfplay.scripted) pool.addScripted(bot, { kind: "scripted", bot });
  const curriculum = new Curriculum(
    config.curriculum,
    Math.min(saved?.stage ?? 0, config.curriculum.length - 1),
  );
  if (saved) {
    pool.learnerSkill = saved.learnerSkill;
    pool.pastGames = saved.pastGames;
    curriculum.stageStartGame = saved.stageStartGame;
    for (const e of saved.entries) {
      if (e.kind === "snapshot") {
        const dir = path.join(poolDir, e.id);
        if (!existsSync(dir)) continue;
        const { actor, observationStats } = await loadPolicy(runtime, dir);
        pool.addSnapshot(e.id, { kind: "network", policy: { actor, observationStats } });
      }
      const entry = pool.get(e.id);
      if (entry) Object.assign(entry, { results: e.results, games: e.games, skill: e.skill });
    }
  }

  // Each stage may draw its own opponent mix (shares and bots); the run's selfplay settings otherwise.
  const mixOf = (stage = curriculum.stage) => ({
    latestShare: stage.opponents?.latestShare ?? config.selfplay.latestShare,
    scriptedShare: stage.opponents?.scriptedShare ?? config.selfplay.scriptedShare,
    scripted: stage.opponents?.scripted ?? null,
  });
  pool.setMix(mixOf());
  const rewardOf = (stage = curriculum.stage) => compileParsedReward(stage.reward ?? config.reward);
  const taskOf = (stage = curriculum.stage) => ({
    observationBuilder: config.observationBuilder,
    stateSetter: stage.stateSetter,
    reward: stage.reward ?? config.reward,
  });
  const rng = new Rng(config.seed, 0x9001);
  const env = new SelfPlayVecEnv({
    spec,
    numEnvs: config.numEnvs,
    tickSkip: config.tickSkip,
    obsBuilder,
    stateSetter: makeStateSetter(curriculum.stage.stateSetter),
    reward: rewardOf().fn,
    episodeSeconds: config.episodeSeconds,
    noTouchSeconds: config.noTouchSeconds,
    runtime,
    seed: config.seed,
    nextOpponent: () => {
      const entry = pool.sample(rng);
      return {
        id: entry.id,
        policy: entry.policy ?? { kind: "network", policy: latest },
      };
    },
    onGameEnd: (_arena, opponent, score) => pool.record(opponent, score),
    rolloutWorkers: config.rolloutWorkers,
    task: taskOf(),
  });

  const log = new MetricsLog(path.join(config.out, "metrics.jsonl"));
  const startStep = initial.globalStep;
  const progress = new ProgressLine({
    label: `train ${config.name}`,
    total: config.totalSteps,
    start: startStep,
    unit: "steps",
    stream,
    ...(config.maxSeconds !== null ? { maxSeconds: config.maxSeconds } : {}),
  });
  const stageChanges: StageChange[] = [];
  // Snapshots evicted from the pool free their model once no arena plays them any more.
  const retired: { id: string; policy: NetworkPolicy }[] = [];
  let best: BestEvaluation | null = saved?.best ?? null;
  const saveSelfPlay = async () => {
    const state: SelfPlayState = {
      stage: curriculum.index,
      stageStartGame: curriculum.stageStartGame,
      ...pool.toJSON(),
      best,
    };
    const file = path.join(latestDir, "trainer", "selfplay.json");
    await writeFile(`${file}.tmp`, JSON.stringify(state));
    await rename(`${file}.tmp`, file);
  };
  const checkpoint = async (state: PpoState) => {
    await saveCheckpoint(runtime, latestDir, state, {
      ...agent,
      rewardSpec: curriculum.stage.reward ?? config.reward,
    });
    await saveSelfPlay();
  };

  // Evaluation: the learner's greedy games against the bot; a better win rate (then goal
  // difference) than every earlier evaluation replaces the `best` checkpoint.
  const evaluation = config.evaluation;
  const evalObs = evaluation
    ? carSoccerParts(config.observationBuilder, config.actionParser).obsBuilder
    : null;
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  let lastEvalStep = -1;
  const evaluate = async (current: PpoState) => {
    if (!evaluation || !evalObs) return null;
    lastEvalStep = current.globalStep;
    const bots = evaluation.bots ?? [evaluation.bot];
    const results = evaluateVsBots(
      runtime,
      { actor: current.actor, observationStats: current.observationStats },
      {
        env: spec.id,
        obsBuilder: evalObs,
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
    const bestRank = best && rankResults(best.results ?? { [best.bot]: best.result }, evaluation.select);
    if (!bestRank || ranksAbove(rank, bestRank)) {
      best = {
        globalStep: current.globalStep,
        elapsedSeconds: Number(elapsed().toFixed(1)),
        bot: bots.join(","),
        seed: evaluation.seed,
        result,
        results,
        bots,
        select: evaluation.select,
        rank,
      };
      await saveCheckpoint(runtime, bestDir, current, {
        ...agent,
        rewardSpec: curriculum.stage.reward ?? config.reward,
      });
      await writeFile(path.join(bestDir, "evaluation.json"), `${JSON.stringify(best, null, 2)}\n`);
    }
    const metrics = {
      global_step: current.globalStep,
      ...Object.fromEntries(bots.map((b) => [`eval/win_rate_vs_${b}`, results[b]!.winRate])),
      "eval/worst_win_rate": Math.min(...bots.map((b) => results[b]!.winRate)),
      "eval/mean_win_rate": result.winRate,
      "eval/goal_difference": (result.goalsFor - result.goalsAgainst) / result.games,
      "eval/touch_rate": result.gamesWithTouch / result.games,
      "eval/best_win_rate": best!.result.winRate,
      "eval/best_score": best!.rank?.[0] ?? best!.result.winRate,
      "eval/best_global_step": best!.globalStep,
      "time/elapsed_seconds": Number(elapsed().toFixed(1)),
    };
    await log.append(metrics);
    return { score: rank[0]!, bots };
  };
  /** The progress line's figure: the win rate against the one bot, else the worst or mean over them. */
  const evalLabel = (bots: string[]) =>
    bots.length === 1 ? `eval vs ${bots[0]}` : `eval ${evaluation?.select ?? "worst"}`;
  let lastEval: { score: number; bots: string[] } | null = null;

  let last: PpoMetrics | null = null;
  // The rollout workers stop however training ends (a worker's error included).
  const state = await trainPpo(runtime, env, ppo, {
    initial,
    actionCount: shape.actionCount,
    ...(config.maxSeconds !== null ? { budgetSpent: () => elapsed() / config.maxSeconds! } : {}),
    onIteration: async (metrics, current) => {
      last = metrics;
      // Snapshot: freeze a copy of the actor and its statistics into the pool (and onto disk).
      if (metrics.iteration % config.selfplay.snapshotEvery === 0 && config.selfplay.maxSnapshots > 0) {
        const id = `snapshot-${current.globalStep}`;
        const actor = buildActor(runtime.tf, shape);
        actor.setWeights(current.actor.getWeights());
        const observationStats = current.observationStats
          ? RunningMeanStd.fromJSON(current.observationStats.toJSON())
          : null;
        await saveCheckpoint(
          runtime,
          path.join(poolDir, id),
          { ...current, actor, observationStats },
          { ...agent, name: `${config.name}-${id}` },
        );
        for (const gone of pool.addSnapshot(id, { kind: "network", policy: { actor, observationStats } })) {
          if (gone.policy?.kind === "network") retired.push({ id: gone.id, policy: gone.policy.policy });
          await rm(path.join(poolDir, gone.id), { recursive: true, force: true });
        }
      }
      for (let i = retired.length - 1; i >= 0; i--) {
        const { id, policy } = retired[i]!;
        let inUse = false;
        for (let e = 0; e < env.numEnvs && !inUse; e++) inUse = env.opponentOf(e).id === id;
        if (!inUse) {
          policy.actor.dispose();
          retired.splice(i, 1);
        }
      }

      // Curriculum: the next stage's setters and reward from the next rollout on.
      const change = curriculum.check(pool, current.globalStep);
      if (change) {
        stageChanges.push(change);
        env.setTask(taskOf());
        pool.setMix(mixOf());
        stream.write(
          `curriculum: stage ${change.from} "${change.fromName}" → ${change.to} "${change.toName}" at step ${change.globalStep} (win rate ${change.winRate.toFixed(2)} over ${change.games} games)\n`,
        );
        await log.append({ global_step: current.globalStep, "curriculum/stage_change": change });
      }

      const vsPool = pool.recentWinRate(config.selfplay.window);
      const ratings = pool.ratings();
      const perBot: Record<string, number | null> = {};
      for (const bot of config.selfplay.scripted)
        perBot[`charts/win_rate_vs_${bot}`] = pool.recentWinRate(
          config.selfplay.window,
          (o) => o === `bot:${bot}`,
        ).rate;
      await log.append({
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
        backend: runtime.backend,
      });
      if (evaluation && metrics.iteration % evaluation.every === 0) lastEval = await evaluate(current);
      progress.update(metrics.global_step, {
        return: round(metrics["charts/episodic_return"]),
        "win vs pool": round(vsPool.rate),
        ...(lastEval ? { [evalLabel(lastEval.bots)]: round(lastEval.score) } : {}),
        SPS: metrics["charts/SPS"],
        stage: curriculum.index,
      });
      if (metrics.iteration % config.checkpointEvery === 0) await checkpoint(current);
      if (config.maxSeconds !== null && elapsed() >= config.maxSeconds) {
        stream.write(
          `time budget of ${config.maxSeconds} s reached at step ${current.globalStep} (${elapsed().toFixed(0)} s)\n`,
        );
        return "stop";
      }
    },
  }).finally(() => env.close());
  // The final weights are evaluated too, unless the last iteration just did.
  if (evaluation && lastEvalStep !== state.globalStep) lastEval = await evaluate(state);
  const final = (last as PpoMetrics | null)?.["charts/episodic_return"] ?? null;
  progress.finish(state.globalStep, {
    return: round(final),
    "win vs pool": round(pool.recentWinRate(config.selfplay.window).rate),
    ...(lastEval
      ? {
          [evalLabel((lastEval as { bots: string[] }).bots)]: round((lastEval as { score: number }).score),
        }
      : {}),
    stage: curriculum.index,
  });
  await checkpoint(state);
  const charts = await writeCharts(config, log.file);
  for (const { policy } of retired) policy.actor.dispose();
  const bestResult = best as BestEvaluation | null;
  return {
    state,
    checkpoint: latestDir,
    metricsFile: log.file,
    charts,
    stageChanges,
    pool,
    best: bestResult ? { ...bestResult, checkpoint: bestDir } : null,
  };
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
