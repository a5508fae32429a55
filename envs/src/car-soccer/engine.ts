// The one engine: N arenas stepped together over struct-of-arrays buffers. CarSoccerVecEnv exposes
// it as a VectorEnv; CarSoccerEnv is the same engine with N = 1, so both agree bit for bit.

import { ENV_SPECS } from "../catalogue.js";
import type { AgentId, EnvSpec, ParallelEnv, ResetResult, Space, StepResult, VectorEnv } from "../spec.js";
import { type ActionParser, ContinuousAction } from "./actions.js";
import { DEFAULT_TICK_SKIP, HASH_INTERVAL_TICKS, TICK_RATE } from "./constants.js";
import { type DoneCondition, GoalCondition, goalReward, type RewardFn, TimeoutCondition } from "./done.js";
import { DefaultObs, type ObsBuilder } from "./obs.js";
import { tickArena } from "./physics.js";
import { REPLAY_FORMAT_VERSION, type Replay } from "./replay-format.js";
import { KickoffSetter, type StateSetter } from "./setters.js";
import {
  A_BLUE_SCORE,
  A_EPISODE,
  A_GOAL,
  A_ORANGE_SCORE,
  A_STEPS,
  A_TICK,
  ARENA_FIELDS,
  C_BALL_TOUCHES,
  C_BOOST,
  C_DEMOS,
  C_IS_DEMOED,
  CarSoccerState,
  type CarSoccerStateBuffers,
} from "./state.js";

export interface CarSoccerConfig {
  /** Cars per team (default 1), or give `spec`. */
  teamSize?: 1 | 2 | 3;
  /** Defaults to the catalogue's `car-soccer-NvN`. */
  spec?: EnvSpec;
  /** Physics ticks per decision (default 8). */
  tickSkip?: number;
  stateSetter?: StateSetter;
  obsBuilder?: ObsBuilder;
  actionParser?: ActionParser;
  reward?: RewardFn;
  /** Default: a goal terminates; the spec's maxEpisodeSteps truncates. */
  doneConditions?: DoneCondition[];
  /** Memory for the state's arrays (default its own), e.g. shared with worker threads. */
  stateBuffers?: CarSoccerStateBuffers;
}

/** Memory for a CarSoccerVecEnv's outputs, e.g. shared with worker threads. */
export interface VecEnvOutputBuffers {
  observations: ArrayBufferLike;
  rewards: ArrayBufferLike;
  terminated: ArrayBufferLike;
  truncated: ArrayBufferLike;
  finalObservations: ArrayBufferLike;
}

/** Step outcome of one arena. */
export const NOT_DONE = 0;
export const TERMINATED = 1;
export const TRUNCATED = 2;

export class CarSoccerEngine {
  readonly spec: EnvSpec;
  readonly teamSize: 1 | 2 | 3;
  readonly numArenas: number;
  readonly numCars: number;
  readonly tickSkip: number;
  readonly state: CarSoccerState;
  /** The state before the last step, for rewards. */
  readonly prev: CarSoccerState;
  readonly stateSetter: StateSetter;
  readonly obsBuilder: ObsBuilder;
  readonly actionParser: ActionParser;
  readonly reward: RewardFn;
  readonly doneConditions: readonly DoneCondition[];
  readonly observationSize: number;

  constructor(numArenas: number, config: CarSoccerConfig = {}) {
    const teamSize = config.teamSize ?? ((config.spec ? config.spec.numAgents / 2 : 1) as 1 | 2 | 3);
    const spec = config.spec ?? ENV_SPECS[`car-soccer-${teamSize}v${teamSize}`];
    if (spec?.family !== "car-soccer" || spec.numAgents !== teamSize * 2)
      throw new RangeError(`no car-soccer spec for team size ${teamSize}`);
    const tickSkip = config.tickSkip ?? spec.tickSkip ?? DEFAULT_TICK_SKIP;
    if (!(Number.isInteger(tickSkip) && tickSkip >= 1))
      throw new RangeError(`tickSkip must be a positive integer, got ${tickSkip}`);
    this.spec = spec;
    this.teamSize = teamSize;
    this.numArenas = numArenas;
    this.numCars = teamSize * 2;
    this.tickSkip = tickSkip;
    this.state = new CarSoccerState(numArenas, teamSize, config.stateBuffers);
    this.prev = new CarSoccerState(numArenas, teamSize);
    this.stateSetter = config.stateSetter ?? new KickoffSetter();
    this.obsBuilder = config.obsBuilder ?? new DefaultObs();
    this.actionParser = config.actionParser ?? new ContinuousAction();
    this.reward = config.reward ?? goalReward;
    this.doneConditions = config.doneConditions ?? [
      new GoalCondition(),
      new TimeoutCondition((spec.maxEpisodeSteps * tickSkip) / TICK_RATE),
    ];
    this.observationSize = this.obsBuilder.size(teamSize);
  }

