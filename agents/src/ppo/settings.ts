// The `ppo` block of a run config, checked field by field into a typed Partial<PpoConfig>. The
// run config owns seed and totalSteps, so they are not PPO settings there.
import { z } from "zod";
import { DEFAULT_PPO_CONFIG, type PpoConfig } from "./ppo.js";

type Settings = Omit<PpoConfig, "seed" | "totalSteps">;

const positive = z.number().positive();
const unit = z.number().min(0).max(1);
const fields = {
  numSteps: z.number().int().positive(),
  gamma: unit,
  gaeLambda: unit,
  clipCoef: positive,
  entCoef: z.number().min(0),
  vfCoef: z.number().min(0),
  maxGradNorm: positive,
  learningRate: positive,
  annealLr: z.boolean(),
  updateEpochs: z.number().int().positive(),
  numMinibatches: z.number().int().positive(),
  hidden: z.array(z.number().int().positive()),
  normalizeObservations: z.boolean(),
  normalizeReturns: z.boolean(),
  auxCoef: z.number().min(0),
  bootstrapTruncated: z.boolean(),
  rndCoef: z.number().min(0),
  rndGamma: unit,
} satisfies { [K in keyof Settings]: z.ZodType<Settings[K]> };

const names = Object.keys(DEFAULT_PPO_CONFIG).filter((k) => k !== "seed" && k !== "totalSteps");

export const PpoSettings = z
  .record(z.string(), z.unknown())
  .superRefine((ppo, ctx) => {
    for (const key of Object.keys(ppo))
      if (!(key in fields))
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `not a PPO setting here (${names.join(", ")})`,
        });
  })
  .pipe(z.object(fields).partial())
  .default({});
