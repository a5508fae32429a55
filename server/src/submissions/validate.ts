// Validates a submitted model agent before anything is stored: the manifest, the model topology
// (known layer types only: nothing from a submission is ever executed as code), the shapes against
// the environment, and the weight bytes against the declared weights.
import { createHash } from "node:crypto";
import { z } from "zod";
import { isStorableText } from "../storable-text.js";

/** Largest artifact stored (the database enforces the same bound). */
export const MAX_ARTIFACT_BYTES = 32 * 1024 * 1024;

/** Layers a policy may use: plain feed-forward parts whose maths tfjs implements itself. */
export const ALLOWED_LAYERS = new Set([
  "InputLayer",
  "Dense",
  "Activation",
  "Dropout",
  "Flatten",
  "Reshape",
  "LayerNormalization",
  "BatchNormalization",
  "LeakyReLU",
  "ReLU",
  "ELU",
  "Softmax",
  "Add",
  "Concatenate",
  "Multiply",
]);

const FLOAT32_BYTES = 4;

export class SubmissionError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "SubmissionError";
  }
}

const Manifest = z.object({
  name: z.string().min(1).max(64),
  kind: z.literal("model"),
  format: z.literal(1),
  env: z.string().min(1).max(64),
  observationBuilder: z.string().min(1).max(64),
  actionParser: z.string().min(1).max(64),
  tickSkip: z.number().int().min(1).max(120),
  observationSize: z.number().int().min(1).max(100_000),
  actionCount: z.number().int().min(1).max(100_000),
  /** Duplicate leagues: the arm is the argmax of the logits (default) or drawn from their softmax. */
  actionSelection: z.enum(["argmax", "sample"]).optional(),
  observationNormalization: z
    .object({
      mean: z.array(z.number()),
      var: z.array(z.number().nonnegative()),
      clip: z.number().positive(),
    })
    .nullable(),
  training: z.record(z.string(), z.unknown()).optional(),
});
export type SubmittedManifest = z.infer<typeof Manifest>;

const WeightSpec = z.object({
  name: z.string().min(1).max(256),
  shape: z.array(z.number().int().min(0).max(1_000_000)).max(8),
  // Every layer the league runs holds float32 weights; another dtype would also misalign the
  // weight bytes (a 1-byte bool made a 4n+1-byte file and a fractional parameter count).
  dtype: z.literal("float32", { error: "only float32 weights: the league's layers hold no others" }),
});

const ModelJson = z.object({
  format: z.literal("layers-model").optional(),
  modelTopology: z
    .object({
      class_name: z.string().optional(),
      config: z.unknown().optional(),
      model_config: z.unknown().optional(),
    })
    .passthrough(),
  weightsManifest: z
    .array(
      z.object({ paths: z.array(z.string().min(1).max(200)).min(1).max(64), weights: z.array(WeightSpec) }),
    )
    .length(1),
});

/** What the environment expects of a policy: the sizes of what goes in and comes out. */
export interface PolicyIO {
  observationSize: number;
  actionCount: number;
}

/** Resolves an (env, observation builder, action parser) triple to its sizes, or says why it cannot. */
export type PolicyIOResolver = (manifest: SubmittedManifest) => PolicyIO;

export interface ValidatedSubmission {
  manifest: SubmittedManifest;
  /** model.json + weights packed into one artifact (see `packArtifact`). */
  artifact: Uint8Array;
  sha256: string;
  layers: string[];
  parameters: number;
}

/** Deepest array/object nesting a submitted JSON file may have; real model files stay far below it. */
export const MAX_JSON_DEPTH = 100;

/** The deepest nesting of arrays and objects in a JSON text, counted without recursion. */
function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

function parseJson(name: string, bytes: Uint8Array): unknown {
  // Size is bounded by the artifact limit already. JSON.parse accepts any depth, but storing or
  // loading a deeply nested value recurses (JSON.stringify overflows the stack): refuse it here.
  const text = Buffer.from(bytes).toString("utf8");
  const depth = jsonDepth(text);
  if (depth > MAX_JSON_DEPTH)
    throw new SubmissionError(
      "invalid_json",
      `${name} nests arrays and objects ${depth} levels deep; the limit is ${MAX_JSON_DEPTH}`,
    );
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SubmissionError("invalid_json", `${name} is not valid JSON: ${(error as Error).message}`);
  }
}

/** Where in a JSON value a key or string holds what PostgreSQL's jsonb cannot store, or null. */
function findUnstorableText(value: unknown, where = "(root)"): string | null {
  if (typeof value === "string") return isStorableText(value) ? null : where;
  if (typeof value !== "object" || value === null) return null;
  for (const [key, inner] of Object.entries(value)) {
    const path = where === "(root)" ? key : `${where}.${key}`;
    if (!isStorableText(key)) return `key ${JSON.stringify(path)}`;
    const found = findUnstorableText(inner, path);
    if (found) return found;
  }
  return null;
}

