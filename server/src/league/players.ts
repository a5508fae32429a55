// Turns stored agent versions into players: scripted baselines by name, model agents from their
// stored artifact (a tfjs LayersModel), cached so that a busy ladder does not reload them.
import { type BaselinePolicy, loadTf, type ModelJson, ModelPolicy, modelFromMemory } from "@league/agents";
import type { Prisma } from "@league/db";
import { makeDuplicateEnv, RecsimEnv } from "@league/envs";
import type * as Tf from "@tensorflow/tfjs";
import { unpackArtifact } from "../submissions/validate.js";

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

/** Per-action inference budget of model agents in duplicate matches. */
export const MODEL_TIME_BUDGET_MS = 50;

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
    actionParser?: unknown;
    observationNormalization?: unknown;
  } | null;
  if (manifest?.kind === "scripted" && typeof manifest.baseline === "string")
    return { baseline: manifest.baseline, label };
  if (manifest?.kind !== "model")
    throw new UnplayableVersionError(version.id, `unknown agent kind ${JSON.stringify(manifest?.kind)}`);
  const env = makeDuplicateEnv(version.envId);
  const output =
    env instanceof RecsimEnv
      ? { kind: "top-k" as const, k: env.config.slateSize }
      : { kind: "argmax" as const };
  return new ModelPolicy(await loadTf(), await modelOf(version), {
    name: label,
    output,
    observationNormalization:
      (manifest.observationNormalization as { mean: number[]; var: number[]; clip: number } | null) ?? null,
    timeBudgetMs: MODEL_TIME_BUDGET_MS,
  });
}
