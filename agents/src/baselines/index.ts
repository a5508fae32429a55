export * from "./bandit.js";
export * from "./duplicate.js";
export * from "./recommender.js";
export * from "./registry.js";
export * from "./types.js";
export * from "./util.js";
