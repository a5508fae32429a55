// The arenas of a self-play environment stepped in slices: the same inner CarSoccerVecEnv on the
// main thread and in every rollout worker, over one set of SharedArrayBuffer-backed state,
// observation, reward and done buffers, each thread stepping only its own arenas. An arena's
// physics, state setter draws (its own rng words in the state), reward and reset seeds depend on
// its index and the global arena count only, so a slice steps exactly what the whole env would.
// No tfjs here: rollout workers import this module.
import {
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

/** Both teams' controls go in as 8 numbers each; lookup rows pass the continuous parser unchanged. */
export function buildInnerEnv(options: InnerEnvOptions): CarSoccerVecEnv {
  const doneConditions: DoneCondition[] = [new GoalCondition(), new TimeoutCondition(options.episodeSeconds)];
  if (options.noTouchSeconds !== null)
    doneConditions.push(new NoTouchTimeoutCondition(options.noTouchSeconds));
  return new CarSoccerVecEnv(options.numEnvs, {
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

type Typed = Float64Array | Float32Array | Uint32Array | Uint8Array;
type Ctor = { new (buffer: SharedArrayBuffer): Typed };

/**
 * Moves `env`'s state and output arrays onto SharedArrayBuffers (new ones holding the current
 * contents, or `shared` from another thread) and returns them. CarSoccerState and
 * CarSoccerVecEnv keep their arrays in readonly fields that nothing re-reads into locals between
 * steps, so rebinding the fields once before the first reset is enough.
 */
export function shareArenaBuffers(env: CarSoccerVecEnv, shared?: SharedArenaBuffers): SharedArenaBuffers {
  const st = env.engine.state as unknown as Record<string, Typed | Uint8Array[]>;
  const out = env as unknown as Record<string, Typed>;
  const fields: [Record<string, Typed | Uint8Array[]>, keyof SharedArenaBuffers, Ctor][] = [
    [st, "ball", Float64Array],
    [st, "cars", Float64Array],
    [st, "arena", Float64Array],
    [st, "controls", Float32Array],
    [st, "rng", Uint32Array],
    [out, "observations", Float32Array],
    [out, "rewards", Float32Array],
    [out, "terminated", Uint8Array],
    [out, "truncated", Uint8Array],
    [out, "finalObservations", Float32Array],
  ];
  const buffers = {} as SharedArenaBuffers;
  for (const [owner, name, Kind] of fields) {
    const old = owner[name] as Typed;
    const buffer = shared?.[name] ?? new SharedArrayBuffer(old.byteLength);
    if (buffer.byteLength !== old.byteLength)
      throw new RangeError(
        `shared ${name} buffer has ${buffer.byteLength} bytes, expected ${old.byteLength}`,
      );
    const view = new Kind(buffer);
    if (!shared) view.set(old as never);
    owner[name] = view;
    buffers[name] = buffer;
  }
  // The state's byte views (hashes, snapshots) follow the arrays.
  st.bytes = [st.ball, st.cars, st.arena, st.controls, st.rng].map(
    (b) => new Uint8Array((b as Typed).buffer, (b as Typed).byteOffset, (b as Typed).byteLength),
  );
  return buffers;
}

/** Contiguous slices of `numEnvs` arenas for `parts` threads: bounds[i] to bounds[i + 1]. */
export function sliceBounds(numEnvs: number, parts: number): Int32Array {
  const bounds = new Int32Array(parts + 1);
  for (let i = 0; i <= parts; i++) bounds[i] = Math.floor((i * numEnvs) / parts);
  return bounds;
}
