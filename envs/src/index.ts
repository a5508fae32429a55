export * from "./catalogue.js";
export type * from "./spec.js";
