// The relay thread between an inference host and its child process: it starts the child, hands it
// each request written to the shared buffer, writes back the answer and wakes the host. When the
// child exits (killed by the host for overrunning, or crashed), it starts another, up to a limit.
// Plain JavaScript with no native code, so that it stays responsive whatever the model does.
import { type ChildProcess, fork, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parentPort, workerData } from "node:worker_threads";
import {
  type ChildReply,
  type ChildRequest,
  CTRL,
  CTRL_WORDS,
  PING_MS,
  type RelayData,
  type RelayMessage,
  STATE_FAILED,
  STATE_READY,
  STATE_STARTING,
  sharedLayout,
  waitAsync,
} from "./inference-protocol.js";

const data = workerData as RelayData;
const ctrl = new Int32Array(data.shared, 0, CTRL_WORDS);
const layout = sharedLayout(data.inputSize, data.outputSize);
const input = new Float32Array(data.shared, layout.inputOffset, data.inputSize);
const output = new Float32Array(data.shared, layout.outputOffset, data.outputSize);
const post = (message: RelayMessage) => parentPort!.postMessage(message);
const childScript = fileURLToPath(new URL("./inference-child.js", import.meta.url));

let child: ChildProcess | null = null;
let starts = 0;
let loadedOnce = false;
let stopping = false;

function setState(state: number): void {
  Atomics.store(ctrl, CTRL.STATE, state);
  Atomics.notify(ctrl, CTRL.STATE);
}

function answer(request: number, status: number): void {
  Atomics.store(ctrl, CTRL.STATUS, status);
  Atomics.store(ctrl, CTRL.ANSWER, request);
  Atomics.notify(ctrl, CTRL.ANSWER);
}

/**
 * The child process. An ONNX model's runs under an address-space limit (RLIMIT_AS via the shell's
 * `ulimit -v`, then exec'd into node: the same pid), so that a graph allocating without end fails
 * its own allocation instead of exhausting the machine; ORT needs far less than the limit. tfjs's
 * WebAssembly backend reserves more address space than it uses, so a tfjs model gets only the heap limit.
 */
function spawnChild(): ChildProcess {
  const heap = `--max-old-space-size=${data.heapMiB}`;
  const options = {
    serialization: "advanced" as const,
    stdio: ["ignore", "ignore", "inherit", "ipc"] as const,
  };
  if (data.source.format === "onnx" && data.addressSpaceMiB > 0 && process.platform === "linux")
    return spawn(
      "/bin/sh",
      [
        "-c",
        `ulimit -v ${data.addressSpaceMiB * 1024} && exec "$0" "$@"`,
        process.execPath,
        heap,
        childScript,
      ],
      { ...options, stdio: [...options.stdio] },
    );
  return fork(childScript, [], { ...options, stdio: [...options.stdio], execArgv: [heap] });
}

function startChild(): void {
  starts++;
  setState(STATE_STARTING);
  const proc = spawnChild();
  child = proc;
  Atomics.store(ctrl, CTRL.PID, proc.pid ?? 0);
  proc.on("message", (reply: ChildReply) => {
    if (proc !== child) return;
    switch (reply.kind) {
      case "ready":
        // The state first: the host may read it as soon as it hears "ready".
        setState(STATE_READY);
        if (!loadedOnce) post({ kind: "ready" });
        loadedOnce = true;
        return;
      case "failed":
        // A model that loaded once and fails now (out of memory at load?) is given up like one that never did.
        setState(STATE_FAILED);
        post({ kind: "failed", message: reply.message });
        proc.kill("SIGKILL");
        return;
      case "answer":
        if (reply.request !== Atomics.load(ctrl, CTRL.REQUEST)) return; // the host stopped waiting for it
        output.set(reply.output);
        answer(reply.request, 0);
        return;
      case "error":
        post({ kind: "problem", message: reply.message });
        answer(reply.request, 1);
    }
  });
  proc.on("error", (error) => post({ kind: "problem", message: error.message }));
  proc.on("exit", (code, signal) => {
    Atomics.add(ctrl, CTRL.EXITS, 1);
    if (proc !== child || stopping) return;
    child = null;
    if (Atomics.load(ctrl, CTRL.STATE) === STATE_FAILED) return;
    const why = `the model's process exited (${signal ?? `code ${code}`})`;
    if (!loadedOnce) {
      setState(STATE_FAILED);
      post({ kind: "failed", message: why });
    } else if (starts > data.maxRestarts) {
      setState(STATE_FAILED);
      post({ kind: "problem", message: `${why}; ${data.maxRestarts} restarts used, giving up` });
    } else {
      post({ kind: "problem", message: why });
      // The request it owed dies with it (settled as an error): its replacement owes nothing, or the
      // host would count that answer overdue against the new process and kill it too, over and over.
      setState(STATE_STARTING);
      const owed = Atomics.load(ctrl, CTRL.REQUEST);
      if (Atomics.load(ctrl, CTRL.ANSWER) < owed) answer(owed, 1);
      startChild();
    }
  });
  const load: ChildRequest = {
    kind: "load",
    source: data.source,
    inputSize: data.inputSize,
    outputSize: data.outputSize,
    providers: data.providers,
  };
  proc.send(load);
}

// Tells the child its relay still lives (see inference-child.ts).
setInterval(() => {
  if (child?.connected) child.send({ kind: "ping" } satisfies ChildRequest);
}, PING_MS);

// The host's thread ended (a match worker that stopped) without disposing the host: nested worker
// threads outlive it, so the relay ends itself and its child when the channel to the host closes.
parentPort!.on("close", () => {
  stopping = true;
  child?.kill("SIGKILL");
  process.exit(0);
});

parentPort!.on("message", (message: "stop") => {
  if (message !== "stop") return;
  stopping = true;
  child?.kill("SIGKILL");
  process.exit(0);
});

async function relay(): Promise<void> {
  let seen = 0;
  for (;;) {
    const wait = waitAsync(ctrl, CTRL.REQUEST, seen);
    if (wait.async) await wait.value;
    seen = Atomics.load(ctrl, CTRL.REQUEST);
    // The host only writes requests while the state is ready; a child killed since is replaced.
    if (child && Atomics.load(ctrl, CTRL.STATE) === STATE_READY) {
      const run: ChildRequest = { kind: "run", request: seen, input: input.slice() };
      child.send(run);
    }
  }
}

if (!existsSync(childScript)) {
  setState(STATE_FAILED);
  post({ kind: "failed", message: `no inference child script at ${childScript} (build @league/agents)` });
} else {
  startChild();
  void relay();
}
