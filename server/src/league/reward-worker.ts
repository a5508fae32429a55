// The worker thread behind rewardInsightOffThread (reward-insight.ts), in WorkerPool's protocol.
import { parentPort } from "node:worker_threads";
import type { WorkerReply } from "../match/worker-pool.js";
import { type RewardInsightResult, runRewardInsight } from "./reward-insight.js";

const port = parentPort;
if (!port) throw new Error("reward-worker.ts runs as a worker thread of WorkerPool");

port.on("message", ({ id, input }: { id: number; input: Parameters<typeof runRewardInsight>[0] }) => {
  let reply: WorkerReply<RewardInsightResult>;
  try {
    reply = { id, ok: true, result: runRewardInsight(input) };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    reply = { id, ok: false, error: { name: e.name, message: e.message } };
  }
  port.postMessage(reply);
});
