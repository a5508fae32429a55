// What `--agent` / `--vs` name on the command line: a built-in baseline or bot by name, or a
// checkpoint folder (agent.json + a tfjs or ONNX model) by path.
import { existsSync } from "node:fs";
import path from "node:path";
import {
  A_BLUE_SCORE,
  A_ORANGE_SCORE,
  CarSoccerEnv,
  CONTROL_SIZE,
  ContinuousAction,
  duplicateObsBuilder,
  getEnvSpec,
  makeDuplicateEnv,
  RecsimEnv,
} from "@league/envs";
import { BASELINES, baselinesFor } from "../baselines/registry.js";
import type { BaselinePolicy } from "../baselines/types.js";
import { loadCarPolicy } from "../car-policy.js";
import type { CarPolicy } from "../policy.js";
import { loadTf } from "../ppo/backend.js";
import { CheckpointError, loadPolicy } from "../ppo/checkpoint.js";
import { ModelPolicy } from "../ppo/model-policy.js";
import { CAR_SOCCER_BOTS, createCarSoccerBot } from "../scripted/car-soccer.js";

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const isCheckpoint = (spec: string) => existsSync(path.join(spec, "agent.json"));

async function modelFor(dir: string, envId: string) {
  const runtime = await loadTf();
  const { manifest, actor, observationStats } = await loadPolicy(runtime, dir);
  if (manifest.env !== envId) throw new UsageError(`${dir} was trained for ${manifest.env}, not ${envId}`);
  return { runtime, manifest, actor, observationStats };
}

/** A duplicate-play entrant (bandits, recommender). */
export async function duplicateEntrant(spec: string, envId: string): Promise<string | BaselinePolicy> {
  if (isCheckpoint(spec)) {
    const { runtime, manifest, actor, observationStats } = await modelFor(spec, envId);
    const env = makeDuplicateEnv(envId);
    let observationBuilder: ReturnType<typeof duplicateObsBuilder>;
    try {
      observationBuilder = duplicateObsBuilder(envId, manifest.observationBuilder);
    } catch (error) {
      throw new UsageError(`${spec}: ${(error as Error).message}`);
    }
    return new ModelPolicy(runtime, actor, {
      name: manifest.name,
      // Local play keeps nobody waiting: the league's per-action budget is enforced by the server.
      timeBudgetMs: Number.POSITIVE_INFINITY,
      output: env instanceof RecsimEnv ? { kind: "top-k", k: env.config.slateSize } : { kind: "argmax" },
      // As the league plays it: the manifest's builder (reset every episode) and arm selection.
      observationBuilder,
      actionSelection: manifest.actionSelection ?? "argmax",
      observationNormalization:
        manifest.observationNormalization ??
        (observationStats ? { ...observationStats.toJSON(), clip: 10 } : null),
    });
  }
  const known = baselinesFor(makeDuplicateEnv(envId));
  if (!known.includes(spec)) {
    throw new UsageError(
      `"${spec}" is neither a checkpoint folder nor a baseline for ${envId} (${known.join(", ")})`,
    );
  }
  return spec;
}

/** A car-soccer player: a scripted bot or a checkpoint folder (tfjs or ONNX, as its agent.json says). */
export async function carPolicy(spec: string, envId: string, seed: number): Promise<CarPolicy> {
  if (isCheckpoint(spec)) {
    try {
      return await loadCarPolicy(spec, { envId });
    } catch (error) {
      if (error instanceof CheckpointError) throw new UsageError(error.message);
      throw error;
    }
  }
  if (!CAR_SOCCER_BOTS.some((b) => b.name === spec)) {
    const names = CAR_SOCCER_BOTS.map((b) => b.name).join(", ");
    throw new UsageError(`"${spec}" is neither a checkpoint folder nor a car-soccer bot (${names})`);
  }
  return createCarSoccerBot(spec, seed);
}

/**
 * Plays one car-soccer episode (until a goal or the time limit) between two policies; the
 * environment's continuous parser passes each policy's 8 controls through unchanged.
 */
export function playCarSoccerEpisode(
  envId: string,
  blue: CarPolicy,
  orange: CarPolicy,
  seed: number,
  onStep?: (env: CarSoccerEnv, step: number) => void,
): { blueGoals: number; orangeGoals: number; steps: number } {
  const env = new CarSoccerEnv({ spec: getEnvSpec(envId), actionParser: new ContinuousAction() });
  env.reset(seed);
  const controls = new Float32Array(CONTROL_SIZE);
  let steps = 0;
  for (;;) {
    const actions: Record<string, Float32Array> = {};
    env.agents.forEach((id, car) => {
      (id.startsWith("blue") ? blue : orange).act(env.state, 0, car, controls);
      actions[id] = Float32Array.from(controls);
    });
    const result = env.step(actions);
    steps++;
    onStep?.(env, steps);
    const ended = env.agents.some((id) => result.terminations[id] || result.truncations[id]);
    if (ended) {
      // One arena: its score fields are at the start of the arena buffer.
      return {
        blueGoals: env.state.arena[A_BLUE_SCORE]!,
        orangeGoals: env.state.arena[A_ORANGE_SCORE]!,
        steps,
      };
    }
  }
}

export const KNOWN_BASELINES = BASELINES.map((b) => b.name);
