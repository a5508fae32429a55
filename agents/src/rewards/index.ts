export * from "./analysis.js";
export * from "./analysis-chart.js";
export * from "./car-soccer.js";
export * from "./car-soccer-analysis.js";
export * from "./combinators.js";
export * from "./distances.js";
export * from "./novelty.js";
