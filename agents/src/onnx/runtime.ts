// ONNX Runtime for the league: one CPU thread per session (a policy is a few small matrix products,
// and the machine's cores belong to the matches), the CPU execution provider unless
// LEAGUE_ONNX_PROVIDERS names others (e.g. "cuda,cpu" where the CUDA provider's binaries were
// installed: agents/README.md, "ONNX on a GPU").
import type * as Ort from "onnxruntime-node";

export type OrtModule = typeof Ort;

/** Execution providers, best first, from LEAGUE_ONNX_PROVIDERS (comma-separated); CPU by default. */
export function onnxProviders(env: NodeJS.ProcessEnv = process.env): string[] {
  const named = (env.LEAGUE_ONNX_PROVIDERS ?? "")
    .split(",")
    .map((p) => p.trim().toLowerCase())
    .filter(Boolean);
  return named.length > 0 ? named : ["cpu"];
}

let ortModule: Promise<OrtModule> | null = null;

/** onnxruntime-node, imported on first use (its native library is loaded only where ONNX runs). */
export function loadOrt(): Promise<OrtModule> {
  ortModule ??= import("onnxruntime-node").then(
    (m) => (m as unknown as { default?: OrtModule }).default ?? m,
  );
  return ortModule;
}

/** A session over a model's bytes; throws ORT's own message when the graph does not load. */
export async function createOnnxSession(
  bytes: Uint8Array,
  providers: string[] = onnxProviders(),
): Promise<{ ort: OrtModule; session: Ort.InferenceSession }> {
  const ort = await loadOrt();
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: providers,
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "all",
    // Fatal only: errors reach the caller as exceptions (with ORT's message) already.
    logSeverityLevel: 4,
  });
  return { ort, session };
}
