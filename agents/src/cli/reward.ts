// `league reward analyse`: what a reward spec rewards on played car-soccer episodes, how far it is
// from goals, and whether a training run looks like reward hacking. Writes JSON and SVG.
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { CarSoccerEnv, getEnvSpec } from "@league/envs";
import { loadTf } from "../ppo/backend.js";
import { MetricsLog } from "../report/metrics-log.js";
import { ProgressLine } from "../report/progress.js";
import { type HackingVerdict, type RunPoint, rewardHackingCheck } from "../rewards/analysis.js";
import { rewardStatsSvg, runTrendSvg } from "../rewards/analysis-chart.js";
import { DEFAULT_CAR_SOCCER_REWARD, RewardSpecError } from "../rewards/car-soccer.js";
import {
  analyseCarSoccerReward,
  CAR_SOCCER_ANALYSIS_DEFAULTS,
  type CarSoccerRewardAnalysis,
} from "../rewards/car-soccer-analysis.js";
import { RandomNetworkDistillation } from "../rewards/novelty.js";
import { carPolicy, UsageError } from "./players.js";

export const REWARD_HELP = `league reward analyse [<run>] [--spec spec.json] [--env ENV] [--blue AGENT] [--orange AGENT]
                      [--episodes N] [--seconds S] [--seed S] [--outcome METRIC] [--out DIR]
                      [--novelty COEF]

Analyses a car-soccer reward: plays N seeded episodes (each to the first goal or S seconds) with
--blue (default ball-chaser) against --orange (default defender), records what every part of the
reward contributes to blue-0 at every step beside goals, and reports per-component statistics,
correlations with goals, and the EPIC and STARC distances of the reward to goals (0 = the same
objective up to potential shaping and scale).
--novelty COEF adds COEF × an intrinsic novelty bonus (random network distillation on blue-0's
observations, normalised by its running scale, predictor trained after each episode, seeded by
--seed) and reports it as one more component; the distances leave it out.
With <run> (a \`league train\` output folder): also checks <run>/metrics.jsonl for reward hacking —
shaped return rising while the outcome (--outcome; by default the first present of
${"`charts/goal_difference`"}, ${"`charts/win_rate`"}, a self-play run's win rate against a scripted bot
${"`charts/win_rate_vs_<bot>`"}, then ${"`charts/win_rate_vs_pool`"}) falls over the later half of the run —
and, when <run>/latest is a car-soccer checkpoint, analyses its reward spec with it as blue.
Writes <out>/analysis.json and <out>/analysis.svg (and run-trend.svg for a run); <out> defaults
to <run>, else ./reward-analysis.`;

/**
 * The outcome a run is judged by when --outcome is not given. A self-play run (selfplay/train.ts)
 * logs win rates per scripted bot and against its pool: a bot keeps its strength all run, so its
 * win rate is the fairer outcome; the pool grows stronger as the learner does.
 */
function defaultOutcome(numeric: string[]): string | undefined {
  for (const name of ["charts/goal_difference", "charts/win_rate"]) if (numeric.includes(name)) return name;
  return (
    numeric.find((k) => k.startsWith("charts/win_rate_vs_") && k !== "charts/win_rate_vs_pool") ??
    numeric.find((k) => k === "charts/win_rate_vs_pool")
  );
}

function text(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" ? v : undefined;
}

function positive(values: Record<string, unknown>, name: string, fallback: number, integer: boolean): number {
  const raw = text(values, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!(Number.isFinite(n) && n > 0 && (!integer || Number.isInteger(n))))
    throw new UsageError(`--${name} must be a positive ${integer ? "integer" : "number"}, got "${raw}"`);
  return n;
}

