// The model host: a stored model agent's network run in its own process (agents' InferenceHost:
// a relay thread and a child process), with a time budget per action. An action over budget is
// idle (counted); a process stuck far longer is killed and restarted while the match carries on;
// one that crashes or exhausts memory costs its process, never the server or a room. ONNX models
// always run here (ONNX Runtime's binding loads into one JavaScript context per process, and
// matches run in worker threads); tfjs models too when LEAGUE_MODEL_HOST=process.
import {
  InferenceHost,
  type InferenceStats,
  type ModelSource,
  manifestFormat,
  normalizeInto,
} from "@league/agents";
import { unpackArtifact } from "../submissions/validate.js";

export interface ModelHostOptions {
  /** Milliseconds one action may take; past it the decision is idle (counted). */
  budgetMs: number;
  /** Milliseconds an action may stay unanswered before the model's process is killed and replaced. */
  killAfterMs?: number;
}

/** What the league stores of a model agent's version: its manifest and its artifact. */
export interface HostedVersion {
  id: string;
  manifest: unknown;
  artifact: Uint8Array | null;
}

export interface ModelHost {
  /** The network's outputs for one observation (already built), or null when it gave none in time. */
  logits(observation: Float32Array): Float32Array | null;
  /** As logits, without blocking the thread while the model computes. */
  act(observation: Float32Array): Promise<Float32Array | null>;
  /** Requests, answers, overruns, errors, crashes and restarts so far. */
  readonly stats: InferenceStats;
  /** Process id of the model's current process (for operators: it is the one to look at). */
  readonly pid: number;
  dispose(): void;
}

interface ModelManifest {
  name?: unknown;
  observationSize?: unknown;
  actionCount?: unknown;
  observationNormalization?: { mean: number[]; var: number[]; clip: number } | null;
}

export class ModelHostError extends Error {
  constructor(versionId: string, reason: string) {
    super(`version ${versionId}: ${reason}`);
    this.name = "ModelHostError";
  }
}

/** The model of a stored version as the inference process loads it. */
export function modelSourceOf(version: HostedVersion): ModelSource {
  if (!version.artifact) throw new ModelHostError(version.id, "it has no stored model");
  if (manifestFormat(version.manifest) === "onnx") return { format: "onnx", bytes: version.artifact };
  const { modelJson, weights } = unpackArtifact(version.artifact);
  return { format: "tfjs", modelJson, weights };
}

/** Starts a model host for a stored version; throws ModelHostError when its model does not load. */
export async function createModelHost(version: HostedVersion, options: ModelHostOptions): Promise<ModelHost> {
  const manifest = (version.manifest ?? {}) as ModelManifest;
  const inputSize = Number(manifest.observationSize);
  const outputSize = Number(manifest.actionCount);
  if (!(inputSize > 0 && outputSize > 0))
    throw new ModelHostError(version.id, "its manifest has no observationSize and actionCount");
  let host: InferenceHost;
  try {
    host = await InferenceHost.start(modelSourceOf(version), {
      inputSize,
      outputSize,
      budgetMs: options.budgetMs,
      killAfterMs: options.killAfterMs,
    });
  } catch (error) {
    throw new ModelHostError(version.id, (error as Error).message);
  }
  const norm = manifest.observationNormalization ?? null;
  const input = new Float32Array(inputSize);
  return {
    logits: (observation) => host.runSync(normalizeInto(norm, observation, input)),
    act: (observation) => host.run(normalizeInto(norm, observation, input.slice())),
    get stats() {
      return host.stats;
    },
    get pid() {
      return host.pid;
    },
    dispose: () => host.dispose(),
  };
}

/** Whether tfjs models run in a model host too (LEAGUE_MODEL_HOST=process), not in the match's thread. */
export function hostsTfjs(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.LEAGUE_MODEL_HOST === "process";
}

const HOST_CACHE_SIZE = 8;
const hosts = new Map<string, Promise<ModelHost>>();

/**
 * The model host of a version, shared by this thread's matches (a host answers one request at a
 * time, and a thread's matches ask one after another): started once, the least recently started
 * disposed past HOST_CACHE_SIZE. Versions are immutable, so a host never goes stale.
 */
export function sharedModelHost(version: HostedVersion, options: ModelHostOptions): Promise<ModelHost> {
  let host = hosts.get(version.id);
  if (!host) {
    host = createModelHost(version, options);
    hosts.set(version.id, host);
    host.catch(() => hosts.delete(version.id));
    if (hosts.size > HOST_CACHE_SIZE) {
      const [oldestId, oldest] = hosts.entries().next().value!;
      hosts.delete(oldestId);
      void oldest.then((h) => h.dispose()).catch(() => {});
    }
  }
  return host;
}

/** Disposes every shared host of this thread (a worker or server that stops). */
export async function disposeModelHosts(): Promise<void> {
  const all = [...hosts.values()];
  hosts.clear();
  await Promise.all(all.map((h) => h.then((host) => host.dispose()).catch(() => {})));
}
