// The car-soccer match loop, shared by the live room (paced to real time) and headless ladder
// matches (as fast as the CPU goes): a 1-arena CarSoccerEngine ticked one physics tick at a time,
// episodes that end at a goal and restart at kickoff, a decision every tickSkip ticks, and one
// replay per episode. It knows nothing of rooms, clocks or the database.

import type { CarPolicy } from "@league/agents";
import {
  A_BLUE_SCORE,
  A_GOAL,
  A_ORANGE_SCORE,
  A_STEPS,
  A_TICK,
  CarSoccerEngine,
  CONTROL_SIZE,
  carSoccerConstants,
  type EnvSpec,
  encodeMatchReplay,
  REPLAY_FORMAT_VERSION,
  type Replay,
  tickArena,
} from "@league/envs";

const { HASH_INTERVAL_TICKS, TICK_RATE } = carSoccerConstants;

export type MatchStatus = "kickoff" | "playing" | "goal" | "ended";

export interface CarSoccerMatchOptions {
  spec: EnvSpec;
  /** The engine's seed (a float64 integer); episode k restarts from stream k of it. */
  seed: number;
  /** One per car, blue first: bots, model agents (time-budgeted), remote seats. */
  controllers: CarPolicy[];
  durationSeconds: number;
  /** Frozen game time after a goal and before each kickoff; 0 skips them. */
  goalPauseSeconds: number;
  kickoffPauseSeconds: number;
  /**
   * What a controller that throws does: by default its car idles for that decision and the error
   * is counted; with true the error is rethrown as a ControllerError (headless matches abort).
   */
  failOnControllerError?: boolean;
}

