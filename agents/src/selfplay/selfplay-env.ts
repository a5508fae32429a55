// Car-soccer self-play as a VectorEnv for the PPO trainer: the learner drives the blue team of
// every arena with lookup-table actions, an opponent policy per arena drives orange (a frozen
// snapshot, the learner itself, or a scripted bot). Observations are the learner's (blue's own
// frame); rewards come from the compiled reward spec. The state setter and the reward can be
// swapped between rollouts, which is how curriculum stages change the task.
import {
  A_BLUE_SCORE,
  A_ORANGE_SCORE,
  ARENA_FIELDS,
  type CarSoccerVecEnv,
  type EnvSpec,
  LookupTableAction,
  type ObsBuilder,
  type RewardFn,
  Rng,
  type StateSetter,
  type VectorEnv,
} from "@league/envs";
import type * as Tf from "@tensorflow/tfjs";
import type { TfRuntime } from "../ppo/backend.js";
import { predictRows } from "../ppo/network.js";
import { sampleCategorical } from "../ppo/ppo.js";
import type { RunningMeanStd } from "../ppo/running-stats.js";
import { compileParsedReward } from "../rewards/car-soccer.js";
import { type CarSoccerBot, createCarSoccerBot } from "../scripted/car-soccer.js";
import { allocateArenaBuffers, buildInnerEnv } from "./arena-slices.js";
import { makeStateSetter } from "./config.js";
import { type RolloutTask, RolloutWorkers } from "./rollout-workers.js";

/** A frozen (or, for the latest self, live) policy network and the standardisation it expects. */
export interface NetworkPolicy {
  actor: Tf.LayersModel;
  observationStats: RunningMeanStd | null;
}

/** Who drives orange in one arena: a network, or a scripted bot by name. */
export type OpponentPolicy = { kind: "network"; policy: NetworkPolicy } | { kind: "scripted"; bot: string };

export interface OpponentAssignment {
  id: string;
  policy: OpponentPolicy;
}

export interface SelfPlayEnvOptions {
  spec: EnvSpec;
  numEnvs: number;
  tickSkip: number;
  obsBuilder: ObsBuilder;
  stateSetter: StateSetter;
  reward: RewardFn;
  /** An episode is truncated after this many simulated seconds (a goal terminates it before). */
  episodeSeconds: number;
  /** Truncate when nobody touched the ball for this long (null: never). */
  noTouchSeconds: number | null;
  runtime: TfRuntime;
  seed: number;
  /** The opponent of the next game in `arena`. */
  nextOpponent: (arena: number) => OpponentAssignment;
  /** A game ended: score 1 the learner won, 0.5 draw (time ran out), 0 lost. */
  onGameEnd: (arena: number, opponent: string, score: number) => void;
  /**
   * Worker threads stepping slices of the arenas beside the main thread (0: all on the main
   * thread). Needs `task`, from which each worker rebuilds the state setter and reward.
   */
  rolloutWorkers?: number;
  /** The named parts behind `obsBuilder`, `stateSetter` and `reward`, for rollout workers. */
  task?: RolloutTask;
  /** Tests only: rollout worker `worker` throws on its `step`-th step. */
  rolloutFault?: { worker: number; step: number };
}

export class SelfPlayVecEnv implements VectorEnv {
  readonly spec: EnvSpec;
  readonly numEnvs: number;
  /** The learner's cars per arena: the blue team. */
  readonly numAgents: number;
  readonly observationSize: number;
  readonly actionSize = 1;
  readonly actionCount: number;
  readonly observations: Float32Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  /** The learner's rows of the inner env's final observations (see VectorEnv). */
  readonly finalObservations: Float32Array;
  readonly inner: CarSoccerVecEnv;
  /** The rollout worker threads, when the arenas are stepped in slices. */
  readonly workers: RolloutWorkers | null = null;
  /** Swap these between rollouts (curriculum stages). */
  stateSetter: StateSetter;
  reward: RewardFn;
  private readonly teamSize: number;
  private readonly lookup = new LookupTableAction();
  private readonly controls: Float32Array;
  private readonly opponents: OpponentAssignment[];
  private readonly bots = new Map<string, CarSoccerBot[]>();
  private readonly rng: Rng;
  private readonly scratch = new Float32Array(8);
  /** Orange's observations for one network's forward pass, and one sampled action: reused every step. */
  private readonly opponentInput: Float32Array;
  private readonly opponentAction = new Float32Array(1);
  private readonly blueBefore: Float32Array;
  private readonly orangeBefore: Float32Array;
  private gamesStarted = 0;

