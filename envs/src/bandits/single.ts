import type { AgentId, EnvSpec, ParallelEnv, ResetResult, Space, StepResult } from "../spec.js";
import { BanditActionError } from "./errors.js";

/** The single player of a bandit or recommender episode. */
export const PLAYER: AgentId = "player-0";

/** What a single-player wrapper needs from a vectorised engine: the buffers it reads after `step`. */
export interface RegretEngine {
  readonly spec: EnvSpec;
  readonly actionSize: number;
  readonly observationSize: number;
  readonly observations: Float32Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly regrets: Float64Array;
  readonly oracleRewards: Float64Array;
  readonly expectedRewards: Float64Array;
  readonly episodeReturns: Float64Array;
  readonly episodeRegrets: Float64Array;
  readonly oracleReturns: Float64Array;
  readonly observationSpace: Space;
  reset(seed: number): void;
  step(actions: Float32Array): void;
}

/**
 * One instance, PettingZoo-parallel style with the single agent `player-0`. It IS the vectorised
 * engine with one instance (built without automatic reset), so it agrees bit for bit with instance
 * 0 of the vectorised form reset with the same seed. `info` carries `regret`, `oracleReward`,
 * `expectedReward` for the step and the running `episodeReturn`, `episodeRegret`, `oracleReturn`.
 */
export abstract class SinglePlayerEnv<E extends RegretEngine>
  implements ParallelEnv<Float32Array, Float32Array>
{
  readonly agents: readonly AgentId[] = [PLAYER];
  abstract readonly actionSpace: Space;
  private readonly action: Float32Array;
  private done = true;

  constructor(readonly engine: E) {
    this.action = new Float32Array(engine.actionSize);
  }

  get spec(): EnvSpec {
    return this.engine.spec;
  }

  get observationSpace(): Space {
    return this.engine.observationSpace;
  }

  protected resetInfo(): Record<string, unknown> {
    return {};
  }

  protected stepInfo(): Record<string, unknown> {
    return {};
  }

  reset(seed: number): ResetResult<Float32Array> {
    this.engine.reset(seed);
    this.done = false;
    return {
      observations: { [PLAYER]: this.engine.observations.slice() },
      infos: { [PLAYER]: this.resetInfo() },
    };
  }

  step(actions: Record<AgentId, Float32Array>): StepResult<Float32Array> {
    if (this.done)
      throw new BanditActionError("the episode has ended (or never began): call reset(seed) first");
    const a = actions[PLAYER];
    if (!a || a.length < this.action.length)
      throw new BanditActionError(
        `action for ${PLAYER} must hold ${this.action.length} number(s), got ${a?.length ?? "none"}`,
      );
    this.action.set(a.subarray(0, this.action.length));
    const g = this.engine;
    g.step(this.action);
    const terminated = g.terminated[0] === 1;
    this.done = terminated;
    return {
      observations: { [PLAYER]: g.observations.slice() },
      rewards: { [PLAYER]: g.rewards[0]! },
      terminations: { [PLAYER]: terminated },
      truncations: { [PLAYER]: false },
      infos: {
        [PLAYER]: {
          regret: g.regrets[0]!,
          oracleReward: g.oracleRewards[0]!,
          expectedReward: g.expectedRewards[0]!,
          episodeReturn: g.episodeReturns[0]!,
          episodeRegret: g.episodeRegrets[0]!,
          oracleReturn: g.oracleReturns[0]!,
          ...this.stepInfo(),
        },
      },
    };
  }
}