export class ControllerError extends Error {
  constructor(
    readonly car: number,
    readonly controller: string,
    cause: unknown,
  ) {
    super(`car ${car} (${controller}) failed: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = "ControllerError";
  }
}

export class CarSoccerMatch {
  readonly engine: CarSoccerEngine;
  readonly durationSeconds: number;
  status: MatchStatus = "kickoff";
  done = false;
  /** Decisions per car whose controller threw (its car idled instead). */
  readonly controllerErrors: number[];
  readonly goals: { team: "blue" | "orange"; second: number }[] = [];
  /** One per finished episode, in order. */
  readonly replays: Replay[] = [];
  private readonly options: CarSoccerMatchOptions;
  private pauseLeft = 0;
  /** Decision steps of play left: an integer, so the final whistle never drifts by a step. */
  private stepsLeft: number;
  private tickInStep = 0;
  private episode = 0;
  /** Every car's raw controls, filled before any is parsed: observations read the previous controls. */
  private readonly raw: Float32Array;
  /**
   * The episode being recorded. Controls go into one growing buffer, not an array per decision:
   * a long live match would otherwise leave thousands of small objects for the GC to copy.
   */
  private recorder: { initial: Uint8Array; controls: Float32Array; steps: number; hashes: number[] } | null =
    null;

  constructor(options: CarSoccerMatchOptions) {
    this.options = options;
    this.durationSeconds = options.durationSeconds;
    this.engine = new CarSoccerEngine(1, { spec: options.spec });
    if (options.controllers.length !== this.engine.numCars)
      throw new RangeError(
        `${options.spec.id} needs ${this.engine.numCars} controllers, got ${options.controllers.length}`,
      );
    this.controllerErrors = options.controllers.map(() => 0);
    this.raw = new Float32Array(options.controllers.length * CONTROL_SIZE);
    this.stepsLeft = Math.max(1, Math.round((options.durationSeconds * TICK_RATE) / this.engine.tickSkip));
    this.startEpisode();
  }

  get teamSize(): number {
    return this.engine.teamSize;
  }

  /** Seconds of play left. */
  get secondsLeft(): number {
    return (this.stepsLeft * this.engine.tickSkip) / TICK_RATE;
  }

  get score(): { blue: number; orange: number } {
    const arena = this.engine.state.arena;
    return { blue: arena[A_BLUE_SCORE]!, orange: arena[A_ORANGE_SCORE]! };
  }

  /** Team index of a car: blue (0) first. */
  teamOf(car: number): 0 | 1 {
    return car < this.engine.teamSize ? 0 : 1;
  }

  /** Advances one physics tick (1/120 s of game time), pauses included; does nothing once done. */
  tick(): void {
    if (this.done) return;
    if (this.status === "goal" || this.status === "kickoff") {
      this.pauseLeft -= 1 / TICK_RATE;
      if (this.pauseLeft > 0) return;
      if (this.status === "goal") {
        this.episode++;
        this.startEpisode();
        if (this.pauseLeft > 0) return;
      }
      this.status = "playing";
    }
    const eng = this.engine;
    const st = eng.state;
    if (this.tickInStep === 0) this.decide();
    tickArena(st, 0);
    this.tickInStep++;
    if (this.tickInStep < eng.tickSkip) return;
    // A decision step is complete: the same bookkeeping as CarSoccerEngine.stepArena and replays.
    this.tickInStep = 0;
    st.arena[A_STEPS]! += 1;
    const tick = st.arena[A_TICK]!;
    // Same rule as the replay recorder: a hash after each step that crossed a multiple of 120 ticks.
    if (Math.floor(tick / HASH_INTERVAL_TICKS) > Math.floor((tick - eng.tickSkip) / HASH_INTERVAL_TICKS))
      this.recorder?.hashes.push(st.hashArena(0));
    this.stepsLeft--;
    const goal = st.arena[A_GOAL]!;
    if (goal !== 0) {
      this.goals.push({
        team: goal > 0 ? "blue" : "orange",
        second: this.durationSeconds - this.secondsLeft,
      });
      this.closeEpisode();
      if (this.stepsLeft <= 0) this.end();
      else {
        this.status = "goal";
        this.pauseLeft = this.options.goalPauseSeconds;
      }
    } else if (this.stepsLeft <= 0) {
      this.closeEpisode();
      this.end();
    }
  }

  /** The replay container of every finished episode. */
  encodeReplay(): Uint8Array<ArrayBuffer> {
    return encodeMatchReplay(this.replays);
  }

  private end(): void {
    this.done = true;
    this.status = "ended";
  }

  /** Asks every controller for controls, then parses them all; one that throws idles its car (or fails the match). */
  private decide(): void {
    const st = this.engine.state;
    const { controllers } = this.options;
    this.raw.fill(0);
    for (let car = 0; car < controllers.length; car++) {
      const out = this.raw.subarray(car * CONTROL_SIZE, (car + 1) * CONTROL_SIZE);
      try {
        controllers[car]!.act(st, 0, car, out);
      } catch (error) {
        this.controllerErrors[car]! += 1;
        if (this.options.failOnControllerError) throw new ControllerError(car, controllers[car]!.name, error);
        out.fill(0);
      }
    }
    for (let car = 0; car < controllers.length; car++)
      this.engine.actionParser.parse(this.raw, car * CONTROL_SIZE, st.controls, car * CONTROL_SIZE);
    const r = this.recorder;
    if (r) {
      const n = controllers.length * CONTROL_SIZE;
      if ((r.steps + 1) * n > r.controls.length) {
        const grown = new Float32Array(r.controls.length * 2);
        grown.set(r.controls);
        r.controls = grown;
      }
      r.controls.set(st.controls.subarray(0, n), r.steps * n);
      r.steps++;
    }
  }

  private startEpisode(): void {
    // Stream = episode index, so every kickoff of the match is reproducible from the match seed.
    this.engine.resetArena(0, this.options.seed, this.episode);
    this.tickInStep = 0;
    // A minute of decisions to start with (it doubles as needed).
    const perStep = this.options.controllers.length * CONTROL_SIZE;
    const minute = Math.ceil((60 * TICK_RATE) / this.engine.tickSkip);
    this.recorder = {
      initial: this.engine.state.snapshotArena(0),
      controls: new Float32Array(minute * perStep),
      steps: 0,
      hashes: [],
    };
    this.status = "kickoff";
    this.pauseLeft = this.options.kickoffPauseSeconds;
  }

  private closeEpisode(): void {
    const r = this.recorder;
    if (!r) return;
    const eng = this.engine;
    const n = this.options.controllers.length * CONTROL_SIZE;
    const controls = r.controls.slice(0, r.steps * n);
    this.replays.push({
      formatVersion: REPLAY_FORMAT_VERSION,
      specId: eng.spec.id,
      specVersion: eng.spec.version,
      seed: this.options.seed,
      teamSize: eng.teamSize,
      tickSkip: eng.tickSkip,
      numSteps: r.steps,
      initialState: r.initial,
      controls,
      hashes: Uint32Array.from(r.hashes),
      finalHash: eng.state.hashArena(0),
    });
    this.recorder = null;
  }
}
