export * from "./bandits/index.js";
export * from "./car-soccer/index.js";
export * from "./catalogue.js";
export * from "./policy-io.js";
export * from "./recsim/index.js";
export * from "./rng.js";
export type * from "./spec.js";
