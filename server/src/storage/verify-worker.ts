// The worker thread behind checkBeforeStoring (verify.ts): re-simulates replays and recomputes
// duplicate results off the event loop, answering in WorkerPool's protocol.
import { parentPort } from "node:worker_threads";
import type { WorkerReply } from "../match/worker-pool.js";
import { type CheckJob, runCheck, type StoredCheck } from "./verify.js";

const port = parentPort;
if (!port) throw new Error("verify-worker.ts runs as a worker thread of WorkerPool");

port.on("message", ({ id, input }: { id: number; input: CheckJob }) => {
  let reply: WorkerReply<StoredCheck>;
  try {
    reply = { id, ok: true, result: runCheck(input) };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    reply = { id, ok: false, error: { name: e.name, message: e.message } };
  }
  port.postMessage(reply);
});
