import { BanditConfigError, check, isInt } from "../bandits/errors.js";
import { Rng } from "../rng.js";

/**
 * The world a recommender simulator runs in: a catalogue of items with latent features (observable
 * to agents, like RecSim's document features) and a bias, and a pool of user interest vectors that
 * the simulator's users are drawn from (hidden from agents). Utility of item i for a user with
 * interest u is affinityScale · u·v_i + bias_i (minus fatigue, see `RecsimVectorEnv`).
 */
export interface RecsimModel {
  numItems: number;
  latentDim: number;
  /** numItems × latentDim, row-major. */
  itemFeatures: Float32Array;
  /** numItems. */
  itemBias: Float32Array;
  /** poolSize × latentDim: the interest vectors users are drawn from (plus `userNoise`). */
  userPool: Float32Array;
  /** Noise (standard deviation per coordinate) added to a pooled interest when a user is drawn. */
  userNoise: number;
  /** Outside ids (e.g. MovieLens MovieIDs) and titles of the items, when the model came from data. */
  itemIds?: readonly number[];
  itemTitles?: readonly string[];
}

function unitNormal(rng: Rng, out: Float32Array, offset: number, d: number): void {
  let norm = 0;
  for (let i = 0; i < d; i++) {
    const x = rng.normal();
    out[offset + i] = x;
    norm += x * x;
  }
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < d; i++) out[offset + i]! /= norm;
}

/**
 * A synthetic model drawn from `seed`: unit-length item features and user interests, uniform on the
 * sphere; item bias N(0, 0.5²) (some items are simply better); a pool of 256 interest vectors.
 */
export function syntheticRecsimModel(numItems: number, latentDim: number, seed: number): RecsimModel {
  check(isInt(numItems, 1, 1_000_000), "numItems (catalogue size)", "an integer >= 1", numItems);
  check(isInt(latentDim, 1, 1024), "latentDim", "an integer >= 1", latentDim);
  const rng = new Rng(seed, 0x7ec);
  const itemFeatures = new Float32Array(numItems * latentDim);
  const itemBias = new Float32Array(numItems);
  for (let i = 0; i < numItems; i++) {
    unitNormal(rng, itemFeatures, i * latentDim, latentDim);
    itemBias[i] = rng.normal(0, 0.5);
  }
  const poolSize = 256;
  const userPool = new Float32Array(poolSize * latentDim);
  for (let u = 0; u < poolSize; u++) unitNormal(rng, userPool, u * latentDim, latentDim);
  return { numItems, latentDim, itemFeatures, itemBias, userPool, userNoise: 0 };
}

export function validateRecsimModel(model: RecsimModel): void {
  check(isInt(model.numItems, 1, 1_000_000), "numItems (catalogue size)", "an integer >= 1", model.numItems);
  check(isInt(model.latentDim, 1, 1024), "latentDim", "an integer >= 1", model.latentDim);
  const d = model.latentDim;
  if (model.itemFeatures.length !== model.numItems * d)
    throw new BanditConfigError(
      `itemFeatures must hold numItems × latentDim = ${model.numItems * d} numbers, got ${model.itemFeatures.length}`,
    );
  if (model.itemBias.length !== model.numItems)
    throw new BanditConfigError(
      `itemBias must hold numItems = ${model.numItems} numbers, got ${model.itemBias.length}`,
    );
  if (model.userPool.length === 0 || model.userPool.length % d !== 0)
    throw new BanditConfigError(
      `userPool must hold a whole, non-zero number of latentDim = ${d} vectors, got ${model.userPool.length} numbers`,
    );
  check(
    Number.isFinite(model.userNoise) && model.userNoise >= 0,
    "userNoise",
    "a number >= 0",
    model.userNoise,
  );
}
