// Checkpoints are exactly the submission format: `agent.json` + `model.json` + `weights.bin`
// (a tfjs LayersModel), plus, for resuming, `trainer/`: the critic, the trainer's counters,
// Adam's moments and, with RND, the intrinsic critic and the RND networks' state.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type * as Tf from "@tensorflow/tfjs";
import type { AgentManifest } from "../policy.js";
import type { RndSnapshot } from "../rewards/novelty.js";
import type { BackendName, TfModule, TfRuntime } from "./backend.js";
import type { ActionSelection } from "./model-policy.js";
import type { AdamSnapshot } from "./optimizer.js";
import type { PpoState } from "./ppo.js";
import { RunningMeanStd } from "./running-stats.js";

export const CHECKPOINT_FORMAT = 1;

/** `agent.json` of a trained model agent. */
export interface ModelManifest extends AgentManifest {
  kind: "model";
  format: typeof CHECKPOINT_FORMAT;
  observationSize: number;
  actionCount: number;
  /**
   * Duplicate leagues: how the arm is chosen from the logits, the most likely (default) or drawn
   * from their softmax with the episode's seed (see ModelPolicy). Absent means argmax.
   */
  actionSelection?: ActionSelection;
  /** Standardisation applied to observations before the model (running statistics at save time). */
  observationNormalization: { mean: number[]; var: number[]; clip: number } | null;
  training: {
    backend: BackendName;
    globalStep: number;
    gitCommit: string | null;
    savedAt: string;
    rewardSpec?: unknown;
    /** Self-play runs: shaped return and outcome per iteration (the reward-hacking check's input). */
    trend?: { step: number; shaped: number; outcome: number }[];
  };
}

export class CheckpointError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CheckpointError";
  }
}

/** Serialises a LayersModel to `model.json` text and the bytes of `weights.bin`. */
async function modelFiles(
  tf: TfModule,
  model: Tf.LayersModel,
): Promise<{ modelJson: string; weights: Uint8Array }> {
  let files: { modelJson: string; weights: Uint8Array } | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = new Uint8Array(artifacts.weightData as ArrayBuffer);
      const modelJson = JSON.stringify({
        format: "layers-model",
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs }],
      });
      files = { modelJson, weights };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  if (!files) throw new CheckpointError("tfjs did not hand over the model's artifacts");
  return files;
}

/** `model.json` as tfjs writes it. */
export interface ModelJson {
  modelTopology: unknown;
  weightsManifest: { paths: string[]; weights: Tf.io.WeightsManifestEntry[] }[];
}

/** A LayersModel from `model.json` and its weights' bytes (all weight files concatenated in order). */
export async function modelFromMemory(
  tf: TfModule,
  json: ModelJson,
  weights: Uint8Array,
): Promise<Tf.LayersModel> {
  const manifest = json.weightsManifest[0];
  if (!json.modelTopology || !manifest)
    throw new CheckpointError("model.json has no modelTopology or weightsManifest");
  const weightData = new Uint8Array(weights).buffer;
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology as object,
      weightSpecs: manifest.weights,
      weightData,
    }),
  );
}

async function loadModel(tf: TfModule, dir: string): Promise<Tf.LayersModel> {
  const modelPath = path.join(dir, "model.json");
  let json: {
    modelTopology?: unknown;
    weightsManifest?: { paths: string[]; weights: Tf.io.WeightsManifestEntry[] }[];
  };
  try {
    json = JSON.parse(await readFile(modelPath, "utf8"));
  } catch (cause) {
    throw new CheckpointError(`cannot read ${modelPath}: ${(cause as Error).message}`, { cause });
  }
  const manifest = json.weightsManifest?.[0];
  if (!json.modelTopology || !manifest)
    throw new CheckpointError(`${modelPath} has no modelTopology or weightsManifest`);
  const chunks = await Promise.all(manifest.paths.map((p) => readFile(path.join(dir, path.basename(p)))));
  return modelFromMemory(tf, json as ModelJson, Buffer.concat(chunks));
}

/**
 * The commit the process started from: read at its first checkpoint and kept, so that commits made
 * while a long run trains do not relabel the code it runs.
 */