  /** Seeds arena `a`'s stream with (seed, stream) and lets the state setter place everything. */
  resetArena(a: number, seed: number, stream: number): void {
    this.state.seedArena(a, seed, stream);
    this.stateSetter.reset(this.state, a);
    this.prev.copyArena(this.state, a, a);
  }

  /** Runs one decision step (tickSkip ticks) of arena `a` under the controls already in `state.controls`. */
  stepArena(a: number): number {
    const s = this.state;
    this.prev.copyArena(s, a, a);
    for (let t = 0; t < this.tickSkip; t++) tickArena(s, a);
    s.arena[a * ARENA_FIELDS + A_STEPS]! += 1;
    return this.doneCode(a);
  }

  doneCode(a: number): number {
    let code = NOT_DONE;
    for (const d of this.doneConditions) {
      if (d.isDone(this.state, a)) {
        if (d.kind === "terminate") return TERMINATED;
        code = TRUNCATED;
      }
    }
    return code;
  }
}

/** A VectorEnv over N arenas: finished arenas reset themselves; nothing is allocated per step. */
export class CarSoccerVecEnv implements VectorEnv {
  readonly spec: EnvSpec;
  readonly numEnvs: number;
  readonly numAgents: number;
  readonly observationSize: number;
  readonly actionSize: number;
  readonly observations: Float32Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  /** The observations a truncated arena was cut off in, before its reset (see VectorEnv). */
  readonly finalObservations: Float32Array;
  readonly engine: CarSoccerEngine;
  /** NaN action numbers replaced by 0 since the last reset. */
  invalidActionCount = 0;
  private runSeed = 0;

  constructor(numEnvs: number, config: CarSoccerConfig & { outputBuffers?: VecEnvOutputBuffers } = {}) {
    this.engine = new CarSoccerEngine(numEnvs, config);
    this.spec = this.engine.spec;
    this.numEnvs = numEnvs;
    this.numAgents = this.engine.numCars;
    this.observationSize = this.engine.observationSize;
    this.actionSize = this.engine.actionParser.actionSize;
    const bytes = CarSoccerVecEnv.outputByteLengths(numEnvs, this.numAgents, this.observationSize);
    const memory = (name: keyof VecEnvOutputBuffers): ArrayBufferLike => {
      const given = config.outputBuffers?.[name];
      if (!given) return new ArrayBuffer(bytes[name]);
      if (given.byteLength !== bytes[name])
        throw new RangeError(`${name} buffer has ${given.byteLength} bytes, expected ${bytes[name]}`);
      return given;
    };
    this.observations = new Float32Array(memory("observations"));
    this.rewards = new Float32Array(memory("rewards"));
    this.terminated = new Uint8Array(memory("terminated"));
    this.truncated = new Uint8Array(memory("truncated"));
    this.finalObservations = new Float32Array(memory("finalObservations"));
  }

  /** Bytes of each output array of a vectorised env with these dimensions. */
  static outputByteLengths(
    numEnvs: number,
    numAgents: number,
    observationSize: number,
  ): Record<keyof VecEnvOutputBuffers, number> {
    const observations = numEnvs * numAgents * observationSize * 4;
    return {
      observations,
      rewards: numEnvs * numAgents * 4,
      terminated: numEnvs,
      truncated: numEnvs,
      finalObservations: observations,
    };
  }

  get state(): CarSoccerState {
    return this.engine.state;
  }

  /** Arena e starts from (seed, stream e); its k-th later episode from (seed, stream e + k·numEnvs). */
  reset(seed: number): void {
    this.runSeed = seed;
    this.invalidActionCount = 0;
    const st = this.engine.state;
    for (let e = 0; e < this.numEnvs; e++) {
      const o = e * ARENA_FIELDS;
      st.arena[o + A_EPISODE] = 0;
      st.arena[o + A_BLUE_SCORE] = 0;
      st.arena[o + A_ORANGE_SCORE] = 0;
      this.engine.resetArena(e, seed, e);
      this.buildObservations(e);
    }
    this.rewards.fill(0);
    this.terminated.fill(0);
    this.truncated.fill(0);
  }

