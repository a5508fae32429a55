export * from "./car-soccer.js";
