// A rollout worker thread: owns arenas [from, to) of a self-play environment and steps them each
// time the main thread bumps its command word (Atomics.wait/notify on a shared Int32Array); the
// state and outputs are shared buffers, so nothing is copied per step. Task changes (curriculum
// stage, run seed) arrive as messages read synchronously before the next step. Any error is
// caught, sent on the port and flagged, so the main thread throws it instead of waiting.
import { type MessagePort, receiveMessageOnPort, workerData } from "node:worker_threads";
import {
  CONTROL_WORDS,
  DONE,
  KIND,
  KIND_STEP,
  READY,
  type RolloutTask,
  type RolloutWorkerData,
  STATUS,
} from "./rollout-protocol.js";

const data = workerData as RolloutWorkerData;
const ctl = new Int32Array(data.control);
const base = data.index * CONTROL_WORDS;
const port = data.port as MessagePort;

function fail(error: unknown): void {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  port.postMessage({ error: text });
  Atomics.store(ctl, base + STATUS, 1);
}

try {
  const { carSoccerParts, getEnvSpec } = await import("@league/envs");
  const { compileReward } = await import("../rewards/car-soccer.js");
  const { makeStateSetter } = await import("./config.js");
  const { buildInnerEnv } = await import("./arena-slices.js");
  let task: RolloutTask = data.task;
  let stateSetter = makeStateSetter(task.stateSetter);
  let reward = compileReward(task.reward).fn;
  let runSeed = 0;
  const env = buildInnerEnv(
    {
      spec: getEnvSpec(data.specId),
      numEnvs: data.numEnvs,
      tickSkip: data.tickSkip,
      obsBuilder: carSoccerParts(task.observationBuilder, "lookup").obsBuilder,
      episodeSeconds: data.episodeSeconds,
      noTouchSeconds: data.noTouchSeconds,
      stateSetter: () => stateSetter,
      reward: () => reward,
    },
    data.buffers,
  );
  Atomics.store(ctl, base + READY, 1);
  Atomics.notify(ctl, base + READY);
  let seen = 0;
  let steps = 0;
  for (;;) {
    Atomics.wait(ctl, base, seen);
    const command = Atomics.load(ctl, base);
    if (command === seen) continue;
    seen = command;
    if (command < 0) break;
    try {
      for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
        const message = m.message as { task?: RolloutTask; runSeed?: number };
        if (message.task) {
          task = message.task;
          stateSetter = makeStateSetter(task.stateSetter);
          reward = compileReward(task.reward).fn;
        }
        if (message.runSeed !== undefined) runSeed = message.runSeed;
      }
      if (Atomics.load(ctl, base + KIND) === KIND_STEP) {
        steps++;
        if (data.throwAtStep !== undefined && steps >= data.throwAtStep)
          throw new Error(`injected failure at step ${steps} (throwAtStep)`);
        env.stepArenas(data.from, data.to, runSeed);
      }
    } catch (error) {
      fail(error);
    }
    Atomics.store(ctl, base + DONE, seen);
    Atomics.notify(ctl, base + 1);
  }
} catch (error) {
  fail(error);
  Atomics.notify(ctl, base + READY);
}
