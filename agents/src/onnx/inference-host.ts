// Runs a model in a child process with a time limit per request. A request not answered within
// its budget gets no answer (the caller acts idle, counted as an overrun); its answer, when it
// comes, is discarded. A process that owes an answer for much longer (killAfterMs: stuck in a
// native call) is killed (SIGKILL) and a fresh one loads the model while the caller carries on;
// a process that crashes or runs out of memory is replaced the same way. Requests can be waited
// for synchronously (`runSync`, for match loops that step without yielding) or not (`run`).
//
// The pieces: this host (the caller's thread), a relay worker thread (plain JavaScript: it starts
// the child, passes requests and answers through a SharedArrayBuffer) and the child process
// (inference-child.ts, which loads ONNX Runtime or tfjs). A process rather than a thread because
// ONNX Runtime's Node binding loads into one JavaScript context per process only, and because a
// native call that hangs cannot be stopped inside a thread, only with its process.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import {
  CTRL,
  CTRL_WORDS,
  type ModelSource,
  type RelayData,
  type RelayMessage,
  STATE_FAILED,
  STATE_READY,
  STATE_STARTING,
  sharedLayout,
  waitAsync,
} from "./inference-protocol.js";
import { onnxProviders } from "./runtime.js";

export interface InferenceHostOptions {
  /** Numbers in a model input and a model output. */
  inputSize: number;
  outputSize: number;
  /** Milliseconds the caller waits for an answer (an overrun past it: no answer, counted). */
  budgetMs: number;
  /**
   * Milliseconds a request may stay unanswered before its process is killed and replaced (default
   * the larger of 2 s and 20 budgets): a model stuck in a native call, not one slow answer.
   */
  killAfterMs?: number;
  /** Milliseconds the first process may take to load and warm up the model (default 30 s). */
  startTimeoutMs?: number;
  /** Processes started after the first (restarts) before the host gives up and answers nothing (default 20). */
  maxRestarts?: number;
  /** V8 heap limit of the model's process, MiB (default 512). */
  heapMiB?: number;
  /**
   * Address-space limit of an ONNX model's process, MiB (default 4096; 0 for none; Linux): a graph
   * that allocates more fails that run (an error, counted) instead of exhausting the machine.
   */
  addressSpaceMiB?: number;
  providers?: string[];
}

export interface InferenceStats {
  requests: number;
  answered: number;
  /** Requests not answered within the budget, and requests refused while an answer was still owed. */
  overruns: number;
  /** Processes killed for owing an answer longer than killAfterMs (each is replaced). */
  kills: number;
  /** Requests whose inference threw (the process carries on). */
  errors: number;
  /** Model processes that exited without being killed by the host (crashed, out of memory). */
  crashes: number;
  /** Model processes that exited, killed or crashed (each is replaced, up to maxRestarts). */
  restarts: number;
  /** Requests made while a replacement process was still loading, or after the host gave up. */
  unavailable: number;
  slowestMs: number;
}

export class InferenceHostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InferenceHostError";
  }
}

