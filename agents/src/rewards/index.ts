export * from "./car-soccer.js";
export * from "./combinators.js";
export * from "./distances.js";
