export * from "./builtins.js";
export * from "./car-soccer-room.js";
export * from "./live.js";