/** The relay script: beside this module in dist/; from the sources (tests under vitest) the built one. */
function relayScript(): URL {
  const here = new URL("./inference-relay.js", import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL("../../dist/onnx/inference-relay.js", import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new InferenceHostError(
    `no inference relay at ${fileURLToPath(here)} or ${fileURLToPath(built)} (build @league/agents first)`,
  );
}

export class InferenceHost {
  private readonly counts = {
    requests: 0,
    answered: 0,
    overruns: 0,
    errors: 0,
    unavailable: 0,
    kills: 0,
    slowestMs: 0,
  };
  /** The latest thing that went wrong, for reports. */
  lastProblem: string | null = null;
  private readonly ctrl: Int32Array;
  private readonly input: Float32Array;
  private readonly output: Float32Array;
  private readonly relay: Worker;
  private request = 0;
  /** When the latest request was sent (performance.now()). */
  private sentAt = 0;
  private readonly killAfterMs: number;
  private disposed = false;

  private constructor(
    source: ModelSource,
    private readonly options: InferenceHostOptions,
  ) {
    const { inputSize, outputSize } = options;
    this.killAfterMs = options.killAfterMs ?? Math.max(2000, 20 * options.budgetMs);
    const layout = sharedLayout(inputSize, outputSize);
    const shared = new SharedArrayBuffer(layout.bytes);
    this.ctrl = new Int32Array(shared, 0, CTRL_WORDS);
    this.input = new Float32Array(shared, layout.inputOffset, inputSize);
    this.output = new Float32Array(shared, layout.outputOffset, outputSize);
    const data: RelayData = {
      source,
      inputSize,
      outputSize,
      shared,
      providers: options.providers ?? onnxProviders(),
      maxRestarts: options.maxRestarts ?? 20,
      heapMiB: options.heapMiB ?? 512,
      addressSpaceMiB: options.addressSpaceMiB ?? 4096,
    };
    this.relay = new Worker(relayScript(), { workerData: data });
    this.relay.on("message", (message: RelayMessage) => {
      if (message.kind !== "ready") this.lastProblem = message.message;
    });
    this.relay.on("error", (error) => {
      this.lastProblem = `the relay failed: ${error.message}`;
      Atomics.store(this.ctrl, CTRL.STATE, STATE_FAILED);
    });
  }

  /** Starts the model's process and waits until it has loaded the model; throws if it cannot. */
  static async start(source: ModelSource, options: InferenceHostOptions): Promise<InferenceHost> {
    const host = new InferenceHost(source, options);
    const limit = options.startTimeoutMs ?? 30_000;
    const outcome = await new Promise<string | null>((resolve) => {
      const timer = setTimeout(() => resolve(`the model did not load within ${limit} ms`), limit);
      const done = (problem: string | null) => {
        clearTimeout(timer);
        resolve(problem);
      };
      host.relay.on("message", (message: RelayMessage) => {
        if (message.kind === "ready") done(null);
        else if (message.kind === "failed") done(`the model did not load: ${message.message}`);
      });
      host.relay.on("error", (error) => done(`the model did not load: ${error.message}`));
    });
    if (outcome !== null) {
      host.dispose();
      throw new InferenceHostError(outcome);
    }
    // From now on the relay does not keep the process alive: a match that ends need not dispose it first.
    host.relay.unref();
    return host;
  }

  get stats(): InferenceStats {
    const exits = Atomics.load(this.ctrl, CTRL.EXITS);
    return {
      ...this.counts,
      // Exits beyond the processes the host killed are processes that died on their own.
      crashes: Math.max(0, exits - this.counts.kills),
      restarts: exits,
    };
  }

  /** Process id of the model's current process (0 before it started). */
  get pid(): number {
    return Atomics.load(this.ctrl, CTRL.PID);
  }

  /** Whether the host has given up (the model cannot be run any more) or was disposed. */
  get closed(): boolean {
    return this.disposed || Atomics.load(this.ctrl, CTRL.STATE) === STATE_FAILED;
  }

  /**
   * The model's output for `input`, waiting at most the budget; null when there is none (counted:
   * an overrun, an error, or no process ready). An answer still owed for an earlier request is
   * waited for first, within the same budget, and discarded.
   */
  runSync(input: Float32Array): Float32Array | null {
    const started = performance.now();
    if (this.owed()) Atomics.wait(this.ctrl, CTRL.ANSWER, this.request - 1, this.options.budgetMs);
    if (!this.send(input, started)) return null;
    const left = Math.max(0, this.options.budgetMs - (performance.now() - started));
    Atomics.wait(this.ctrl, CTRL.ANSWER, this.request - 1, left);
    return this.collect(started);
  }

  /** As runSync, without blocking the thread while the model computes; one request at a time (await each). */
  async run(input: Float32Array): Promise<Float32Array | null> {
    const started = performance.now();
    if (this.owed()) {
      const wait = waitAsync(this.ctrl, CTRL.ANSWER, this.request - 1, this.options.budgetMs);
      if (wait.async) await wait.value;
    }
    if (!this.send(input, started)) return null;
    const left = Math.max(0, this.options.budgetMs - (performance.now() - started));
    const wait = waitAsync(this.ctrl, CTRL.ANSWER, this.request - 1, left);
    if (wait.async) await wait.value;
    return this.collect(started);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    // The relay kills its child and exits; terminate() covers a relay that no longer listens.
    this.relay.postMessage("stop");
    const pid = Atomics.load(this.ctrl, CTRL.PID);
    setTimeout(() => {
      killQuietly(pid);
      void this.relay.terminate();
    }, 1000).unref();
  }

  /** Whether the latest request is still unanswered by a live process. */
  private owed(): boolean {
    return (
      this.request > 0 &&
      Atomics.load(this.ctrl, CTRL.STATE) === STATE_READY &&
      Atomics.load(this.ctrl, CTRL.ANSWER) < this.request
    );
  }

  /**
   * Writes a request for a loaded model that owes nothing; false (counted) otherwise. A process
   * that has owed an answer for longer than killAfterMs is killed (SIGKILL): the relay sees it
   * exit and starts another, which loads the model while requests go unanswered.
   */
  private send(input: Float32Array, started: number): boolean {
    this.counts.requests++;
    if (input.length !== this.options.inputSize)
      throw new TypeError(`the model takes ${this.options.inputSize} numbers, not ${input.length}`);
    if (this.disposed || Atomics.load(this.ctrl, CTRL.STATE) !== STATE_READY) {
      this.counts.unavailable++;
      return false;
    }
    if (this.owed()) {
      this.counts.overruns++;
      const owedMs = started - this.sentAt;
      this.lastProblem = `no answer for ${Math.round(owedMs)} ms (budget ${this.options.budgetMs} ms)`;
      if (owedMs > this.killAfterMs) {
        this.counts.kills++;
        Atomics.store(this.ctrl, CTRL.STATE, STATE_STARTING);
        killQuietly(Atomics.load(this.ctrl, CTRL.PID));
      }
      return false;
    }
    this.input.set(input);
    // Answers are numbered by request: one to an earlier request never counts for a later one.
    this.request = Atomics.load(this.ctrl, CTRL.REQUEST) + 1;
    this.sentAt = started;
    Atomics.store(this.ctrl, CTRL.REQUEST, this.request);
    Atomics.notify(this.ctrl, CTRL.REQUEST);
    return true;
  }

  private collect(started: number): Float32Array | null {
    const elapsed = performance.now() - started;
    this.counts.slowestMs = Math.max(this.counts.slowestMs, elapsed);
    if (Atomics.load(this.ctrl, CTRL.ANSWER) !== this.request) {
      // Not answered in time: the answer, when it comes, is discarded (the next request waits for it).
      this.counts.overruns++;
      this.lastProblem = `no answer within ${this.options.budgetMs} ms`;
      return null;
    }
    if (Atomics.load(this.ctrl, CTRL.STATUS) !== 0) {
      this.counts.errors++;
      return null;
    }
    this.counts.answered++;
    return this.output.slice();
  }
}

function killQuietly(pid: number): void {
  if (pid <= 0) return;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}