function zodProblem(name: string, error: z.ZodError): string {
  const issue = error.issues[0]!;
  return `${name}: ${issue.path.length ? `${issue.path.join(".")}: ` : ""}${issue.message}`;
}

interface LayerInfo {
  className: string;
  batchInputShape?: (number | null)[];
  units?: number;
}

/** Every layer of a Sequential or functional topology, nested models included. */
function collectLayers(topology: unknown, out: LayerInfo[] = [], depth = 0): LayerInfo[] {
  if (depth > 8) throw new SubmissionError("invalid_topology", "model.json nests models more than 8 deep");
  const node = topology as { class_name?: string; config?: unknown; model_config?: unknown };
  const model = (node.model_config ?? node) as { class_name?: string; config?: unknown };
  const config = model.config as { layers?: unknown[] } | unknown[] | undefined;
  const layers = Array.isArray(config) ? config : (config as { layers?: unknown[] } | undefined)?.layers;
  if (!Array.isArray(layers))
    throw new SubmissionError("invalid_topology", "model.json's modelTopology lists no layers");
  for (const [index, layer] of (layers as { class_name?: unknown; config?: unknown }[]).entries()) {
    if (typeof layer !== "object" || layer === null || Array.isArray(layer))
      throw new SubmissionError(
        "invalid_topology",
        `model.json: layer ${index} is ${JSON.stringify(layer)}, not an object`,
      );
    const config = (typeof layer.config === "object" && layer.config !== null ? layer.config : {}) as Record<
      string,
      unknown
    >;
    const className = typeof layer?.class_name === "string" ? layer.class_name : "(missing class_name)";
    if (className === "Sequential" || className === "Model" || className === "Functional") {
      collectLayers(layer, out, depth + 1);
      continue;
    }
    out.push({
      className,
      batchInputShape: Array.isArray(config.batch_input_shape)
        ? (config.batch_input_shape as (number | null)[])
        : undefined,
      units: typeof config.units === "number" ? config.units : undefined,
    });
  }
  return out;
}

