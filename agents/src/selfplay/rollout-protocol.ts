// What the main thread and a rollout worker share: the worker's start data and the layout of its
// control words in one shared Int32Array (CONTROL_WORDS per worker). The main thread writes KIND,
// then bumps COMMAND (−1: stop); the worker steps (or only applies its messages), then writes
// COMMAND's value to DONE. STATUS 1: the worker failed, its error is on the port. READY 1: built.
import type { MessagePort } from "node:worker_threads";
import type { RewardSpec } from "../rewards/car-soccer.js";
import type { SharedArenaBuffers } from "./arena-slices.js";

export const CONTROL_WORDS = 8;
export const COMMAND = 0;
export const DONE = 1;
export const STATUS = 2;
export const READY = 3;
export const KIND = 4;
export const KIND_SYNC = 0;
export const KIND_STEP = 1;

/** What a worker needs to rebuild its slice's task: named parts, so no function crosses threads. */
export interface RolloutTask {
  observationBuilder: string;
  /** State setter weights, as in a curriculum stage. */
  stateSetter: Record<string, number>;
  /** A reward spec as the run config parsed it; a worker, across the thread boundary, checks it again. */
  reward: RewardSpec;
}

export interface RolloutWorkerData {
  index: number;
  from: number;
  to: number;
  specId: string;
  numEnvs: number;
  tickSkip: number;
  episodeSeconds: number;
  noTouchSeconds: number | null;
  task: RolloutTask;
  buffers: SharedArenaBuffers;
  control: SharedArrayBuffer;
  port: MessagePort;
  /** Tests only: throw on this step of the worker. */
  throwAtStep?: number;
}
