export * from "./catalogue.js";
export * from "./rng.js";
export type * from "./spec.js";
