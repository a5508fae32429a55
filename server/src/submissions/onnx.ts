// Validates an ONNX submission (agent.json with format "onnx" + model.onnx, as
// clients/python/export_policy.py writes it) before anything is stored: the manifest, the graph as
// declared in its bytes (standard operators of a feed-forward policy only, nothing stored outside
// the file, one float input of the observation's width, one output of the action parser's), then
// the model loaded and run on probe observations in the model host's child process, where a graph
// that crashes or hangs ONNX Runtime costs a process, not the server.
import { createHash } from "node:crypto";
import {
  InferenceHost,
  InferenceHostError,
  inspectOnnx,
  isStandardDomain,
  ONNX_MODEL_FILE,
  type OnnxModelInfo,
  OnnxProtoError,
} from "@league/agents";
import { getEnvSpec, Rng } from "@league/envs";
import { z } from "zod";
import {
  MAX_ARTIFACT_BYTES,
  type PolicyIO,
  SubmissionError,
  type SubmittedManifest,
  type ValidatedSubmission,
  validateSubmission,
} from "./validate.js";

/**
 * Operators a policy may use (the standard domain only): the arithmetic, activations, shape
 * plumbing and normalisations that torch.onnx.export writes for MLPs, and nothing with control
 * flow (Loop, If, Scan), randomness or I/O. As ALLOWED_LAYERS for tfjs: known maths only.
 */
// biome-ignore format: a table reads better than one name per line
export const ALLOWED_ONNX_OPERATORS = new Set([
  "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Neg", "Abs", "Sqrt", "Pow", "Exp", "Log",
  "Reciprocal", "Max", "Min", "Sum", "Mean", "Clip", "Relu", "LeakyRelu", "PRelu", "Elu", "Selu",
  "Celu", "Gelu", "Tanh", "Sigmoid", "HardSigmoid", "HardSwish", "Softplus", "Softsign", "Erf",
  "Softmax", "LogSoftmax", "Identity", "Dropout", "Constant", "ConstantOfShape", "Cast", "Shape",
  "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Concat", "Split", "Slice", "Gather", "Transpose",
  "Expand", "Tile", "Where", "Equal", "Greater", "Less", "Not", "ReduceMean", "ReduceSum",
  "ReduceMax", "ReduceMin", "LayerNormalization", "BatchNormalization",
  "InstanceNormalization",
]);

/** Milliseconds one probe may take (first run and kernel set-up are paid at load, outside it). */
export const PROBE_BUDGET_MS = 2000;
/** Milliseconds the model may take to load and run once. */
export const LOAD_TIMEOUT_MS = 30_000;
/** Seconds an upload refused for want of a probe slot is told to wait (a probe takes about a second). */
export const PROBE_RETRY_AFTER_S = 5;

/**
 * Probes that may run at once across uploads (ONNX_PROBES): each starts a model process of up to
 * 4 GiB of address space during the request, so the server bounds how many. An upload that finds
 * every slot taken is refused at once (ProbesBusyError: the API's 503 with Retry-After) rather than
 * queued, so that no request waits on others' models.
 */
export class ProbeSlots {
  private taken = 0;

  constructor(readonly size: number) {
    if (!(Number.isInteger(size) && size >= 1))
      throw new RangeError(`probe slots: ${size}, not a whole number ≥ 1`);
  }

  /** Takes a slot: the function that gives it back (once), or null when all are taken. */
  tryTake(): (() => void) | null {
    if (this.taken >= this.size) return null;
    this.taken++;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.taken--;
    };
  }

  get inUse(): number {
    return this.taken;
  }
}

/** Every probe slot is taken: the upload is not refused for what it is, and may be sent again later. */
export class ProbesBusyError extends Error {
  constructor(readonly slots: number) {
    super(
      `the server is checking ${slots} other ONNX model(s) and runs at most ${slots} at once; send the upload again in ${PROBE_RETRY_AFTER_S} s`,
    );
    this.name = "ProbesBusyError";
  }
}

