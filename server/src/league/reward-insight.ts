// Reward insight for submitted models (issue 22): when a car-soccer checkpoint carries the reward
// spec it was trained with (agent.json `training.rewardSpec`), validation analyses that reward —
// what each part pays for, how far it is from "score goals" (EPIC and STARC), whether ending an
// episode pays less than the shaping it forfeits — and, when the checkpoint also carries its
// training trend (`training.trend`: [{ step, shaped, outcome }]), whether the run looks like reward
// hacking. The analysis plays seeded episodes of the built-in ball-chaser against the defender
// (as `league reward analyse` does by default), so every reward is measured on the same play. It
// runs in a worker thread (reward-worker.ts): a few seconds of simulation never hold the event loop.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  analyseCarSoccerReward,
  createCarSoccerBot,
  RewardSpecError,
  type RunPoint,
  rewardHackingCheck,
} from "@league/agents";
import { Prisma, type PrismaClient } from "@league/db";
import { getEnvSpec } from "@league/envs";
import { WorkerPool } from "../match/worker-pool.js";

/** What the analysis plays: seeded, the same for every version, so rewards compare side by side. */
export const REWARD_INSIGHT_SETTINGS = {
  blue: "ball-chaser",
  orange: "defender",
  episodes: 6,
  maxSeconds: 40,
  seed: 1,
  gamma: 0.99,
};

export interface RewardInsight {
  version: 1;
  computedAt: string;
  env: string;
  players: { blue: string; orange: string };
  settings: typeof REWARD_INSIGHT_SETTINGS & { levelledStates: number; rolloutSteps: number };
  episodes: number;
  steps: number;
  goals: { blue: number; orange: number };
  /** Per additive part of the spec: its share of all |reward| paid, its signed share, correlation with goals per episode. */
  components: {
    name: string;
    shareOfMagnitude: number;
    shareOfTotal: number | null;
    correlationWithGoals: number | null;
  }[];
  distanceToGoals: {
    epic: number;
    starc: number;
    goalsIndifferent: boolean;
    transitions: number;
    gamma: number;
  };
  termination: {
    flagged: boolean;
    reason: string;
    shapingStreamValue: number;
    goalStepReward: number | null;
  };
  /** Null when the checkpoint carries no training trend. */
  hacking: {
    flagged: boolean;
    reason: string;
    shapedTrend: number | null;
    outcomeTrend: number | null;
  } | null;
  flags: string[];
}

/** The reward spec and training trend a manifest carries, or why there is nothing to analyse. */
export function rewardInputs(
  envId: string,
  manifest: unknown,
): { spec: unknown; trend: RunPoint[] | null } | { skip: string } {
  if (getEnvSpec(envId).family !== "car-soccer") return { skip: "only car-soccer rewards are analysed" };
  const training = (manifest as { training?: { rewardSpec?: unknown; trend?: unknown } } | null)?.training;
  if (!training || training.rewardSpec === undefined) return { skip: "no reward spec in the checkpoint" };
  const trend = Array.isArray(training.trend)
    ? training.trend.filter(
        (p): p is RunPoint =>
          typeof p === "object" &&
          p !== null &&
          [p.step, p.shaped, p.outcome].every((x: unknown) => typeof x === "number" && Number.isFinite(x)),
      )
    : null;
  return { spec: training.rewardSpec, trend: trend?.length ? trend : null };
}

