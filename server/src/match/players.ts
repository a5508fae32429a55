// Turns stored agent versions into the players of one match: scripted baselines by name, model
// agents from their stored artifact (a tfjs LayersModel), cached so that a busy ladder does not
// reload them.
import {
  type BaselinePolicy,
  type CarPolicy,
  createCarSoccerBot,
  loadTf,
  type ModelJson,
  ModelPolicy,
  ModelTimeoutError,
  manifestFormat,
  modelFromMemory,
} from "@league/agents";
import type { Prisma } from "@league/db";
import {
  type ActionParser,
  actionFromOutputs,
  type CarSoccerState,
  CONTROL_SIZE,
  carSoccerParts,
  duplicateObsBuilder,
  getEnvSpec,
  makeDuplicateEnv,
  type ObsBuilder,
  RecsimEnv,
} from "@league/envs";
import type * as Tf from "@tensorflow/tfjs";
import { unpackArtifact } from "../submissions/validate.js";
import { hostsTfjs, sharedModelHost } from "./model-host.js";

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

/** Per-action inference budget of model agents in duplicate and car-soccer matches. */
export const MODEL_TIME_BUDGET_MS = 50;
/** Decisions over budget a model is forgiven (the first inference also compiles kernels) before it is timed out. */
export const MODEL_MAX_OVERRUNS = 10;

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

/**
 * A model agent driving one car: the manifest's observation builder reads the match's true state,
 * the model's outputs become a raw action (actionFromOutputs) and the manifest's parser turns it
 * into the eight controls. Throws ModelTimeoutError once it has overrun its budget too often, and
 * on every decision after that without running the model.
 */
export class ModelCarController implements CarPolicy {
  overruns = 0;
  /**
   * Set when the model is timed out (over budget more than `maxOverruns` times): from then on every
   * decision throws it at once, without running the model again, so that a slow model cannot keep
   * stalling a match whose car idles on errors (a live room) instead of aborting.
   */
  timedOut: ModelTimeoutError | null = null;
  private readonly observation: Float32Array;
  private readonly action: Float32Array;

  constructor(
    readonly name: string,
    /** The network: null when it gave no answer in time (a model host that stopped waiting). */
    private readonly model: { logits(observation: Float32Array): Float32Array | null },
    private readonly obsBuilder: ObsBuilder,
    private readonly actionParser: ActionParser,
    teamSize: number,
    private readonly budgetMs = MODEL_TIME_BUDGET_MS,
    private readonly maxOverruns = MODEL_MAX_OVERRUNS,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.observation = new Float32Array(obsBuilder.size(teamSize));
    this.action = new Float32Array(actionParser.actionSize);
  }

  act(state: CarSoccerState, arena: number, car: number, controls: Float32Array): void {
    if (this.timedOut) throw this.timedOut;
    this.obsBuilder.build(state, arena, car, this.observation, 0);
    const started = this.now();
    // Synchronous: one inference cannot be interrupted, only counted once it returns.
    const outputs = this.model.logits(this.observation);
    const late = outputs === null || this.now() - started > this.budgetMs;
    if (late && ++this.overruns > this.maxOverruns) {
      this.timedOut = new ModelTimeoutError(this.name, this.overruns, this.budgetMs);
      throw this.timedOut;
    }
    if (outputs === null) {
      // No answer: the car idles this decision (all eight controls released).
      controls.fill(0, 0, CONTROL_SIZE);
      return;
    }
    actionFromOutputs(this.actionParser.actionSpace, outputs, this.action);
    this.actionParser.parse(this.action, 0, controls, 0);
  }
}

/** A controller for one car of a car-soccer match: a built-in bot by name, or a model agent. */
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
  let parts: ReturnType<typeof carSoccerParts>;
  try {
    parts = carSoccerParts(String(manifest.observationBuilder), String(manifest.actionParser));
  } catch (error) {
    throw new UnplayableVersionError(version.id, (error as Error).message);
  }
  const spec = getEnvSpec(version.envId);
  if (manifestFormat(manifest) === "onnx" || hostsTfjs()) {
    // In a model host (its own process, model-host.ts): a model that hangs or crashes costs idle decisions.
    let host: Awaited<ReturnType<typeof sharedModelHost>>;
    try {
      host = await sharedModelHost(version, { budgetMs: MODEL_TIME_BUDGET_MS });
    } catch (error) {
      throw new UnplayableVersionError(version.id, (error as Error).message);
    }
    return new ModelCarController(
      label,
      host,
      parts.obsBuilder,
      parts.actionParser,
      spec.numAgents / spec.numTeams,
    );
  }
  // Only logits() is used: ModelPolicy's own output mapping is for duplicate environments.
  const policy = new ModelPolicy(await loadTf(), await modelOf(version), {
    name: label,
    output: { kind: "argmax" },
    observationNormalization:
      (manifest.observationNormalization as { mean: number[]; var: number[]; clip: number } | null) ?? null,
  });
  return new ModelCarController(
    label,
    policy,
    parts.obsBuilder,
    parts.actionParser,
    spec.numAgents / spec.numTeams,
  );
}