const FLOAT = 1;

const OnnxManifest = z.object({
  name: z.string().min(1).max(64),
  kind: z.literal("model"),
  format: z.literal("onnx"),
  env: z.string().min(1).max(64),
  observationBuilder: z.string().min(1).max(64),
  actionParser: z.string().min(1).max(64),
  tickSkip: z.number().int().min(1).max(120),
  observationSize: z.number().int().min(1).max(100_000),
  actionCount: z.number().int().min(1).max(100_000),
  observationNormalization: z
    .object({
      mean: z.array(z.number()),
      var: z.array(z.number().nonnegative()),
      clip: z.number().positive(),
    })
    .nullable()
    .optional(),
  /** Free notes on how it was trained: flat values only (they are stored and shown as they are). */
  training: z
    .record(z.string().max(64), z.union([z.string().max(500), z.number(), z.boolean(), z.null()]))
    .optional(),
});
export type OnnxSubmittedManifest = z.infer<typeof OnnxManifest>;

export interface ValidatedOnnxSubmission {
  manifest: OnnxSubmittedManifest;
  /** model.onnx exactly as uploaded. */
  artifact: Uint8Array;
  sha256: string;
  /** The graph's operator types, in order of first use. */
  layers: string[];
  parameters: number;
}

/** Files an ONNX submission may hold; probes.json is what the exporter saves for checking, not stored. */
const ONNX_FILES = new Set(["agent.json", ONNX_MODEL_FILE, "probes.json"]);

/** Whether a submission's agent.json declares an ONNX model (then validateOnnxSubmission applies). */
export function isOnnxSubmission(files: Map<string, Uint8Array>): boolean {
  if (files.has(ONNX_MODEL_FILE)) return true;
  const agentJson = files.get("agent.json");
  if (!agentJson || agentJson.byteLength > 1_000_000) return false;
  try {
    return (JSON.parse(Buffer.from(agentJson).toString("utf8")) as { format?: unknown })?.format === "onnx";
  } catch {
    return false;
  }
}

