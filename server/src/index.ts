export { type AppOptions, buildApp } from "./app.js";
export { ConfigError, loadConfig, type ServerConfig } from "./config.js";
export { ApiError } from "./errors.js";
export { registerBuiltinAgents } from "./league/builtins.js";
export { Ladder } from "./league/ladder.js";
export { attachRooms, registerCarSoccerBots, startLiveMatch } from "./rooms/index.js";
export { seedLeagues } from "./seed.js";