async function readJson(file: string, what: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${file}: ${(error as Error).message}`);
  }
}

/** The run's shaped return and outcome per logged iteration. */
async function runTrend(
  run: string,
  outcomeKey: string | undefined,
): Promise<{ points: RunPoint[]; outcome: string; verdict: HackingVerdict }> {
  const file = path.join(run, "metrics.jsonl");
  if (!existsSync(file))
    throw new UsageError(`${run} has no metrics.jsonl: is it a \`league train\` output folder?`);
  const rows = await MetricsLog.read(file);
  // Metrics that are numbers in some row: the only ones a trend can be taken of.
  const numeric = [
    ...new Set(rows.flatMap((r) => Object.keys(r).filter((k) => typeof r[k] === "number"))),
  ].filter((k) => k.includes("/") && k !== "charts/episodic_return");
  const outcome = outcomeKey ?? defaultOutcome(numeric);
  if (!outcome || !numeric.includes(outcome))
    throw new UsageError(
      `${file} has no numeric outcome metric${outcomeKey ? ` "${outcomeKey}"` : ""} to compare the shaped return with; pass --outcome with one of: ${numeric.join(", ") || "(none logged)"}`,
    );
  const points = rows
    .filter((r) => typeof r["charts/episodic_return"] === "number" && typeof r[outcome] === "number")
    .map((r) => ({
      step: Number(r.global_step),
      shaped: r["charts/episodic_return"] as number,
      outcome: r[outcome] as number,
    }));
  return { points, outcome, verdict: rewardHackingCheck(points) };
}

function printAnalysis(a: CarSoccerRewardAnalysis): void {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(7);
  const corr = (x: number | null) => (x === null ? "   –" : x.toFixed(2).padStart(5));
  console.log(
    `\n${a.env}: ${a.players.blue} (blue) vs ${a.players.orange} (orange), ${a.statistics.episodes} episodes, ${a.statistics.steps} steps, goals ${a.goals.blue}–${a.goals.orange}`,
  );
  console.log(`${"component".padEnd(56)} share  mean/step  corr(goals) ep / step`);
  for (const c of a.statistics.components)
    console.log(
      `${c.name.slice(0, 55).padEnd(56)}${pct(c.shareOfMagnitude)} ${c.perStep.mean.toExponential(2).padStart(10)}   ${corr(c.correlationWithOutcome.perEpisode)} / ${corr(c.correlationWithOutcome.perStep)}`,
    );
  const d = a.distanceToGoals;
  console.log(
    `distance to goals (γ ${d.gamma}): EPIC ${d.epic.toFixed(3)} on ${d.transitions} sampled transitions (0 = same objective up to shaping; 0.71 = unrelated), STARC ${d.starc.toFixed(3)} on ${d.levelled.states} states × ${d.levelled.actions} first actions (0 = same ranking of policies; 1 = opposite)${d.goalsIndifferent ? " — no first action changed the goals scored there, so STARC says nothing of goals" : ""}`,
  );
  console.log(`${a.termination.flagged ? "WARNING: " : ""}episode end: ${a.termination.reason}`);
}