function manifestOf(bytes: Uint8Array): OnnxSubmittedManifest {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch (error) {
    throw new SubmissionError("invalid_json", `agent.json is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = OnnxManifest.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new SubmissionError(
      "invalid_manifest",
      `agent.json: ${issue.path.length ? `${issue.path.join(".")}: ` : ""}${issue.message}`,
    );
  }
  return parsed.data;
}

function describeDims(dims: (number | string)[] | null): string {
  return dims
    ? `[${dims.map((d) => (typeof d === "number" ? d : JSON.stringify(d))).join(", ")}]`
    : "no shape";
}

/** The declared graph against the league's rules and the environment's sizes. */
function checkGraph(info: OnnxModelInfo, io: PolicyIO): void {
  if (info.externalTensors.length > 0)
    throw new SubmissionError(
      "external_data",
      `model.onnx keeps tensor ${info.externalTensors.slice(0, 3).join(", ")} in an external file; save it with every weight inside the model (torch.onnx.export does, below 2 GB)`,
    );
  const customDomains = [
    ...new Set([
      ...info.opsetImports.map((o) => o.domain).filter((d) => !isStandardDomain(d)),
      ...info.operators.map((o) => o.domain).filter((d) => !isStandardDomain(d)),
    ]),
  ];
  if (customDomains.length > 0 || info.functionCount > 0)
    throw new SubmissionError(
      "custom_operator",
      customDomains.length > 0
        ? `model.onnx uses operators of custom domain ${customDomains.map((d) => JSON.stringify(d)).join(", ")}; only the standard ONNX operator set runs`
        : `model.onnx defines ${info.functionCount} local function(s); only the standard ONNX operator set runs`,
    );
  const unknown = [...new Set(info.operators.map((o) => o.opType))].filter(
    (op) => !ALLOWED_ONNX_OPERATORS.has(op),
  );
  if (unknown.length > 0)
    throw new SubmissionError(
      "unknown_operator",
      `model.onnx uses operators the league does not run: ${unknown.join(", ")} (a policy needs no control flow)`,
    );
  if (info.inputs.length !== 1)
    throw new SubmissionError(
      "shape_mismatch",
      `model.onnx takes ${info.inputs.length} inputs (${info.inputs.map((i) => i.name).join(", ")}); it must take exactly one, the observation`,
    );
  if (info.outputs.length !== 1)
    throw new SubmissionError(
      "shape_mismatch",
      `model.onnx has ${info.outputs.length} outputs (${info.outputs.map((o) => o.name).join(", ")}); it must have exactly one, the action outputs`,
    );
  const [input] = info.inputs as [OnnxModelInfo["inputs"][number]];
  const [output] = info.outputs as [OnnxModelInfo["outputs"][number]];
  const rowOf = (dims: (number | string)[] | null, width: number) =>
    !!dims && dims.length === 2 && (typeof dims[0] === "string" || dims[0] === 1) && dims[1] === width;
  if (input.elemType !== FLOAT || !rowOf(input.dims, io.observationSize))
    throw new SubmissionError(
      "shape_mismatch",
      `model.onnx's input ${JSON.stringify(input.name)} is ${input.elemType === FLOAT ? "float" : `of element type ${input.elemType}`} ${describeDims(input.dims)}; it must be float [batch, ${io.observationSize}]`,
    );
  if (output.elemType !== FLOAT || !rowOf(output.dims, io.actionCount))
    throw new SubmissionError(
      "shape_mismatch",
      `model.onnx's output ${JSON.stringify(output.name)} is ${output.elemType === FLOAT ? "float" : `of element type ${output.elemType}`} ${describeDims(output.dims)}; it must be float [batch, ${io.actionCount}] (one per action)`,
    );
}

/**
 * Observations to probe with: zeros, seeded draws in the observation's usual range [-1, 1] and a
 * few far outside it (positions and velocities are normalised, but not bounded).
 */
function probeObservations(size: number): Float32Array[] {
  const rng = new Rng(18, 0x0a11);
  const draw = (scale: number) => Float32Array.from({ length: size }, () => rng.uniform(-scale, scale));
  return [new Float32Array(size), draw(1), draw(1), draw(1), draw(3), draw(10)];
}

/** Loads the model in a model host and checks its outputs on the probes; SubmissionError on failure. */
async function probe(bytes: Uint8Array, io: PolicyIO): Promise<void> {
  let host: InferenceHost;
  try {
    host = await InferenceHost.start(
      { format: "onnx", bytes },
      {
        inputSize: io.observationSize,
        outputSize: io.actionCount,
        budgetMs: PROBE_BUDGET_MS,
        startTimeoutMs: LOAD_TIMEOUT_MS,
        maxRestarts: 0,
      },
    );
  } catch (error) {
    if (!(error instanceof InferenceHostError)) throw error;
    throw new SubmissionError("model_not_loadable", `model.onnx: ${error.message.slice(0, 500)}`);
  }
  try {
    for (const [i, observation] of probeObservations(io.observationSize).entries()) {
      const outputs = await host.run(observation);
      if (!outputs)
        throw new SubmissionError(
          "model_failed",
          `model.onnx gave no output on probe observation ${i}: ${host.lastProblem ?? "no answer"}`,
        );
      const bad = outputs.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0)
        throw new SubmissionError(
          "outputs_not_finite",
          `model.onnx's output ${bad} is ${outputs[bad]} on probe observation ${i}; every output must be a finite number`,
        );
    }
  } finally {
    host.dispose();
  }
}

/**
 * Validates an ONNX submission given its files by name; throws SubmissionError with the reason, or
 * ProbesBusyError when it passes every check before the probe and `slots` has none free.
 */
