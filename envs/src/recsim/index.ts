export * from "./env.js";
export * from "./metrics.js";
export * from "./model.js";
export * from "./movielens.js";
export * from "./vector.js";
