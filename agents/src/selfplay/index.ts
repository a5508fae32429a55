export * from "./config.js";
export * from "./curriculum.js";
export * from "./evaluate.js";
export * from "./pool.js";
export * from "./rollout-workers.js";
export * from "./selfplay-env.js";
export * from "./train.js";
