// The arenas of a self-play environment stepped in slices: the same inner CarSoccerVecEnv on the
// main thread and in every rollout worker, over one set of SharedArrayBuffer-backed state,
// observation, reward and done buffers (given to each thread's env when it is built), each
// thread stepping only its own arenas. An arena's
// physics, state setter draws (its own rng words in the state), reward and reset seeds depend on
// its index and the global arena count only, so a slice steps exactly what the whole env would.
// No tfjs here: rollout workers import this module.
import {
  CarSoccerState,
  CarSoccerVecEnv,
  ContinuousAction,
  type DoneCondition,
  type EnvSpec,
  GoalCondition,
  NoTouchTimeoutCondition,
  type ObsBuilder,
  type RewardFn,
  type StateSetter,
  TimeoutCondition,
} from "@league/envs";

export interface InnerEnvOptions {
  spec: EnvSpec;
  numEnvs: number;
  tickSkip: number;
  obsBuilder: ObsBuilder;
  episodeSeconds: number;
  noTouchSeconds: number | null;
  stateSetter: () => StateSetter;
  reward: () => RewardFn;
}

/**
 * Both teams' controls go in as 8 numbers each; lookup rows pass the continuous parser unchanged.
 * With `shared`, the env's state and outputs live in those buffers (every thread's env the same).
 */
export function buildInnerEnv(options: InnerEnvOptions, shared?: SharedArenaBuffers): CarSoccerVecEnv {
  const doneConditions: DoneCondition[] = [new GoalCondition(), new TimeoutCondition(options.episodeSeconds)];
  if (options.noTouchSeconds !== null)
    doneConditions.push(new NoTouchTimeoutCondition(options.noTouchSeconds));
  return new CarSoccerVecEnv(options.numEnvs, {
    ...(shared
      ? {
          stateBuffers: shared,
          outputBuffers: shared,
        }
      : {}),
    spec: options.spec,
    tickSkip: options.tickSkip,
    obsBuilder: options.obsBuilder,
    actionParser: new ContinuousAction(),
    stateSetter: { name: "curriculum", reset: (state, arena) => options.stateSetter().reset(state, arena) },
    // The env's terminal flag is not passed on: the reward decides from the state, as it always has.
    reward: (state, prev, car, arena) => options.reward()(state, prev, car, arena),
    doneConditions,
  });
}

/** The buffers every thread reads and writes: the whole state and the env's outputs. */
export interface SharedArenaBuffers {
  ball: SharedArrayBuffer;
  cars: SharedArrayBuffer;
  arena: SharedArrayBuffer;
  controls: SharedArrayBuffer;
  rng: SharedArrayBuffer;
  observations: SharedArrayBuffer;
  rewards: SharedArrayBuffer;
  terminated: SharedArrayBuffer;
  truncated: SharedArrayBuffer;
  finalObservations: SharedArrayBuffer;
}

/** Fresh SharedArrayBuffers of the sizes an inner env of `options` needs (zeroed: nothing reset yet). */
export function allocateArenaBuffers(
  options: Pick<InnerEnvOptions, "spec" | "numEnvs" | "obsBuilder">,
): SharedArenaBuffers {
  const teamSize = options.spec.numAgents / 2;
  const state = CarSoccerState.byteLengths(options.numEnvs, teamSize);
  const out = CarSoccerVecEnv.outputByteLengths(
    options.numEnvs,
    options.spec.numAgents,
    options.obsBuilder.size(teamSize),
  );
  return {
    ball: new SharedArrayBuffer(state.ball),
    cars: new SharedArrayBuffer(state.cars),
    arena: new SharedArrayBuffer(state.arena),
    controls: new SharedArrayBuffer(state.controls),
    rng: new SharedArrayBuffer(state.rng),
    observations: new SharedArrayBuffer(out.observations),
    rewards: new SharedArrayBuffer(out.rewards),
    terminated: new SharedArrayBuffer(out.terminated),
    truncated: new SharedArrayBuffer(out.truncated),
    finalObservations: new SharedArrayBuffer(out.finalObservations),
  };
}

/** Contiguous slices of `numEnvs` arenas for `parts` threads: bounds[i] to bounds[i + 1]. */
export function sliceBounds(numEnvs: number, parts: number): Int32Array {
  const bounds = new Int32Array(parts + 1);
  for (let i = 0; i <= parts; i++) bounds[i] = Math.floor((i * numEnvs) / parts);
  return bounds;
}
