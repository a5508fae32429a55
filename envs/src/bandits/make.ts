import { getEnvSpec } from "../catalogue.js";
import { RecsimEnv } from "../recsim/env.js";
import { type RecsimConfig, RecsimVectorEnv } from "../recsim/vector.js";
import type { EnvSpec } from "../spec.js";
import { type BanditConfig, satiatingLsdConfig } from "./config.js";
import { BanditEnv } from "./env.js";
import { BanditVectorEnv } from "./vector.js";

/** The LSD catalogue instance: 10 satiating, recharging arms drawn once from instance seed 1, τ_max = 8. */
const LSD_10 = satiatingLsdConfig(10, 8, 1);

/** The configuration behind each bandit id of the catalogue. */
export const BANDIT_CONFIGS: Readonly<Record<string, BanditConfig>> = Object.freeze({
  "bandit-bernoulli-10": { kind: "bernoulli", numArms: 10 },
  "bandit-gaussian-10": { kind: "gaussian", numArms: 10 },
  "bandit-switching-10": { kind: "switching", numArms: 10 },
  "bandit-drifting-10": { kind: "drifting", numArms: 10 },
  "bandit-lsd-10": LSD_10,
  "bandit-contextual-10": { kind: "contextual", numArms: 10, contextDim: 8 },
});

/** The configuration behind each recommender id of the catalogue. */
export const RECSIM_CONFIGS: Readonly<Record<string, RecsimConfig>> = Object.freeze({
  "recsim-slate-5": { slateSize: 5 },
});

/** Overrides for a catalogue environment (e.g. a longer horizon for a test); the spec follows. */
export type DuplicateEnvOverrides = Partial<Record<string, unknown>> & { horizon?: number };

/** A single-player bandit or recommender environment by catalogue id, with optional overrides. */
export function makeDuplicateEnv(id: string, overrides: DuplicateEnvOverrides = {}): BanditEnv | RecsimEnv {
  const spec: EnvSpec = getEnvSpec(id);
  const banditConfig = BANDIT_CONFIGS[id];
  if (banditConfig) return new BanditEnv({ ...banditConfig, ...overrides } as BanditConfig, { spec });
  const recsimConfig = RECSIM_CONFIGS[id];
  if (recsimConfig) return new RecsimEnv({ ...recsimConfig, ...overrides } as RecsimConfig, { spec });
  throw new Error(`environment "${id}" is not a bandit or recommender (family ${spec.family})`);
}

/** The vectorised form of `makeDuplicateEnv`: `numEnvs` instances, reset automatically. */
export function makeDuplicateVectorEnv(
  id: string,
  numEnvs: number,
  overrides: DuplicateEnvOverrides = {},
): BanditVectorEnv | RecsimVectorEnv {
  const spec: EnvSpec = getEnvSpec(id);
  const banditConfig = BANDIT_CONFIGS[id];
  if (banditConfig)
    return new BanditVectorEnv({ ...banditConfig, ...overrides } as BanditConfig, numEnvs, { spec });
  const recsimConfig = RECSIM_CONFIGS[id];
  if (recsimConfig)
    return new RecsimVectorEnv({ ...recsimConfig, ...overrides } as RecsimConfig, numEnvs, { spec });
  throw new Error(`environment "${id}" is not a bandit or recommender (family ${spec.family})`);
}
