// A worker thread of the headless-match pool (worker-pool.ts): plays each job it is sent with
// the same code the main thread would (headless-jobs.ts) and answers with the result or the
// error's name and message.
import { parentPort } from "node:worker_threads";
import { type HeadlessJob, type HeadlessResult, playHeadlessJob } from "./headless-jobs.js";
import type { WorkerReply } from "./worker-pool.js";

const port = parentPort;
if (!port) throw new Error("headless-worker.ts runs as a worker thread of WorkerPool");

port.on("message", async ({ id, input }: { id: number; input: HeadlessJob }) => {
  let reply: WorkerReply<HeadlessResult>;
  try {
    reply = { id, ok: true, result: await playHeadlessJob(input) };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    reply = { id, ok: false, error: { name: e.name, message: e.message } };
  }
  port.postMessage(reply);
});