  /** Bad numbers are cleaned (NaN → 0, clamped), never thrown; only a wrong buffer length throws. */
  step(actions: Float32Array): void {
    const eng = this.engine;
    const n = this.numAgents;
    const size = this.actionSize;
    if (actions.length !== this.numEnvs * n * size)
      throw new TypeError(
        `CarSoccerVecEnv.step: expected ${this.numEnvs * n * size} action numbers (${this.numEnvs} envs × ${n} agents × ${size}), got ${actions.length}`,
      );
    const st = eng.state;
    const parser = eng.actionParser;
    let nans = 0;
    for (let i = 0; i < this.numEnvs * n; i++) nans += parser.parse(actions, i * size, st.controls, i * 8);
    this.invalidActionCount += nans;
    this.stepArenas(0, this.numEnvs, this.runSeed);
  }

  /**
   * Steps arenas [from, to) under the controls already in the state: rewards, done flags, the
   * final observations of a truncated arena, its reset from (runSeed, arena + episode × numEnvs),
   * observations. Rollout workers step their slices of a shared env with it. Allocates nothing.
   */
  stepArenas(from: number, to: number, runSeed: number): void {
    const eng = this.engine;
    const st = eng.state;
    const n = this.numAgents;
    for (let e = from; e < to; e++) {
      const code = eng.stepArena(e);
      const terminal = code === TERMINATED;
      for (let c = 0; c < n; c++) this.rewards[e * n + c] = eng.reward(st, eng.prev, c, e, terminal);
      this.terminated[e] = code === TERMINATED ? 1 : 0;
      this.truncated[e] = code === TRUNCATED ? 1 : 0;
      if (code === TRUNCATED) this.buildObservations(e, this.finalObservations);
      if (code !== NOT_DONE) {
        const o = e * ARENA_FIELDS;
        const episode = st.arena[o + A_EPISODE]! + 1;
        st.arena[o + A_EPISODE] = episode;
        eng.resetArena(e, runSeed, e + episode * this.numEnvs);
      }
      this.buildObservations(e);
    }
  }

  private buildObservations(e: number, out = this.observations): void {
    const n = this.numAgents;
    const size = this.observationSize;
    for (let c = 0; c < n; c++)
      this.engine.obsBuilder.build(this.engine.state, e, c, out, (e * n + c) * size);
  }
}

export type CarSoccerAction = ArrayLike<number> | number;

export interface CarSoccerEnvConfig extends CarSoccerConfig {
  /** Keep the controls and state hashes of the episode for `replay()` (default false). */
  recordReplay?: boolean;
}

/**
 * One arena as a PettingZoo-style ParallelEnv, agents `blue-0…`, `orange-0…`. It is
 * CarSoccerEngine with one arena, the same code path as the vectorised runner.
 */
export class CarSoccerEnv implements ParallelEnv<Float32Array, CarSoccerAction> {
  readonly spec: EnvSpec;
  readonly agents: readonly AgentId[];
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly engine: CarSoccerEngine;
  private done = true;
  private seed = 0;
  private readonly record: boolean;
  private initial: Uint8Array | null = null;
  private controlLog: Float32Array[] = [];
  private hashes: number[] = [];
  private readonly raw: Float64Array;

  constructor(config: CarSoccerEnvConfig = {}) {
    this.engine = new CarSoccerEngine(1, config);
    this.spec = this.engine.spec;
    const ts = this.engine.teamSize;
    this.agents = [
      ...Array.from({ length: ts }, (_, i) => `blue-${i}`),
      ...Array.from({ length: ts }, (_, i) => `orange-${i}`),
    ];
    this.observationSpace = {
      kind: "box",
      shape: [this.engine.observationSize],
      low: -Infinity,
      high: Infinity,
    };
    this.actionSpace = this.engine.actionParser.actionSpace;
    this.record = config.recordReplay ?? false;
    this.raw = new Float64Array(this.engine.actionParser.actionSize);
  }

  get state(): CarSoccerState {
    return this.engine.state;
  }

  get tickSkip(): number {
    return this.engine.tickSkip;
  }

  reset(seed: number): ResetResult<Float32Array> {
    if (!Number.isFinite(seed))
      throw new TypeError(`CarSoccerEnv.reset: seed must be a finite number, got ${seed}`);
    this.seed = seed;
    const st = this.engine.state;
    st.arena[A_BLUE_SCORE] = 0;
    st.arena[A_ORANGE_SCORE] = 0;
    st.arena[A_EPISODE] = 0;
    this.engine.resetArena(0, seed, 0);
    this.done = false;
    if (this.record) {
      this.initial = st.snapshotArena(0);
      this.controlLog = [];
      this.hashes = [];
    }
    const infos: Record<AgentId, Record<string, unknown>> = {};
    for (const id of this.agents) infos[id] = {};
    return { observations: this.observe(), infos };
  }

