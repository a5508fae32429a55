// Rollout workers of the self-play environment: N worker threads plus the main thread step the
// arenas in N + 1 contiguous slices over shared buffers (arena-slices.ts), so the physics of one
// step runs on N + 1 cores while the main thread keeps the policy's batched inference, the
// opponents' actions and the PPO update. One step: the main thread bumps each worker's command
// word (Atomics.notify), steps slice 0 itself, then waits on each worker's done word. Nothing is
// allocated per step. A worker that throws flags it and sends its error on a port, which the main
// thread reads synchronously (receiveMessageOnPort) and throws; a worker that stops answering
// times out with an error too. close() stops and terminates the threads.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import type { CarSoccerVecEnv } from "@league/envs";
import { type SharedArenaBuffers, sliceBounds } from "./arena-slices.js";
import {
  COMMAND,
  CONTROL_WORDS,
  DONE,
  KIND,
  KIND_STEP,
  KIND_SYNC,
  READY,
  type RolloutTask,
  type RolloutWorkerData,
  STATUS,
} from "./rollout-protocol.js";

export type { RolloutTask } from "./rollout-protocol.js";

/**
 * The worker script: beside this module in dist/; from the sources (tests under vitest) the
 * built one, since a worker thread cannot load TypeScript.
 */
function workerScript(): URL {
  const here = new URL("./rollout-worker.js", import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL("../../dist/selfplay/rollout-worker.js", import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new Error(
    `rollout workers: no worker script at ${fileURLToPath(here)} or ${fileURLToPath(built)} (build @league/agents first)`,
  );
}

export interface RolloutWorkerOptions {
  workers: number;
  specId: string;
  tickSkip: number;
  episodeSeconds: number;
  noTouchSeconds: number | null;
  task: RolloutTask;
  /** The memory `env` was built over (allocateArenaBuffers), which every worker's env shares. */
  buffers: SharedArenaBuffers;
  /** Seconds to wait for a worker's step (or start) before giving up with an error. */
  timeoutSeconds?: number;
  /** Tests only: worker `worker` throws on its `step`-th step. */
  throwAt?: { worker: number; step: number };
}

export class RolloutWorkers {
  readonly bounds: Int32Array;
  readonly buffers: SharedArenaBuffers;
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  private readonly control: Int32Array;
  private readonly timeoutMs: number;
  private command = 0;
  private runSeed = 0;
  private ready = false;
  private closed = false;

  constructor(
    private readonly env: CarSoccerVecEnv,
    options: RolloutWorkerOptions,
  ) {
    const n = options.workers;
    if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`rollout workers: need at least 1, got ${n}`);
    this.timeoutMs = (options.timeoutSeconds ?? 120) * 1000;
    this.bounds = sliceBounds(env.numEnvs, n + 1);
    this.buffers = options.buffers;
    const control = new SharedArrayBuffer(n * CONTROL_WORDS * 4);
    this.control = new Int32Array(control);
    const script = workerScript();
    for (let w = 0; w < n; w++) {
      const { port1, port2 } = new MessageChannel();
      const data: RolloutWorkerData = {
        index: w,
        from: this.bounds[w + 1]!,
        to: this.bounds[w + 2]!,
        specId: options.specId,
        numEnvs: env.numEnvs,
        tickSkip: options.tickSkip,
        episodeSeconds: options.episodeSeconds,
        noTouchSeconds: options.noTouchSeconds,
        task: options.task,
        buffers: this.buffers,
        control,
        port: port2,
        ...(options.throwAt?.worker === w ? { throwAtStep: options.throwAt.step } : {}),
      };
      const worker = new Worker(script, { workerData: data, transferList: [port2] });
      // Errors outside the worker's own catch (it catches everything it runs) surface on the next wait.
      worker.on("error", () => {});
      this.workers.push(worker);
      this.ports.push(port1);
    }
  }

  get count(): number {
    return this.workers.length;
  }

  /** Sets the seed finished arenas reset from (the env's reset(seed) resets every arena itself). */
  reset(seed: number): void {
    this.runSeed = seed;
    for (const port of this.ports) port.postMessage({ runSeed: seed });
    this.run(KIND_SYNC);
  }

  /** The next rollout's state setters and reward (a curriculum stage change). */
  setTask(task: RolloutTask): void {
    for (const port of this.ports) port.postMessage({ task });
    this.run(KIND_SYNC);
  }

  /** Steps every arena under the controls already in the shared state. */
  step(): void {
    this.run(KIND_STEP);
  }

  private run(kind: number): void {
    if (this.closed) throw new Error("rollout workers: used after close()");
    if (!this.ready) this.awaitReady();
    const ctl = this.control;
    const command = ++this.command;
    for (let w = 0; w < this.workers.length; w++) {
      const base = w * CONTROL_WORDS;
      Atomics.store(ctl, base + KIND, kind);
      Atomics.store(ctl, base + COMMAND, command);
      Atomics.notify(ctl, base + COMMAND);
    }
    if (kind === KIND_STEP) this.env.stepArenas(this.bounds[0]!, this.bounds[1]!, this.runSeed);
    for (let w = 0; w < this.workers.length; w++) {
      this.waitWord(w, DONE, command, "step");
      this.check(w);
    }
  }

  private awaitReady(): void {
    for (let w = 0; w < this.workers.length; w++) {
      this.waitWord(w, READY, 1, "start");
      this.check(w);
    }
    this.ready = true;
  }

  /** Blocks until word `word` of worker `w` holds `value`, failing on its error flag or the timeout. */
  private waitWord(w: number, word: number, value: number, what: string): void {
    const ctl = this.control;
    const index = w * CONTROL_WORDS + word;
    let waited = 0;
    for (;;) {
      const now = Atomics.load(ctl, index);
      if (now === value) return;
      this.check(w);
      if (waited >= this.timeoutMs) {
        this.close();
        throw new Error(
          `rollout worker ${w} did not ${what} within ${this.timeoutMs / 1000} s (it may have crashed)`,
        );
      }
      // Short waits, so a worker that failed before flagging is noticed by the timeout.
      if (Atomics.wait(ctl, index, now, 250) === "timed-out") waited += 250;
    }
  }

  private check(w: number): void {
    if (Atomics.load(this.control, w * CONTROL_WORDS + STATUS) === 0) return;
    const message = receiveMessageOnPort(this.ports[w]!)?.message as { error?: string } | undefined;
    this.close();
    throw new Error(`rollout worker ${w} failed: ${message?.error ?? "no error message"}`);
  }

  /** Stops the workers and terminates their threads; safe to call twice. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    for (let w = 0; w < this.workers.length; w++) {
      const base = w * CONTROL_WORDS;
      Atomics.store(this.control, base + COMMAND, -1);
      Atomics.notify(this.control, base + COMMAND);
    }
    for (const port of this.ports) port.close();
    return Promise.all(this.workers.map((w) => w.terminate())).then(() => undefined);
  }
}
