// The best tfjs backend present: native GPU, native CPU, WebAssembly, then plain JavaScript.
// The native packages are optional dependencies: where their install could not fetch
// libtensorflow they are simply absent, and we fall through to the next.
import type * as Tf from "@tensorflow/tfjs";
import { useExplicitTransposeMatMul } from "./wasm-matmul.js";

export type BackendName = "tensorflow-gpu" | "tensorflow" | "wasm" | "cpu";
export type TfModule = typeof Tf;

export interface TfRuntime {
  tf: TfModule;
  backend: BackendName;
  /** Why each better backend was passed over, for the log and the checkpoint. */
  skipped: { backend: BackendName; reason: string }[];
}

type Importer = (specifier: string) => Promise<unknown>;

const ORDER: BackendName[] = ["tensorflow-gpu", "tensorflow", "wasm", "cpu"];

async function tryBackend(name: BackendName, importModule: Importer): Promise<TfModule> {
  switch (name) {
    case "tensorflow-gpu":
      return (await importModule("@tensorflow/tfjs-node-gpu")) as TfModule;
    case "tensorflow":
      return (await importModule("@tensorflow/tfjs-node")) as TfModule;
    case "wasm": {
      const tf = (await importModule("@tensorflow/tfjs")) as TfModule;
      await importModule("@tensorflow/tfjs-backend-wasm");
      if (!(await tf.setBackend("wasm"))) throw new Error("the wasm backend did not initialise");
      useExplicitTransposeMatMul(tf);
      return tf;
    }
    case "cpu": {
      const tf = (await importModule("@tensorflow/tfjs")) as TfModule;
      await tf.setBackend("cpu");
      return tf;
    }
  }
}

/**
 * Loads tfjs on the first backend of `prefer` (default: best first) that works here.
 * `importModule` is injectable so that tests can make a native package look absent.
 */
export async function selectBackend(
  options: { prefer?: BackendName[]; importModule?: Importer } = {},
): Promise<TfRuntime> {
  const prefer = options.prefer ?? ORDER;
  const importModule = options.importModule ?? ((s: string) => import(s));
  const skipped: TfRuntime["skipped"] = [];
  for (const backend of prefer) {
    try {
      const tf = await tryBackend(backend, importModule);
      await tf.ready();
      return { tf, backend, skipped };
    } catch (error) {
      skipped.push({ backend, reason: ((error as Error).message ?? String(error)).split("\n")[0]! });
    }
  }
  throw new Error(
    `no tfjs backend could be loaded: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join("; ")}`,
  );
}

let shared: Promise<TfRuntime> | undefined;

/** One backend per process: the first call chooses (honouring LEAGUE_TF_BACKEND), later calls reuse it. */
export function loadTf(): Promise<TfRuntime> {
  const forced = process.env.LEAGUE_TF_BACKEND as BackendName | undefined;
  if (forced && !ORDER.includes(forced)) {
    throw new Error(`LEAGUE_TF_BACKEND="${forced}" is not one of ${ORDER.join(", ")}`);
  }
  shared ??= selectBackend(forced ? { prefer: [forced] } : {});
  return shared;
}