/** Validates and packs a submission given its files by name; throws SubmissionError with the reason. */
export function validateSubmission(
  files: Map<string, Uint8Array>,
  resolveIO: PolicyIOResolver,
): ValidatedSubmission {
  const total = [...files.values()].reduce((sum, f) => sum + f.byteLength, 0);
  if (total > MAX_ARTIFACT_BYTES) {
    throw new SubmissionError(
      "too_large",
      `the submission is ${total} bytes; the limit is ${MAX_ARTIFACT_BYTES}`,
    );
  }
  for (const name of files.keys()) {
    if (!/^[A-Za-z0-9._-]{1,100}$/.test(name) || name.startsWith(".")) {
      throw new SubmissionError(
        "invalid_file_name",
        `file name ${JSON.stringify(name)} is not allowed (letters, digits, . _ -)`,
      );
    }
  }
  const agentJson = files.get("agent.json");
  const modelJsonBytes = files.get("model.json");
  if (!agentJson) throw new SubmissionError("missing_file", "agent.json is missing");
  if (!modelJsonBytes) throw new SubmissionError("missing_file", "model.json is missing");

  const manifestResult = Manifest.safeParse(parseJson("agent.json", agentJson));
  if (!manifestResult.success)
    throw new SubmissionError("invalid_manifest", zodProblem("agent.json", manifestResult.error));
  const manifest = manifestResult.data;
  // Stored as jsonb, which refuses both: a 422 here rather than a failed insert.
  const unstorable = findUnstorableText(manifest);
  if (unstorable)
    throw new SubmissionError(
      "invalid_manifest",
      `agent.json: ${unstorable} contains a NUL character or a lone UTF-16 surrogate`,
    );
  if (manifest.actionSelection === "sample" && manifest.actionParser !== "discrete")
    throw new SubmissionError(
      "invalid_manifest",
      `agent.json: actionSelection "sample" needs the bandits' "discrete" action parser, not "${manifest.actionParser}"`,
    );
  let io: PolicyIO;
  try {
    io = resolveIO(manifest);
  } catch (error) {
    throw new SubmissionError("unknown_env_parts", `agent.json: ${(error as Error).message}`);
  }
  if (manifest.observationSize !== io.observationSize || manifest.actionCount !== io.actionCount) {
    throw new SubmissionError(
      "shape_mismatch",
      `agent.json declares ${manifest.observationSize} observations and ${manifest.actionCount} actions; ` +
        `${manifest.env} with ${manifest.observationBuilder}/${manifest.actionParser} has ${io.observationSize} and ${io.actionCount}`,
    );
  }
  const norm = manifest.observationNormalization;
  if (norm && (norm.mean.length !== io.observationSize || norm.var.length !== io.observationSize)) {
    throw new SubmissionError(
      "shape_mismatch",
      `agent.json: observationNormalization must have ${io.observationSize} means and variances`,
    );
  }

  const modelResult = ModelJson.safeParse(parseJson("model.json", modelJsonBytes));
  if (!modelResult.success)
    throw new SubmissionError("invalid_model", zodProblem("model.json", modelResult.error));
  const model = modelResult.data;
  const layers = collectLayers(model.modelTopology);
  const unknown = layers.filter((l) => !ALLOWED_LAYERS.has(l.className)).map((l) => l.className);
  if (unknown.length > 0) {
    throw new SubmissionError(
      "unknown_layer",
      `model.json uses layer types the league does not run: ${[...new Set(unknown)].join(", ")}`,
    );
  }
  const input = layers.find((l) => l.batchInputShape)?.batchInputShape;
  if (input?.length !== 2 || input[1] !== io.observationSize) {
    throw new SubmissionError(
      "shape_mismatch",
      `the model's input shape is ${JSON.stringify(input ?? null)}; it must be [null, ${io.observationSize}]`,
    );
  }
  const lastWithUnits = [...layers].reverse().find((l) => l.units !== undefined);
  if (lastWithUnits?.units !== io.actionCount) {
    throw new SubmissionError(
      "shape_mismatch",
      `the model outputs ${lastWithUnits?.units ?? "an unknown number of"} values; it must output ${io.actionCount} (one per action)`,
    );
  }

  const manifestEntry = model.weightsManifest[0]!;
  const parameters = manifestEntry.weights.reduce((sum, w) => sum + w.shape.reduce((p, d) => p * d, 1), 0);
  if (!Number.isSafeInteger(parameters) || parameters * FLOAT32_BYTES > MAX_ARTIFACT_BYTES)
    throw new SubmissionError(
      "too_large",
      `model.json declares ${parameters} weights; the limit is ${MAX_ARTIFACT_BYTES / FLOAT32_BYTES}`,
    );
  const expectedBytes = parameters * FLOAT32_BYTES;
  const chunks: Uint8Array[] = [];
  for (const weightPath of manifestEntry.paths) {
    const chunk = files.get(weightPath);
    if (!chunk)
      throw new SubmissionError(
        "missing_file",
        `model.json names weight file ${JSON.stringify(weightPath)}, which was not uploaded`,
      );
    chunks.push(chunk);
  }
  const weights = Buffer.concat(chunks);
  if (weights.byteLength !== expectedBytes) {
    throw new SubmissionError(
      "weights_mismatch",
      `the weight files hold ${weights.byteLength} bytes; the shapes in model.json need ${expectedBytes}`,
    );
  }
  const floats = new Float32Array(weights.buffer, weights.byteOffset, Math.floor(weights.byteLength / 4));
  for (let i = 0; i < floats.length; i++) {
    if (!Number.isFinite(floats[i]!))
      throw new SubmissionError("weights_not_finite", `weight ${i} is not a finite number`);
  }

  const artifact = packArtifact(
    {
      format: "layers-model",
      modelTopology: model.modelTopology,
      weightsManifest: [{ paths: ["weights.bin"], weights: manifestEntry.weights }],
    },
    weights,
  );
  return {
    manifest,
    artifact,
    sha256: createHash("sha256").update(artifact).digest("hex"),
    layers: layers.map((l) => l.className),
    parameters,
  };
}

const MAGIC = 0x414c4d31; // "ALM1"

/** One stored blob: magic, length of model.json, model.json, the weights. */
export function packArtifact(modelJson: unknown, weights: Uint8Array): Uint8Array {
  const json = Buffer.from(JSON.stringify(modelJson), "utf8");
  const out = Buffer.alloc(8 + json.byteLength + weights.byteLength);
  out.writeUInt32BE(MAGIC, 0);
  out.writeUInt32BE(json.byteLength, 4);
  json.copy(out, 8);
  Buffer.from(weights.buffer, weights.byteOffset, weights.byteLength).copy(out, 8 + json.byteLength);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

export function unpackArtifact(artifact: Uint8Array): { modelJson: unknown; weights: Uint8Array } {
  const buf = Buffer.from(artifact.buffer, artifact.byteOffset, artifact.byteLength);
  if (buf.byteLength < 8 || buf.readUInt32BE(0) !== MAGIC)
    throw new SubmissionError("invalid_artifact", "not an Agent League model artifact");
  const length = buf.readUInt32BE(4);
  if (8 + length > buf.byteLength) throw new SubmissionError("invalid_artifact", "the artifact is truncated");
  return {
    modelJson: JSON.parse(buf.subarray(8, 8 + length).toString("utf8")),
    weights: new Uint8Array(buf.subarray(8 + length)),
  };
}
