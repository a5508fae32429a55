export type * from "./policy.js";
export * from "./ppo/backend.js";
export * from "./ppo/checkpoint.js";
export * from "./ppo/gae.js";
export * from "./ppo/ppo.js";
export * from "./ppo/running-stats.js";
export * from "./report/metrics-log.js";
export * from "./report/progress.js";
export * from "./report/svg-chart.js";
