export * from "./combinators.js";
export * from "./distances.js";
