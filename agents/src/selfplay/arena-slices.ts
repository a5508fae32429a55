// The arenas of a self-play environment stepped in slices: the same inner CarSoccerVecEnv on the
// main thread and in every rollout worker, over one set of SharedArrayBuffer-backed state,
// observation, reward and done buffers, each thread stepping only its own arenas. An arena's
// physics, state setter draws (its own rng words in the state), reward and reset seeds depend on
// its index and the global arena count only, so a slice steps exactly what the whole env would.
// No tfjs here: rollout workers import this module.
import {
  A_EPISODE,
  ARENA_FIELDS,
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

/**
 * Steps arenas [from, to) of `env` under the controls already in its state, as
 * CarSoccerVecEnv.step does for every arena: rewards, done flags, the reset of a finished arena
 * from (runSeed, arena + episode × numEnvs), observations. Allocates nothing.
 */
export function stepArenaSlice(env: CarSoccerVecEnv, from: number, to: number, runSeed: number): void {
  const eng = env.engine;
  const st = eng.state;
  const n = env.numAgents;
  const size = env.observationSize;
  const obs = env.observations;
  for (let e = from; e < to; e++) {
    const code = eng.stepArena(e);
    const terminal = code === 1;
    for (let c = 0; c < n; c++) env.rewards[e * n + c] = eng.reward(st, eng.prev, c, e, terminal);
    env.terminated[e] = code === 1 ? 1 : 0;
    env.truncated[e] = code === 2 ? 1 : 0;
    if (code !== 0) {
      const o = e * ARENA_FIELDS;
      const episode = st.arena[o + A_EPISODE]! + 1;
      st.arena[o + A_EPISODE] = episode;
      eng.resetArena(e, runSeed, e + episode * env.numEnvs);
    }
    for (let c = 0; c < n; c++) eng.obsBuilder.build(st, e, c, obs, (e * n + c) * size);
  }
}

/** Contiguous slices of `numEnvs` arenas for `parts` threads: bounds[i] to bounds[i + 1]. */
export function sliceBounds(numEnvs: number, parts: number): Int32Array {
  const bounds = new Int32Array(parts + 1);
  for (let i = 0; i <= parts; i++) bounds[i] = Math.floor((i * numEnvs) / parts);
  return bounds;
}