export async function rewardCommand(args: string[], values: Record<string, unknown>): Promise<void> {
  const [sub, run, ...extra] = args;
  if (sub !== "analyse" && sub !== "analyze")
    throw new UsageError(`reward: unknown subcommand "${sub ?? ""}"; try: league reward analyse --help`);
  if (extra.length)
    throw new UsageError(`reward analyse takes at most one run folder, got also "${extra[0]}"`);
  if (run !== undefined && !existsSync(run))
    throw new UsageError(`reward analyse: no such run folder: ${run}`);
  const out = text(values, "out") ?? run ?? "reward-analysis";
  const episodes = positive(values, "episodes", CAR_SOCCER_ANALYSIS_DEFAULTS.episodes, true);
  const maxSeconds = positive(values, "seconds", CAR_SOCCER_ANALYSIS_DEFAULTS.maxSeconds, false);
  const seed = positive(values, "seed", CAR_SOCCER_ANALYSIS_DEFAULTS.seed, true);
  const noveltyCoef = text(values, "novelty") === undefined ? null : positive(values, "novelty", 0, false);

  const report: Record<string, unknown> = {};
  await mkdir(out, { recursive: true });
  const written: string[] = [];

  // A run: its trend, and its checkpoint's own reward spec when it has one.
  let checkpoint: string | null = null;
  let checkpointSpec: unknown = null;
  let checkpointEnv: string | null = null;
  if (run !== undefined) {
    const trend = await runTrend(run, text(values, "outcome"));
    report.run = { folder: run, outcome: trend.outcome, points: trend.points.length, hacking: trend.verdict };
    const svg = path.join(out, "run-trend.svg");
    await writeFile(
      svg,
      runTrendSvg(trend.points, trend.verdict, `${path.basename(run)}: shaped return vs ${trend.outcome}`),
    );
    written.push(svg);
    console.log(`${trend.verdict.flagged ? "WARNING: " : ""}${trend.verdict.reason}`);
    const manifestFile = path.join(run, "latest", "agent.json");
    if (existsSync(manifestFile)) {
      const manifest = (await readJson(manifestFile, "manifest")) as {
        env?: string;
        training?: { rewardSpec?: unknown };
      };
      if (manifest.env?.startsWith("car-soccer") && manifest.training?.rewardSpec) {
        checkpoint = path.join(run, "latest");
        checkpointSpec = manifest.training.rewardSpec;
        checkpointEnv = manifest.env;
      }
    }
  }

  // Episodes: always without a run; with one, when its checkpoint plays car soccer or a spec is given.
  const specFile = text(values, "spec");
  if (run === undefined || checkpoint || specFile) {
    const spec = specFile
      ? await readJson(specFile, "reward spec")
      : (checkpointSpec ?? DEFAULT_CAR_SOCCER_REWARD);
    const envId = text(values, "env") ?? checkpointEnv ?? "car-soccer-1v1";
    try {
      if (getEnvSpec(envId).family !== "car-soccer")
        throw new UsageError(
          `--env: reward analysis plays car soccer; ${envId} is not a car-soccer environment`,
        );
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`--env: ${(error as Error).message}`);
    }
    const blue = await carPolicy(text(values, "blue") ?? checkpoint ?? "ball-chaser", envId, seed);
    const orange = await carPolicy(text(values, "orange") ?? "defender", envId, seed + 1);
    const rnd =
      noveltyCoef === null
        ? null
        : new RandomNetworkDistillation((await loadTf()).tf, {
            // The analysis's env builds blue-0's observations with the default builder.
            inputSize: new CarSoccerEnv({ spec: getEnvSpec(envId) }).engine.observationSize,
            seed,
          });
    const progress = new ProgressLine({ label: "reward analyse", total: episodes, unit: "episodes" });
    let steps = 0;
    let analysis: CarSoccerRewardAnalysis;
    try {
      analysis = analyseCarSoccerReward({
        envId,
        spec,
        blue,
        orange,
        episodes,
        maxSeconds,
        seed,
        ...(rnd && noveltyCoef !== null ? { novelty: { rnd, coef: noveltyCoef } } : {}),
        onEpisode: (done, n) => {
          steps += n;
          progress.update(done, { steps });
        },
      });
    } catch (error) {
      if (error instanceof RewardSpecError)
        throw new UsageError(`${specFile ?? "the reward spec"}: ${error.message}`);
      throw error;
    } finally {
      rnd?.dispose();
    }
    progress.finish(episodes, { steps });
    report.episodes = analysis;
    printAnalysis(analysis);
    const svg = path.join(out, "analysis.svg");
    await writeFile(
      svg,
      rewardStatsSvg(
        analysis.statistics,
        `${envId}: ${blue.name} vs ${orange.name} — EPIC to goals ${analysis.distanceToGoals.epic.toFixed(3)}`,
      ),
    );
    written.push(svg);
  }
  const json = path.join(out, "analysis.json");
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  written.unshift(json);
  console.log(`\nwrote ${written.join(", ")}`);
}
