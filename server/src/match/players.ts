// Turns stored agent versions into the players of one match: scripted baselines and bots by name,
// model agents from their stored artifact (a tfjs LayersModel, cached so that a busy ladder does
// not reload it, or an ONNX graph in a model host) as agents' ModelCarPolicy within the league's
// time budget.
import {
  type BaselinePolicy,
  type CarPolicy,
  createCarSoccerBot,
  loadTf,
  ModelCarPolicy,
  type ModelJson,
  ModelPolicy,
  manifestFormat,
  modelFromMemory,
  type PolicyNetwork,
} from "@league/agents";
import type { Prisma } from "@league/db";
import { carSoccerParts, duplicateObsBuilder, makeDuplicateEnv, RecsimEnv } from "@league/envs";
import type * as Tf from "@tensorflow/tfjs";
import { unpackArtifact } from "../submissions/validate.js";
import { hostsTfjs, sharedModelHost } from "./model-host.js";
import { MODEL_TIME_BUDGET_MS, TimeBudgetedPolicy } from "./time-budget.js";

export class UnplayableVersionError extends Error {
  constructor(versionId: string, reason: string) {
    super(`version ${versionId} cannot play: ${reason}`);
    this.name = "UnplayableVersionError";
  }
}

export interface StoredVersion {
  id: string;
  version: number;
  envId: string;
  manifest: Prisma.JsonValue;
  artifact: Uint8Array | null;
  agent: { name: string };
}

/** The manifest of a built-in car-soccer bot's version (registered by league/builtins.ts). */
export interface CarSoccerBotManifest {
  kind: "scripted";
  /** Name for createCarSoccerBot. */
  bot: string;
  env: string;
  description: string;
}

/** The bot name of a built-in car-soccer version's manifest, or null for any other version. */
export function carSoccerBotOf(manifest: unknown): string | null {
  const m = manifest as Partial<CarSoccerBotManifest> | null;
  return m?.kind === "scripted" && typeof m.bot === "string" ? m.bot : null;
}

const MODEL_CACHE_SIZE = 32;
const models = new Map<string, Promise<Tf.LayersModel>>();

async function modelOf(version: StoredVersion): Promise<Tf.LayersModel> {
  let model = models.get(version.id);
  if (!model) {
    if (!version.artifact) throw new UnplayableVersionError(version.id, "it has no stored model");
    const { modelJson, weights } = unpackArtifact(version.artifact);
    model = loadTf().then((runtime) => modelFromMemory(runtime.tf, modelJson as ModelJson, weights));
    models.set(version.id, model);
    // Least recently added goes first; versions are immutable, so a cached model never goes stale.
    if (models.size > MODEL_CACHE_SIZE) models.delete(models.keys().next().value!);
    model.catch(() => models.delete(version.id));
  }
  return model;
}

/** A player for a duplicate (bandit or recommender) match. */
export async function duplicatePlayer(
  version: StoredVersion,
): Promise<BaselinePolicy | { baseline: string; label: string }> {
  const label = `${version.agent.name} v${version.version}`;
  const manifest = version.manifest as {
    kind?: unknown;
    baseline?: unknown;
    observationBuilder?: unknown;
    actionParser?: unknown;
    actionSelection?: unknown;
    observationNormalization?: unknown;
  } | null;
  if (manifest?.kind === "scripted" && typeof manifest.baseline === "string")
    return { baseline: manifest.baseline, label };
  if (manifest?.kind !== "model")
    throw new UnplayableVersionError(version.id, `unknown agent kind ${JSON.stringify(manifest?.kind)}`);
  if (manifestFormat(manifest) === "onnx")
    throw new UnplayableVersionError(version.id, "ONNX models play car soccer only");
  const env = makeDuplicateEnv(version.envId);
  const output =
    env instanceof RecsimEnv
      ? { kind: "top-k" as const, k: env.config.slateSize }
      : { kind: "argmax" as const };
  // A fresh builder per player: it keeps the episode's history and is reset at every episode's start.
  let observationBuilder: ReturnType<typeof duplicateObsBuilder>;
  try {
    observationBuilder = duplicateObsBuilder(version.envId, String(manifest.observationBuilder ?? "default"));
  } catch (error) {
    throw new UnplayableVersionError(version.id, (error as Error).message);
  }
  return new ModelPolicy(await loadTf(), await modelOf(version), {
    name: label,
    output,
    observationBuilder,
    actionSelection: manifest.actionSelection === "sample" ? "sample" : "argmax",
    observationNormalization:
      (manifest.observationNormalization as { mean: number[]; var: number[]; clip: number } | null) ?? null,
    timeBudgetMs: MODEL_TIME_BUDGET_MS,
  });
}

interface ModelManifest {
  kind?: unknown;
  observationBuilder?: unknown;
  actionParser?: unknown;
  observationNormalization?: unknown;
}

/** A model agent's network from its stored artifact: shared (cached, or one host per version), never disposed here. */
async function networkOf(version: StoredVersion, manifest: ModelManifest): Promise<PolicyNetwork> {
  if (manifestFormat(manifest) === "onnx" || hostsTfjs()) {
    // In a model host (its own process, model-host.ts): a model that hangs or crashes costs idle decisions.
    const host = await sharedModelHost(version, { budgetMs: MODEL_TIME_BUDGET_MS });
    return { logits: (observation) => host.logits(observation) };
  }
  // Only logits() is used: ModelPolicy's own output mapping is for duplicate environments.
  const policy = new ModelPolicy(await loadTf(), await modelOf(version), {
    name: `${version.agent.name} v${version.version}`,
    output: { kind: "argmax" },
    observationNormalization:
      (manifest.observationNormalization as { mean: number[]; var: number[]; clip: number } | null) ?? null,
  });
  return { logits: (observation) => policy.logits(observation) };
}

/**
 * The player of one car of a car-soccer match: a built-in bot by name, or a model agent's
 * CarPolicy (agents' ModelCarPolicy) within the league's time budget (time-budget.ts).
 */
export async function carSoccerController(version: StoredVersion, seed: number): Promise<CarPolicy> {
  const label = `${version.agent.name} v${version.version}`;
  const bot = carSoccerBotOf(version.manifest);
  if (bot) {
    try {
      return createCarSoccerBot(bot, seed);
    } catch (error) {
      throw new UnplayableVersionError(version.id, (error as Error).message);
    }
  }
  const manifest = version.manifest as ModelManifest | null;
  if (manifest?.kind !== "model")
    throw new UnplayableVersionError(version.id, `unknown agent kind ${JSON.stringify(manifest?.kind)}`);
  try {
    // Parts first: a manifest naming an unknown builder or parser never loads its model.
    carSoccerParts(String(manifest.observationBuilder), String(manifest.actionParser));
    const network = await networkOf(version, manifest);
    const policy = ModelCarPolicy.fromManifest(
      {
        name: label,
        env: version.envId,
        observationBuilder: String(manifest.observationBuilder),
        actionParser: String(manifest.actionParser),
      },
      network,
    );
    return new TimeBudgetedPolicy(policy);
  } catch (error) {
    if (error instanceof UnplayableVersionError) throw error;
    throw new UnplayableVersionError(version.id, (error as Error).message);
  }
}