let startCommit: string | null | undefined;
function gitCommit(): string | null {
  if (startCommit !== undefined) return startCommit;
  try {
    startCommit = execFileSync("git", ["rev-parse", "HEAD"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    startCommit = null;
  }
  return startCommit;
}

/**
 * Writes the checkpoint into `dir` atomically: everything goes to a sibling directory first,
 * which then replaces `dir`, so a crash never leaves a half-written checkpoint.
 */
export async function saveCheckpoint(
  runtime: TfRuntime,
  dir: string,
  state: PpoState,
  agent: Omit<AgentManifest, "kind"> & {
    rewardSpec?: unknown;
    trend?: { step: number; shaped: number; outcome: number }[];
    actionSelection?: ActionSelection;
  },
): Promise<ModelManifest> {
  const { tf } = runtime;
  const [inputShape] = state.actor.inputs.map((t) => t.shape);
  const [outputShape] = state.actor.outputs.map((t) => t.shape);
  const manifest: ModelManifest = {
    name: agent.name,
    kind: "model",
    env: agent.env,
    observationBuilder: agent.observationBuilder,
    actionParser: agent.actionParser,
    tickSkip: agent.tickSkip,
    format: CHECKPOINT_FORMAT,
    observationSize: inputShape?.[1] ?? 0,
    actionCount: outputShape?.[1] ?? 0,
    ...(agent.actionSelection === undefined ? {} : { actionSelection: agent.actionSelection }),
    observationNormalization: state.observationStats
      ? {
          mean: Array.from(state.observationStats.mean),
          var: Array.from(state.observationStats.var),
          clip: 10,
        }
      : null,
    training: {
      backend: runtime.backend,
      globalStep: state.globalStep,
      gitCommit: gitCommit(),
      savedAt: new Date().toISOString(),
      ...(agent.rewardSpec === undefined ? {} : { rewardSpec: agent.rewardSpec }),
      ...(agent.trend?.length ? { trend: agent.trend } : {}),
    },
  };
  const actor = await modelFiles(tf, state.actor);
  const critic = await modelFiles(tf, state.critic);
  const staging = `${dir}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(path.join(staging, "trainer", "critic"), { recursive: true });
  await writeFile(path.join(staging, "agent.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(path.join(staging, "model.json"), actor.modelJson);
  await writeFile(path.join(staging, "weights.bin"), actor.weights);
  await writeFile(path.join(staging, "trainer", "critic", "model.json"), critic.modelJson);
  await writeFile(path.join(staging, "trainer", "critic", "weights.bin"), critic.weights);
  await writeFile(
    path.join(staging, "trainer", "state.json"),
    JSON.stringify({
      globalStep: state.globalStep,
      observationStats: state.observationStats?.toJSON() ?? null,
    }),
  );
  if (state.optimizer)
    await writeArrays(path.join(staging, "trainer", "optimizer"), adamFile(state.optimizer));
  if (state.intrinsic) {
    const critic = await modelFiles(tf, state.intrinsic.critic);
    await mkdir(path.join(staging, "trainer", "intrinsic-critic"));
    await writeFile(path.join(staging, "trainer", "intrinsic-critic", "model.json"), critic.modelJson);
    await writeFile(path.join(staging, "trainer", "intrinsic-critic", "weights.bin"), critic.weights);
    await writeArrays(path.join(staging, "trainer", "rnd"), rndFile(state.intrinsic.rnd));
  }
  const previous = `${dir}.previous-${process.pid}`;
  await rm(previous, { recursive: true, force: true });
  await rename(dir, previous).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "ENOENT") throw error;
  });
  await rename(staging, dir);
  await rm(previous, { recursive: true, force: true });
  return manifest;
}

/** The policy part of a checkpoint: what the league needs to play it. */
export async function loadPolicy(
  runtime: TfRuntime,
  dir: string,
): Promise<{ manifest: ModelManifest; actor: Tf.LayersModel; observationStats: RunningMeanStd | null }> {
  const manifestPath = path.join(dir, "agent.json");
  let manifest: ModelManifest;
  try {
    manifest = JSON.parse(await readFile(manifestPath, "utf8")) as ModelManifest;
  } catch (cause) {
    throw new CheckpointError(`cannot read ${manifestPath}: ${(cause as Error).message}`, { cause });
  }
  if (manifest.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(
      `${manifestPath}: checkpoint format ${manifest.format}, this version reads ${CHECKPOINT_FORMAT}`,
    );
  }
  const actor = await loadModel(runtime.tf, dir);
  const norm = manifest.observationNormalization;
  const observationStats = norm
    ? RunningMeanStd.fromJSON({ mean: norm.mean, var: norm.var, count: 1 })
    : null;
  return { manifest, actor, observationStats };
}

/** Everything needed to continue training from a checkpoint. */
export async function loadTrainerState(
  runtime: TfRuntime,
  dir: string,
): Promise<PpoState & { manifest: ModelManifest }> {
  const { manifest, actor } = await loadPolicy(runtime, dir);
  const trainer = path.join(dir, "trainer");
  const critic = await loadModel(runtime.tf, path.join(trainer, "critic"));
  const saved = JSON.parse(await readFile(path.join(trainer, "state.json"), "utf8")) as {
    globalStep: number;
    observationStats: { mean: number[]; var: number[]; count: number } | null;
  };
  // Checkpoints from before Adam's moments were kept resume with a fresh Adam.
  const optimizer = existsSync(path.join(trainer, "optimizer.json"))
    ? adamFromFile(await readArrays(path.join(trainer, "optimizer")))
    : undefined;
  const intrinsic = existsSync(path.join(trainer, "rnd.json"))
    ? {
        critic: await loadModel(runtime.tf, path.join(trainer, "intrinsic-critic")),
        rnd: rndFromFile(await readArrays(path.join(trainer, "rnd"))),
      }
    : undefined;
  return {
    manifest,
    actor,
    critic,
    globalStep: saved.globalStep,
    observationStats: saved.observationStats ? RunningMeanStd.fromJSON(saved.observationStats) : null,
    ...(optimizer ? { optimizer } : {}),
    ...(intrinsic ? { intrinsic } : {}),
  };
}

/** Named float32 arrays beside plain-JSON fields: `<base>.json` (fields, names, shapes) + `<base>.bin`. */
interface ArraysFile {
  fields: Record<string, unknown>;
  arrays: { name: string; shape: number[]; values: Float32Array }[];
}

async function writeArrays(base: string, file: ArraysFile): Promise<void> {
  const bytes = Buffer.concat(
    file.arrays.map((a) => Buffer.from(a.values.buffer, a.values.byteOffset, a.values.byteLength)),
  );
  await writeFile(`${base}.bin`, bytes);
  await writeFile(
    `${base}.json`,
    JSON.stringify({ ...file.fields, arrays: file.arrays.map(({ name, shape }) => ({ name, shape })) }),
  );
}

async function readArrays(base: string): Promise<ArraysFile> {
  const { arrays, ...fields } = JSON.parse(await readFile(`${base}.json`, "utf8")) as {
    arrays: { name: string; shape: number[] }[];
  } & Record<string, unknown>;
  const bytes = await readFile(`${base}.bin`);
  let offset = 0;
  const read = arrays.map(({ name, shape }) => {
    const n = shape.reduce((a, b) => a * b, 1);
    if (offset + n * 4 > bytes.byteLength)
      throw new CheckpointError(`${base}.bin is shorter than ${base}.json says`);
    const values = new Float32Array(n);
    Buffer.from(values.buffer).set(bytes.subarray(offset, offset + n * 4));
    offset += n * 4;
    return { name, shape, values };
  });
  return { fields, arrays: read };
}

function adamFile(adam: AdamSnapshot): ArraysFile {
  return { fields: { iterations: adam.iterations }, arrays: adam.moments };
}

function adamFromFile(file: ArraysFile): AdamSnapshot {
  return { iterations: file.fields.iterations as number, moments: file.arrays };
}

function rndFile(rnd: RndSnapshot): ArraysFile {
  const { target, predictor, optimizer, ...stats } = rnd;
  return {
    fields: { ...stats, optimizerIterations: optimizer.iterations },
    arrays: [
      ...target.map((w, i) => ({ name: `target/${i}`, ...w })),
      ...predictor.map((w, i) => ({ name: `predictor/${i}`, ...w })),
      ...optimizer.moments.map((m) => ({ ...m, name: `adam/${m.name}` })),
    ],
  };
}

function rndFromFile(file: ArraysFile): RndSnapshot {
  const { optimizerIterations, ...stats } = file.fields as Omit<
    RndSnapshot,
    "target" | "predictor" | "optimizer"
  > & { optimizerIterations: number };
  const part = (prefix: string) =>
    file.arrays.filter((a) => a.name.startsWith(prefix)).map(({ shape, values }) => ({ shape, values }));
  return {
    ...stats,
    target: part("target/"),
    predictor: part("predictor/"),
    optimizer: {
      iterations: optimizerIterations,
      moments: file.arrays
        .filter((a) => a.name.startsWith("adam/"))
        .map((a) => ({ ...a, name: a.name.slice("adam/".length) })),
    },
  };
}
