// The inference child process: loads one model (ONNX through onnxruntime-node, or tfjs), runs it
// once to warm it up, then answers requests from its relay until it is killed or its parent goes.
// Whatever it does wrong — throw, hang in native code, crash, grow without end — costs the host
// one process, never its own.
import type * as Tf from "@tensorflow/tfjs";
import { loadTf } from "../ppo/backend.js";
import { type ModelJson, modelFromMemory } from "../ppo/checkpoint.js";
import { predictRows } from "../ppo/network.js";
import {
  CHILD_SILENCE_MS,
  type ChildReply,
  type ChildRequest,
  type ModelSource,
  PING_MS,
} from "./inference-protocol.js";
import { createOnnxSession } from "./runtime.js";

type Run = (input: Float32Array) => Promise<ArrayLike<number>>;

async function onnxRunner(bytes: Uint8Array, providers: string[]): Promise<Run> {
  const { ort, session } = await createOnnxSession(bytes, providers);
  const inputName = session.inputNames[0]!;
  const outputName = session.outputNames[0]!;
  return async (input) => {
    const feeds = { [inputName]: new ort.Tensor("float32", input, [1, input.length]) };
    const result = await session.run(feeds, [outputName]);
    return result[outputName]!.data as Float32Array;
  };
}

async function tfjsRunner(modelJson: unknown, weights: Uint8Array): Promise<Run> {
  const runtime = await loadTf();
  const model: Tf.LayersModel = await modelFromMemory(runtime.tf, modelJson as ModelJson, weights);
  return async (input) => predictRows(runtime.tf, model, input, 1);
}

function runnerOf(source: ModelSource, providers: string[]): Promise<Run> {
  return source.format === "onnx"
    ? onnxRunner(source.bytes, providers)
    : tfjsRunner(source.modelJson, source.weights);
}

const reply = (message: ChildReply) => {
  // The relay may be gone (its host disposed, its process ended) while a run was under way.
  if (process.connected) process.send!(message, undefined, {}, () => {});
};
let run: Run | null = null;
let outputSize = 0;
let lastHeard = Date.now();

process.on("message", async (message: ChildRequest) => {
  lastHeard = Date.now();
  if (message.kind === "ping") return;
  if (message.kind === "load") {
    try {
      outputSize = message.outputSize;
      const loaded = await runnerOf(message.source, message.providers);
      // The first run allocates and compiles: pay for it here, outside any action's budget.
      const warm = await loaded(new Float32Array(message.inputSize));
      if (warm.length !== outputSize)
        throw new Error(`the model outputs ${warm.length} numbers; ${outputSize} expected`);
      run = loaded;
      reply({ kind: "ready" });
    } catch (error) {
      reply({ kind: "failed", message: (error as Error).message });
    }
    return;
  }
  try {
    if (!run) throw new Error("no model loaded");
    const values = await run(message.input);
    if (values.length !== outputSize)
      throw new Error(`the model output ${values.length} numbers; ${outputSize} expected`);
    reply({ kind: "answer", request: message.request, output: Float32Array.from(values) });
  } catch (error) {
    reply({ kind: "error", request: message.request, message: (error as Error).message });
  }
});
// The relay (and the process holding it) went away: nobody is left to answer.
process.on("disconnect", () => process.exit(0));
// A relay thread that was terminated (its worker thread ended) leaves the channel open: its pings
// stop, and the child goes too. A check that comes late means this process was busy in synchronous
// code (a tfjs load or run) and has not read the pings queued meanwhile: the silence starts over,
// so that they are read before it is judged. (An ONNX run does not block the event loop: an endless
// one in a child whose relay is gone is still ended by the silence.)
let lastCheck = Date.now();
setInterval(() => {
  const now = Date.now();
  if (now - lastCheck > 2 * PING_MS) lastHeard = now;
  lastCheck = now;
  if (now - lastHeard > CHILD_SILENCE_MS) process.exit(0);
}, PING_MS).unref();