export async function validateOnnxSubmission(
  files: Map<string, Uint8Array>,
  resolveIO: (manifest: OnnxSubmittedManifest) => PolicyIO,
  slots: ProbeSlots,
): Promise<ValidatedOnnxSubmission> {
  const total = [...files.values()].reduce((sum, f) => sum + f.byteLength, 0);
  if (total > MAX_ARTIFACT_BYTES)
    throw new SubmissionError(
      "too_large",
      `the submission is ${total} bytes; the limit is ${MAX_ARTIFACT_BYTES}`,
    );
  for (const name of files.keys())
    if (!ONNX_FILES.has(name))
      throw new SubmissionError(
        "unexpected_file",
        `${JSON.stringify(name)} is not part of an ONNX submission (agent.json and model.onnx; every weight inside model.onnx)`,
      );
  const agentJson = files.get("agent.json");
  const bytes = files.get(ONNX_MODEL_FILE);
  if (!agentJson) throw new SubmissionError("missing_file", "agent.json is missing");
  if (!bytes)
    throw new SubmissionError(
      "missing_file",
      `agent.json says format "onnx" but ${ONNX_MODEL_FILE} is missing`,
    );
  const manifest = manifestOf(agentJson);

  let family: string;
  try {
    family = getEnvSpec(manifest.env).family;
  } catch (error) {
    throw new SubmissionError("unknown_env_parts", `agent.json: ${(error as Error).message}`);
  }
  if (family !== "car-soccer")
    throw new SubmissionError(
      "unsupported_env",
      `agent.json: ONNX models play car-soccer leagues; submit a ${manifest.env} agent as a tfjs checkpoint (league train writes one)`,
    );
  let io: PolicyIO;
  try {
    io = resolveIO(manifest);
  } catch (error) {
    throw new SubmissionError("unknown_env_parts", `agent.json: ${(error as Error).message}`);
  }
  if (manifest.observationSize !== io.observationSize || manifest.actionCount !== io.actionCount)
    throw new SubmissionError(
      "shape_mismatch",
      `agent.json declares ${manifest.observationSize} observations and ${manifest.actionCount} actions; ` +
        `${manifest.env} with ${manifest.observationBuilder}/${manifest.actionParser} has ${io.observationSize} and ${io.actionCount}`,
    );
  const norm = manifest.observationNormalization;
  if (norm && (norm.mean.length !== io.observationSize || norm.var.length !== io.observationSize))
    throw new SubmissionError(
      "shape_mismatch",
      `agent.json: observationNormalization must have ${io.observationSize} means and variances`,
    );

  let info: OnnxModelInfo;
  try {
    info = inspectOnnx(bytes);
  } catch (error) {
    if (!(error instanceof OnnxProtoError)) throw error;
    throw new SubmissionError("invalid_model", `model.onnx is not an ONNX model: ${error.message}`);
  }
  checkGraph(info, io);
  const giveBack = slots.tryTake();
  if (!giveBack) throw new ProbesBusyError(slots.size);
  try {
    await probe(bytes, io);
  } finally {
    giveBack();
  }

  const artifact = new Uint8Array(bytes);
  return {
    manifest: { ...manifest, observationNormalization: manifest.observationNormalization ?? null },
    artifact,
    sha256: createHash("sha256").update(artifact).digest("hex"),
    layers: [...new Set(info.operators.map((o) => o.opType))],
    parameters: info.parameters,
  };
}

/** An upload of either kind, by its agent.json: ONNX (validateOnnxSubmission) or tfjs (validateSubmission). */
export async function validateAnySubmission(
  files: Map<string, Uint8Array>,
  resolveIO: (manifest: Pick<SubmittedManifest, "env" | "observationBuilder" | "actionParser">) => PolicyIO,
  probeSlots: ProbeSlots,
): Promise<ValidatedSubmission | ValidatedOnnxSubmission> {
  return isOnnxSubmission(files)
    ? validateOnnxSubmission(files, resolveIO, probeSlots)
    : validateSubmission(files, resolveIO);
}
