// What the inference host, its relay thread and its child process share. The model runs in a child
// process (ONNX Runtime's Node binding loads into one JavaScript context per process only, and a
// process can be killed outright when a native call hangs). A relay worker thread passes each
// request to the child and writes the answer into a SharedArrayBuffer, so that the host can wait
// for it synchronously, with a time limit, inside a synchronous match loop.

/** A model as the league stores it: an ONNX protobuf, or a tfjs LayersModel (model.json + weights). */
export type ModelSource =
  | { format: "onnx"; bytes: Uint8Array }
  | { format: "tfjs"; modelJson: unknown; weights: Uint8Array };

export interface RelayData {
  source: ModelSource;
  inputSize: number;
  outputSize: number;
  /** Control words (Int32) then the input and the output (Float32): see the offsets below. */
  shared: SharedArrayBuffer;
  /** ONNX Runtime execution providers, best first ("cpu" always works; "cuda" needs its binaries). */
  providers: string[];
  /** Child processes the relay starts after the first (restarts) before it gives up. */
  maxRestarts: number;
  /** V8 heap limit of the child process, MiB. */
  heapMiB: number;
  /** Address-space limit of an ONNX model's process, MiB (0: none). */
  addressSpaceMiB: number;
}

/** Int32 words at the start of the shared buffer. */
export const CTRL = {
  /** STATE_*: whether a child is loaded and waiting for requests. */
  STATE: 0,
  /** Number of the latest request (the host increments it). */
  REQUEST: 1,
  /** Number of the latest answered request (the relay sets it after writing the output). */
  ANSWER: 2,
  /** 0 the answer is the output; 1 inference threw. */
  STATUS: 3,
  /** Process id of the current child, for the host to kill it when it overruns. */
  PID: 4,
  /** Child processes that exited (killed by the host or not). */
  EXITS: 5,
} as const;
export const CTRL_WORDS = 6;

export const STATE_STARTING = 0;
export const STATE_READY = 1;
/** The relay gave up: the model failed to load, or its children died too often. */
export const STATE_FAILED = -1;

export function sharedLayout(inputSize: number, outputSize: number) {
  const inputOffset = CTRL_WORDS * 4;
  const outputOffset = inputOffset + inputSize * 4;
  return { inputOffset, outputOffset, bytes: outputOffset + outputSize * 4 };
}

/** Relay → host: the first child loaded the model, or why not; later, inference errors. */
export type RelayMessage =
  | { kind: "ready" }
  | { kind: "failed"; message: string }
  | { kind: "problem"; message: string };

/** Relay → child. */
export type ChildRequest =
  | { kind: "load"; source: ModelSource; inputSize: number; outputSize: number; providers: string[] }
  | { kind: "run"; request: number; input: Float32Array }
  /** Sent every PING_MS: a child that hears nothing for CHILD_SILENCE_MS has lost its relay. */
  | { kind: "ping" };

export const PING_MS = 1000;
export const CHILD_SILENCE_MS = 5000;

/** Child → relay. */
export type ChildReply =
  | { kind: "ready" }
  | { kind: "failed"; message: string }
  | { kind: "answer"; request: number; output: Float32Array }
  | { kind: "error"; request: number; message: string };

/** Atomics.waitAsync (Node 16+; not yet in the TypeScript lib this project targets). */
export const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      array: Int32Array,
      index: number,
      value: number,
      timeout?: number,
    ):
      | { async: false; value: "not-equal" | "timed-out" }
      | { async: true; value: Promise<"ok" | "timed-out"> };
  }
).waitAsync;