/** Plays the analysis episodes and condenses the result to what the site shows. */
export function analyseReward(job: {
  envId: string;
  spec: unknown;
  trend: RunPoint[] | null;
}): RewardInsight {
  const s = REWARD_INSIGHT_SETTINGS;
  const a = analyseCarSoccerReward({
    envId: job.envId,
    spec: job.spec,
    blue: createCarSoccerBot(s.blue, s.seed),
    orange: createCarSoccerBot(s.orange, s.seed + 1),
    episodes: s.episodes,
    maxSeconds: s.maxSeconds,
    seed: s.seed,
    gamma: s.gamma,
  });
  const hacking = job.trend ? rewardHackingCheck(job.trend) : null;
  const flags: string[] = [];
  if (a.termination.flagged) flags.push(`termination incentive: ${a.termination.reason}`);
  if (hacking?.flagged) flags.push(`reward hacking: ${hacking.reason}`);
  return {
    version: 1,
    computedAt: new Date().toISOString(),
    env: a.env,
    players: a.players,
    settings: {
      ...s,
      levelledStates: a.distanceToGoals.levelled.states,
      rolloutSteps: a.distanceToGoals.levelled.rolloutSteps,
    },
    episodes: a.statistics.episodes,
    steps: a.statistics.steps,
    goals: a.goals,
    components: a.statistics.components.map((c) => ({
      name: c.name,
      shareOfMagnitude: c.shareOfMagnitude,
      shareOfTotal: c.shareOfTotal,
      correlationWithGoals: c.correlationWithOutcome.perEpisode,
    })),
    distanceToGoals: {
      epic: a.distanceToGoals.epic,
      starc: a.distanceToGoals.starc,
      goalsIndifferent: a.distanceToGoals.goalsIndifferent,
      transitions: a.distanceToGoals.transitions,
      gamma: a.distanceToGoals.gamma,
    },
    termination: {
      flagged: a.termination.flagged,
      reason: a.termination.reason,
      shapingStreamValue: a.termination.shapingStreamValue,
      goalStepReward: a.termination.goalStepReward,
    },
    hacking: hacking
      ? {
          flagged: hacking.flagged,
          reason: hacking.reason,
          shapedTrend: hacking.shapedTrend,
          outcomeTrend: hacking.outcomeTrend,
        }
      : null,
    flags,
  };
}

/** The analysis, or the reason it could not be made (a spec this build cannot compile). */
export type RewardInsightResult = { ok: true; insight: RewardInsight } | { ok: false; reason: string };

export function runRewardInsight(job: {
  envId: string;
  spec: unknown;
  trend: RunPoint[] | null;
}): RewardInsightResult {
  try {
    return { ok: true, insight: analyseReward(job) };
  } catch (error) {
    if (error instanceof RewardSpecError || error instanceof RangeError)
      return { ok: false, reason: `the reward spec could not be analysed: ${error.message}` };
    throw error;
  }
}

let pool: WorkerPool<Parameters<typeof runRewardInsight>[0], RewardInsightResult> | null | undefined;

function workerScript(): URL | null {
  for (const url of [
    new URL("./reward-worker.js", import.meta.url),
    new URL("../../dist/league/reward-worker.js", import.meta.url),
  ])
    if (existsSync(fileURLToPath(url))) return url;
  return null;
}

/** Runs the analysis in a worker thread (one, made on first use; it does not keep the process alive). */
export function rewardInsightOffThread(
  job: Parameters<typeof runRewardInsight>[0],
): Promise<RewardInsightResult> {
  if (pool === undefined) {
    const script = workerScript();
    pool = script ? new WorkerPool(script, { size: 1 }) : null;
  }
  return pool ? pool.run(job) : Promise.resolve(runRewardInsight(job));
}

/**
 * A car-soccer version whose checkpoint carries its reward spec gets its reward analysed, in a
 * worker thread, and stored on the version (AgentVersion.rewardAnalysis); without a spec the column
 * stays null. An analysis that fails is stored as its reason: it never fails the version.
 */
export async function storeRewardInsight(
  prisma: PrismaClient,
  version: { id: string; envId: string; manifest: unknown },
): Promise<void> {
  const inputs = rewardInputs(version.envId, version.manifest);
  if ("skip" in inputs) return;
  let analysis: object;
  try {
    const result = await rewardInsightOffThread({ envId: version.envId, ...inputs });
    analysis = result.ok ? result.insight : { error: result.reason };
  } catch (error) {
    analysis = { error: `the reward analysis failed: ${(error as Error).message}` };
  }
  await prisma.agentVersion.update({ where: { id: version.id }, data: { rewardAnalysis: analysis } });
}

/**
 * Analyses every active or reserve car-soccer version whose checkpoint carries a reward spec and
 * has no analysis yet: the shipped trained agents (registered without validation) and versions
 * validated before the analysis existed. One at a time in the worker thread; the server starts it
 * without waiting for it. Returns how many it analysed.
 */
export async function backfillRewardInsights(prisma: PrismaClient): Promise<number> {
  const versions = await prisma.agentVersion.findMany({
    where: {
      envId: { startsWith: "car-soccer" },
      status: { in: ["active", "reserve"] },
      rewardAnalysis: { equals: Prisma.DbNull },
    },
    select: { id: true, envId: true, manifest: true },
    orderBy: { createdAt: "asc" },
  });
  let analysed = 0;
  for (const version of versions) {
    if ("skip" in rewardInputs(version.envId, version.manifest)) continue;
    await storeRewardInsight(prisma, version);
    analysed++;
  }
  return analysed;
}