  constructor(private readonly options: SelfPlayEnvOptions) {
    this.spec = options.spec;
    this.numEnvs = options.numEnvs;
    this.teamSize = options.spec.numAgents / 2;
    this.numAgents = this.teamSize;
    this.stateSetter = options.stateSetter;
    this.reward = options.reward;
    const workers = options.rolloutWorkers ?? 0;
    if (workers > 0 && !options.task)
      throw new Error("SelfPlayVecEnv: rolloutWorkers > 0 needs the task's named parts");
    // With rollout workers, the arenas' state and outputs live in buffers every thread shares.
    const shared = workers > 0 ? allocateArenaBuffers(options) : undefined;
    this.inner = buildInnerEnv(
      {
        spec: options.spec,
        numEnvs: options.numEnvs,
        tickSkip: options.tickSkip,
        obsBuilder: options.obsBuilder,
        episodeSeconds: options.episodeSeconds,
        noTouchSeconds: options.noTouchSeconds,
        stateSetter: () => this.stateSetter,
        reward: () => this.reward,
      },
      shared,
    );
    if (shared && options.task) {
      this.workers = new RolloutWorkers(this.inner, {
        workers,
        buffers: shared,
        specId: options.spec.id,
        tickSkip: options.tickSkip,
        episodeSeconds: options.episodeSeconds,
        noTouchSeconds: options.noTouchSeconds,
        task: options.task,
        ...(options.rolloutFault ? { throwAt: options.rolloutFault } : {}),
      });
    }
    this.observationSize = this.inner.observationSize;
    this.actionCount = this.lookup.table.length;
    this.observations = new Float32Array(this.numEnvs * this.numAgents * this.observationSize);
    this.finalObservations = new Float32Array(this.observations.length);
    this.rewards = new Float32Array(this.numEnvs * this.numAgents);
    this.terminated = this.inner.terminated;
    this.truncated = this.inner.truncated;
    this.controls = new Float32Array(this.numEnvs * this.inner.numAgents * 8);
    this.opponentInput = new Float32Array(this.numEnvs * this.teamSize * this.observationSize);
    this.opponents = new Array(this.numEnvs);
    this.blueBefore = new Float32Array(this.numEnvs);
    this.orangeBefore = new Float32Array(this.numEnvs);
    this.rng = new Rng(options.seed, 0x5e1f);
  }

  /** The opponent now playing in `arena`. */
  opponentOf(arena: number): OpponentAssignment {
    return this.opponents[arena]!;
  }

  /** Swaps state setters and reward by name (a curriculum stage), in the workers too. */
  setTask(task: RolloutTask): void {
    this.stateSetter = makeStateSetter(task.stateSetter);
    this.reward = compileParsedReward(task.reward).fn;
    this.workers?.setTask(task);
  }

  /** Stops the rollout workers, if any. */
  close(): Promise<void> {
    return this.workers?.close() ?? Promise.resolve();
  }

  reset(seed: number): void {
    this.inner.reset(seed);
    this.workers?.reset(seed);
    for (let e = 0; e < this.numEnvs; e++) this.assign(e);
    this.copyLearnerView();
  }

