// What a learned policy for an environment takes in and puts out, given the observation builder
// and action parser named in its `agent.json`. The league checks submitted models against this.

import { BanditEnv } from "./bandits/env.js";
import { BANDIT_HISTORY_BUILDER, BanditHistoryObs, type DuplicateObsBuilder } from "./bandits/history.js";
import { makeDuplicateEnv } from "./bandits/make.js";
import { ContinuousAction, LookupTableAction, MultiDiscreteAction } from "./car-soccer/actions.js";
import { AdvancedObs, DefaultObs } from "./car-soccer/obs.js";
import { getEnvSpec } from "./catalogue.js";
import { RecsimEnv } from "./recsim/env.js";
import type { Space } from "./spec.js";

export interface PolicyIO {
  /** Numbers in one observation. */
  observationSize: number;
  /** Numbers the model outputs: logits of a discrete choice, their concatenation for multi-discrete, means of a box. */
  actionCount: number;
}

export class PolicyIOError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PolicyIOError";
  }
}

/** Model outputs needed to produce an action of `space`. */
export function outputsFor(space: Space): number {
  switch (space.kind) {
    case "discrete":
      return space.n;
    case "multi-discrete":
      return space.nvec.reduce((a, b) => a + b, 0);
    case "box":
      return space.shape.reduce((a, b) => a * b, 1);
  }
}

const CAR_SOCCER_OBS = { default: () => new DefaultObs(), advanced: () => new AdvancedObs() } as const;
const CAR_SOCCER_ACTIONS = {
  lookup: () => new LookupTableAction(),
  "multi-discrete": () => new MultiDiscreteAction(),
  continuous: () => new ContinuousAction(),
} as const;

function pick<T>(table: Record<string, T>, name: string, what: string, envId: string): T {
  const found = table[name];
  if (!found)
    throw new PolicyIOError(
      `unknown ${what} "${name}" for ${envId}; known: ${Object.keys(table).join(", ")}`,
    );
  return found;
}

export function describePolicyIO(envId: string, observationBuilder: string, actionParser: string): PolicyIO {
  let spec: ReturnType<typeof getEnvSpec>;
  try {
    spec = getEnvSpec(envId);
  } catch (error) {
    throw new PolicyIOError((error as Error).message);
  }
  if (spec.family === "car-soccer") {
    const obs = pick(CAR_SOCCER_OBS, observationBuilder, "observation builder", envId)();
    const parser = pick(CAR_SOCCER_ACTIONS, actionParser, "action parser", envId)();
    return {
      observationSize: obs.size(spec.numAgents / spec.numTeams),
      actionCount: outputsFor(parser.actionSpace),
    };
  }
  const env = makeDuplicateEnv(envId);
  const builder = pick(duplicateObsBuilders(env), observationBuilder, "observation builder", envId)();
  // Bandits choose one arm; the recommender scores every item and recommends the top k.
  const parsers: Record<string, number> =
    env instanceof RecsimEnv
      ? { "slate-scores": env.config.numItems }
      : { discrete: outputsFor(env.actionSpace) };
  return {
    observationSize: builder ? builder.size : outputsFor(env.observationSpace),
    actionCount: pick(parsers, actionParser, "action parser", envId),
  };
}

/**
 * The observation builders of a duplicate environment: `default` (the environment's own
 * observation, no builder: null) everywhere, and `history` (BanditHistoryObs) on the stationary
 * Bernoulli bandits.
 */
function duplicateObsBuilders(
  env: ReturnType<typeof makeDuplicateEnv>,
): Record<string, () => DuplicateObsBuilder | null> {
  const builders: Record<string, () => DuplicateObsBuilder | null> = { default: () => null };
  if (env instanceof BanditEnv && env.config.kind === "bernoulli") {
    const numArms = env.config.numArms;
    builders[BANDIT_HISTORY_BUILDER] = () => new BanditHistoryObs(numArms);
  }
  return builders;
}

/**
 * A fresh observation builder for a player of duplicate league `envId`, as its manifest names it:
 * null for `default` (the model reads the environment's observation as it is). One per player:
 * it keeps the episode's history, so `reset()` it at each episode's start. Throws PolicyIOError
 * for a builder the environment does not have.
 */
export function duplicateObsBuilder(envId: string, observationBuilder: string): DuplicateObsBuilder | null {
  const env = makeDuplicateEnv(envId);
  return pick(duplicateObsBuilders(env), observationBuilder, "observation builder", envId)();
}

/** The car-soccer observation builder and action parser a manifest names. */
export function carSoccerParts(observationBuilder: string, actionParser: string) {
  return {
    obsBuilder: pick(CAR_SOCCER_OBS, observationBuilder, "observation builder", "car-soccer")(),
    actionParser: pick(CAR_SOCCER_ACTIONS, actionParser, "action parser", "car-soccer")(),
  };
}

/**
 * Turns a model's outputs into the raw action its parser reads: the argmax for a discrete
 * choice, one argmax per branch for multi-discrete, the outputs clamped to the box otherwise.
 */
export function actionFromOutputs(space: Space, outputs: ArrayLike<number>, out: Float32Array): Float32Array {
  const argmax = (from: number, n: number) => {
    let best = 0;
    for (let i = 1; i < n; i++) if (outputs[from + i]! > outputs[from + best]!) best = i;
    return best;
  };
  switch (space.kind) {
    case "discrete":
      out[0] = argmax(0, space.n);
      return out;
    case "multi-discrete": {
      let from = 0;
      space.nvec.forEach((n, branch) => {
        out[branch] = argmax(from, n);
        from += n;
      });
      return out;
    }
    case "box":
      for (let i = 0; i < out.length; i++) out[i] = Math.min(space.high, Math.max(space.low, outputs[i]!));
      return out;
  }
}
