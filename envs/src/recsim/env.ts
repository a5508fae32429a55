import { SinglePlayerEnv } from "../bandits/single.js";
import type { EnvSpec, Space } from "../spec.js";
import { type RecsimConfig, RecsimVectorEnv, type ResolvedRecsimConfig } from "./vector.js";

/**
 * One recommender instance (agent `player-0`): the action is a Float32Array of k distinct item
 * indices (the slate, best first); `info` adds `clicked` (item index, -1 for none) to the regret
 * fields. See `RecsimVectorEnv` for the model and the observation layout.
 */
export class RecsimEnv extends SinglePlayerEnv<RecsimVectorEnv> {
  readonly actionSpace: Space;

  constructor(config: RecsimConfig = {}, options: { spec?: EnvSpec } = {}) {
    super(new RecsimVectorEnv(config, 1, { ...options, autoReset: false }));
    this.actionSpace = this.engine.actionSpace;
  }

  get config(): ResolvedRecsimConfig {
    return this.engine.config;
  }

  protected override resetInfo(): Record<string, unknown> {
    const c = this.config;
    return { numItems: c.numItems, numUsers: c.numUsers, slateSize: c.slateSize, horizon: c.horizon };
  }

  protected override stepInfo(): Record<string, unknown> {
    return { clicked: this.engine.clicks[0]! };
  }
}
