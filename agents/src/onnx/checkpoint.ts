// ONNX checkpoints: a folder with `agent.json` (format "onnx") and `model.onnx`, as
// clients/python/export_policy.py writes them. The same manifest fields as a tfjs checkpoint name
// the environment, observation builder, action parser and tick skip; the model runs in an
// inference worker (InferenceHost) so that synchronous callers get synchronous answers.
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { AgentManifest } from "../policy.js";
import { CheckpointError } from "../ppo/checkpoint.js";
import { InferenceHost } from "./inference-host.js";

export const ONNX_FORMAT = "onnx";
export const ONNX_MODEL_FILE = "model.onnx";

/** `agent.json` of an ONNX model agent. */
export interface OnnxManifest extends AgentManifest {
  kind: "model";
  format: typeof ONNX_FORMAT;
  observationSize: number;
  actionCount: number;
  /** Standardisation applied before the model, as in tfjs checkpoints; usually null (done in the graph). */
  observationNormalization: { mean: number[]; var: number[]; clip: number } | null;
  training?: Record<string, unknown>;
}

/** The manifest's `format`: "onnx", or the tfjs checkpoint's version number. */
export function manifestFormat(manifest: unknown): "onnx" | "tfjs" {
  return (manifest as { format?: unknown } | null)?.format === ONNX_FORMAT ? "onnx" : "tfjs";
}

export async function readOnnxCheckpoint(
  dir: string,
): Promise<{ manifest: OnnxManifest; bytes: Uint8Array }> {
  const manifestPath = path.join(dir, "agent.json");
  let manifest: OnnxManifest;
  try {
    manifest = JSON.parse(await readFile(manifestPath, "utf8")) as OnnxManifest;
  } catch (cause) {
    throw new CheckpointError(`cannot read ${manifestPath}: ${(cause as Error).message}`, { cause });
  }
  if (manifest.format !== ONNX_FORMAT)
    throw new CheckpointError(`${manifestPath}: format ${JSON.stringify(manifest.format)}, not "onnx"`);
  const modelPath = path.join(dir, ONNX_MODEL_FILE);
  try {
    return { manifest, bytes: new Uint8Array(await readFile(modelPath)) };
  } catch (cause) {
    throw new CheckpointError(`cannot read ${modelPath}: ${(cause as Error).message}`, { cause });
  }
}

export interface OnnxPolicyOptions {
  /** Milliseconds one action may take in the worker (default 5000: generous, for the CLI). */
  budgetMs?: number;
}

/**
 * An ONNX model's outputs for observations, synchronously: `logits` runs the model in its worker
 * and waits (within the budget) for the answer, after the manifest's standardisation if any.
 * Throws when no answer came (the worker overran, failed or is restarting) — callers that should
 * carry on instead (league matches) use the server's model host, which acts idle.
 */
export class OnnxPolicy {
  readonly name: string;
  private readonly input: Float32Array;

  constructor(
    readonly manifest: OnnxManifest,
    readonly host: InferenceHost,
  ) {
    this.name = manifest.name;
    this.input = new Float32Array(manifest.observationSize);
  }

  static async load(dir: string, options: OnnxPolicyOptions = {}): Promise<OnnxPolicy> {
    const { manifest, bytes } = await readOnnxCheckpoint(dir);
    const host = await InferenceHost.start(
      { format: "onnx", bytes },
      {
        inputSize: manifest.observationSize,
        outputSize: manifest.actionCount,
        budgetMs: options.budgetMs ?? 5000,
      },
    );
    return new OnnxPolicy(manifest, host);
  }

  logits(observation: Float32Array): Float32Array {
    normalizeInto(this.manifest.observationNormalization, observation, this.input);
    const out = this.host.runSync(this.input);
    if (!out)
      throw new CheckpointError(`${this.name}: no answer from the ONNX model (${this.host.lastProblem})`);
    return out;
  }

  dispose(): void {
    this.host.dispose();
  }
}

/** `(x - mean) / sqrt(var + 1e-8)` clipped to ±clip, as ModelPolicy does; a copy when there is none. */
export function normalizeInto(
  norm: { mean: number[]; var: number[]; clip: number } | null | undefined,
  observation: Float32Array,
  out: Float32Array,
): Float32Array {
  if (observation.length !== out.length)
    throw new TypeError(`observation has ${observation.length} numbers, the model takes ${out.length}`);
  for (let i = 0; i < observation.length; i++) {
    const x = norm ? (observation[i]! - norm.mean[i]!) / Math.sqrt(norm.var[i]! + 1e-8) : observation[i]!;
    out[i] = norm ? Math.min(norm.clip, Math.max(-norm.clip, x)) : x;
  }
  return out;
}
