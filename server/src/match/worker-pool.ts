// A small pool of worker threads for work that would otherwise hold the server's event loop:
// headless ladder and validation matches (headless-worker.ts). Jobs are plain data in and out;
// each thread plays one job at a time and jobs wait in order for a free thread. A thread that
// dies (a crash, running out of memory) fails only its own job and is replaced on demand. Idle
// threads do not keep the process alive.
import { existsSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";

/** What a pool thread answers for job `id`. */
export type WorkerReply<O> =
  | { id: number; ok: true; result: O }
  | { id: number; ok: false; error: { name: string; message: string } };

/** Threads by default: one core left to the event loop (and the live rooms), at least one. */
export function defaultPoolSize(): number {
  return Math.max(1, os.availableParallelism() - 1);
}

/**
 * A worker script beside this module in dist/; from the sources (tests under vitest) the built
 * one, since a worker thread cannot load TypeScript.
 */
export function builtScript(name: string, from: string): URL {
  const here = new URL(`./${name}`, from);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL(`../../dist/match/${name}`, from);
  if (existsSync(fileURLToPath(built))) return built;
  throw new Error(
    `worker pool: no worker script at ${fileURLToPath(here)} or ${fileURLToPath(built)} (build @league/server first)`,
  );
}

interface Pending<I, O> {
  id: number;
  input: I;
  resolve: (result: O) => void;
  reject: (error: Error) => void;
}

interface Thread<I, O> {
  worker: Worker;
  job: Pending<I, O> | null;
}

export class WorkerPool<I, O> {
  readonly size: number;
  private readonly threads: Thread<I, O>[] = [];
  private readonly waiting: Pending<I, O>[] = [];
  private nextId = 1;
  private closed = false;
  /** Jobs finished, failed, and threads that died mid-job. */
  readonly counts = { done: 0, failed: 0, threadDeaths: 0 };

  constructor(
    private readonly script: URL,
    options: { size?: number } = {},
  ) {
    const size = options.size ?? defaultPoolSize();
    if (!(Number.isInteger(size) && size >= 1))
      throw new RangeError(`worker pool: size must be an integer ≥ 1, got ${size}`);
    this.size = size;
  }

  /** Jobs waiting for a thread plus jobs being played. */
  get busy(): number {
    return this.waiting.length + this.threads.filter((t) => t.job).length;
  }

  run(input: I): Promise<O> {
    if (this.closed) return Promise.reject(new Error("worker pool: closed"));
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ id: this.nextId++, input, resolve, reject });
      this.dispatch();
    });
  }

  /** Terminates every thread; jobs in flight or waiting fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const error = new Error("worker pool: closed before the job finished");
    for (const job of this.waiting.splice(0)) job.reject(error);
    const threads = this.threads.splice(0);
    for (const t of threads) t.job?.reject(error);
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }

  private dispatch(): void {
    while (this.waiting.length) {
      let thread = this.threads.find((t) => !t.job);
      if (!thread) {
        if (this.threads.length >= this.size) return;
        thread = this.spawn();
      }
      const job = this.waiting.shift()!;
      thread.job = job;
      thread.worker.ref();
      thread.worker.postMessage({ id: job.id, input: job.input });
    }
  }

  private spawn(): Thread<I, O> {
    const worker = new Worker(this.script);
    const thread: Thread<I, O> = { worker, job: null };
    worker.on("message", (reply: WorkerReply<O>) => {
      const job = thread.job;
      if (!job || job.id !== reply.id) return;
      thread.job = null;
      worker.unref();
      if (reply.ok) {
        this.counts.done++;
        job.resolve(reply.result);
      } else {
        this.counts.failed++;
        const error = new Error(reply.error.message);
        error.name = reply.error.name;
        job.reject(error);
      }
      this.dispatch();
    });
    const died = (error: Error) => {
      const index = this.threads.indexOf(thread);
      if (index < 0) return;
      this.threads.splice(index, 1);
      if (thread.job) {
        this.counts.threadDeaths++;
        thread.job.reject(new Error(`the match worker thread died mid-job: ${error.message}`));
        thread.job = null;
      }
      if (!this.closed) this.dispatch();
    };
    worker.on("error", died);
    worker.on("exit", (code) => died(new Error(`it exited with code ${code}`)));
    worker.unref();
    this.threads.push(thread);
    return thread;
  }
}