  step(actions: Float32Array): void {
    const { numEnvs, teamSize } = this;
    const cars = this.inner.numAgents;
    if (actions.length !== numEnvs * teamSize)
      throw new TypeError(
        `SelfPlayVecEnv.step: expected ${numEnvs * teamSize} lookup indices (${numEnvs} arenas × ${teamSize} blue cars), got ${actions.length}`,
      );
    for (let e = 0; e < numEnvs; e++)
      for (let c = 0; c < teamSize; c++)
        this.lookup.parse(actions, e * teamSize + c, this.controls, (e * cars + c) * 8);
    this.actOpponents();
    const st = this.inner.state;
    for (let e = 0; e < numEnvs; e++) {
      this.blueBefore[e] = st.arena[e * ARENA_FIELDS + A_BLUE_SCORE]!;
      this.orangeBefore[e] = st.arena[e * ARENA_FIELDS + A_ORANGE_SCORE]!;
    }
    if (this.workers) {
      // What inner.step does before stepping, then the arenas in slices on all threads.
      const parser = this.inner.engine.actionParser;
      let nans = 0;
      for (let i = 0; i < numEnvs * cars; i++) nans += parser.parse(this.controls, i * 8, st.controls, i * 8);
      this.inner.invalidActionCount += nans;
      this.workers.step();
    } else this.inner.step(this.controls);
    for (let e = 0; e < numEnvs; e++) {
      if (!(this.terminated[e] || this.truncated[e])) continue;
      // Scores live on across resets of an arena, so the goal of this game is the difference.
      const blue = st.arena[e * ARENA_FIELDS + A_BLUE_SCORE]! - this.blueBefore[e]!;
      const orange = st.arena[e * ARENA_FIELDS + A_ORANGE_SCORE]! - this.orangeBefore[e]!;
      const score = blue > orange ? 1 : blue < orange ? 0 : 0.5;
      this.options.onGameEnd(e, this.opponents[e]!.id, score);
      this.assign(e);
    }
    this.copyLearnerView();
  }

  private assign(arena: number): void {
    const next = this.options.nextOpponent(arena);
    this.opponents[arena] = next;
    if (next.policy.kind === "scripted") this.botFor(next.policy.bot, arena).reset(this.gamesStarted);
    this.gamesStarted++;
  }

  private botFor(name: string, arena: number): CarSoccerBot {
    let perArena = this.bots.get(name);
    if (!perArena) {
      perArena = new Array(this.numEnvs);
      this.bots.set(name, perArena);
    }
    perArena[arena] ??= createCarSoccerBot(name, arena);
    return perArena[arena]!;
  }

  /** Orange's controls: one forward pass per distinct network, bots car by car. */
  private actOpponents(): void {
    const { numEnvs, teamSize, observationSize: size } = this;
    const cars = this.inner.numAgents;
    const st = this.inner.state;
    const groups = new Map<NetworkPolicy, number[]>();
    for (let e = 0; e < numEnvs; e++) {
      const opponent = this.opponents[e]!.policy;
      if (opponent.kind === "scripted") {
        const bot = this.botFor(opponent.bot, e);
        for (let c = teamSize; c < cars; c++) {
          bot.act(st, e, c, this.scratch);
          this.controls.set(this.scratch, (e * cars + c) * 8);
        }
        continue;
      }
      let arenas = groups.get(opponent.policy);
      if (!arenas) {
        arenas = [];
        groups.set(opponent.policy, arenas);
      }
      arenas.push(e);
    }
    const { tf } = this.options.runtime;
    const n = this.actionCount;
    for (const [policy, arenas] of groups) {
      const rows = arenas.length * teamSize;
      const input = this.opponentInput.subarray(0, rows * size);
      arenas.forEach((e, i) => {
        for (let c = 0; c < teamSize; c++) {
          const from = (e * cars + teamSize + c) * size;
          input.set(this.inner.observations.subarray(from, from + size), (i * teamSize + c) * size);
        }
      });
      if (policy.observationStats) policy.observationStats.normalize(input, rows, input);
      const logits = predictRows(tf, policy.actor, input, rows);
      const index = this.opponentAction;
      arenas.forEach((e, i) => {
        for (let c = 0; c < teamSize; c++) {
          index[0] = sampleCategorical(logits, (i * teamSize + c) * n, n, this.rng)[0];
          this.lookup.parse(index, 0, this.controls, (e * cars + teamSize + c) * 8);
        }
      });
    }
  }

  private copyLearnerView(): void {
    const { numEnvs, teamSize, observationSize: size } = this;
    const cars = this.inner.numAgents;
    for (let e = 0; e < numEnvs; e++) {
      const from = e * cars * size;
      this.observations.set(
        this.inner.observations.subarray(from, from + teamSize * size),
        e * teamSize * size,
      );
      if (this.truncated[e])
        this.finalObservations.set(
          this.inner.finalObservations.subarray(from, from + teamSize * size),
          e * teamSize * size,
        );
      for (let c = 0; c < teamSize; c++) this.rewards[e * teamSize + c] = this.inner.rewards[e * cars + c]!;
    }
  }
}
