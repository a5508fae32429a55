import type { EnvSpec, Space } from "../spec.js";
import type { BanditConfig, ResolvedBanditConfig } from "./config.js";
import { SinglePlayerEnv } from "./single.js";
import { BanditVectorEnv } from "./vector.js";

/**
 * One bandit instance (agent `player-0`); the action is a Float32Array holding the arm index.
 * See `BanditVectorEnv` for the observation layouts and `SinglePlayerEnv` for `info`.
 */
export class BanditEnv extends SinglePlayerEnv<BanditVectorEnv> {
  readonly actionSpace: Space;

  constructor(config: BanditConfig, options: { spec?: EnvSpec } = {}) {
    super(new BanditVectorEnv(config, 1, { ...options, autoReset: false }));
    this.actionSpace = { kind: "discrete", n: this.engine.config.numArms };
  }

  get config(): ResolvedBanditConfig {
    return this.engine.config;
  }

  protected override resetInfo(): Record<string, unknown> {
    return { numArms: this.config.numArms, horizon: this.config.horizon };
  }
}