  /**
   * Each agent's action must be present and of the parser's length (a lookup index may be a bare
   * number): otherwise a TypeError names the agent. NaN numbers become 0 and are counted in
   * `infos[agent].invalidActions`; out-of-range numbers are clamped.
   */
  step(actions: Record<AgentId, CarSoccerAction>): StepResult<Float32Array> {
    if (this.done) throw new Error("CarSoccerEnv.step: the episode has ended; call reset(seed) first");
    const eng = this.engine;
    const st = eng.state;
    const size = eng.actionParser.actionSize;
    const nans: number[] = [];
    for (let c = 0; c < this.agents.length; c++) {
      const id = this.agents[c]!;
      const act = actions[id];
      if (typeof act === "number" && size === 1) this.raw[0] = act;
      else if (
        act !== null &&
        typeof act === "object" &&
        typeof act.length === "number" &&
        act.length === size
      )
        for (let i = 0; i < size; i++) this.raw[i] = Number(act[i]);
      else
        throw new TypeError(
          `CarSoccerEnv.step: action of ${id} must be ${size === 1 ? "a number or " : ""}an array of ${size} number${size === 1 ? "" : "s"} (${eng.actionParser.name} parser), got ${describe(act)}`,
        );
      nans.push(eng.actionParser.parse(this.raw, 0, st.controls, c * 8));
    }
    const tickBefore = st.arena[A_TICK]!;
    const code = eng.stepArena(0);
    if (this.record) {
      this.controlLog.push(st.controls.slice(0, this.agents.length * 8));
      const tick = st.arena[A_TICK]!;
      if (Math.floor(tick / HASH_INTERVAL_TICKS) > Math.floor(tickBefore / HASH_INTERVAL_TICKS))
        this.hashes.push(st.hashArena(0));
    }
    this.done = code !== NOT_DONE;
    const rewards: Record<AgentId, number> = {};
    const terminations: Record<AgentId, boolean> = {};
    const truncations: Record<AgentId, boolean> = {};
    const infos: Record<AgentId, Record<string, unknown>> = {};
    for (let c = 0; c < this.agents.length; c++) {
      const id = this.agents[c]!;
      rewards[id] = eng.reward(st, eng.prev, c, 0, code === TERMINATED);
      terminations[id] = code === TERMINATED;
      truncations[id] = code === TRUNCATED;
      const o = st.carOffset(0, c);
      infos[id] = {
        invalidActions: nans[c],
        tick: st.arena[A_TICK],
        goal: st.arena[A_GOAL],
        blueScore: st.arena[A_BLUE_SCORE],
        orangeScore: st.arena[A_ORANGE_SCORE],
        boost: st.cars[o + C_BOOST],
        demoed: st.cars[o + C_IS_DEMOED] === 1,
        demos: st.cars[o + C_DEMOS],
        touches: st.cars[o + C_BALL_TOUCHES],
      };
    }
    return { observations: this.observe(), rewards, terminations, truncations, infos };
  }

  /** The episode so far as a replay (requires `recordReplay: true`). */
  replay(): Replay {
    if (!this.record || !this.initial)
      throw new Error("CarSoccerEnv.replay: construct with recordReplay: true and call reset first");
    const n = this.agents.length * 8;
    const controls = new Float32Array(this.controlLog.length * n);
    this.controlLog.forEach((row, i) => {
      controls.set(row, i * n);
    });
    return {
      formatVersion: REPLAY_FORMAT_VERSION,
      specId: this.spec.id,
      specVersion: this.spec.version,
      seed: this.seed,
      teamSize: this.engine.teamSize,
      tickSkip: this.engine.tickSkip,
      numSteps: this.controlLog.length,
      initialState: this.initial.slice(),
      controls,
      hashes: Uint32Array.from(this.hashes),
      finalHash: this.engine.state.hashArena(0),
    };
  }

  private observe(): Record<AgentId, Float32Array> {
    const size = this.engine.observationSize;
    const out: Record<AgentId, Float32Array> = {};
    for (let c = 0; c < this.agents.length; c++) {
      const obs = new Float32Array(size);
      this.engine.obsBuilder.build(this.engine.state, 0, c, obs, 0);
      out[this.agents[c]!] = obs;
    }
    return out;
  }
}

function describe(x: unknown): string {
  if (x === undefined) return "nothing";
  if (x === null) return "null";
  if (typeof x === "object" && x && "length" in x) return `length ${(x as { length: unknown }).length}`;
  return typeof x;
}
