export { type AppOptions, buildApp } from "./app.js";
export { ConfigError, loadConfig, SERVER_ENV_VARS, type ServerConfig } from "./config.js";
export { ApiError } from "./errors.js";
export { attachFeed, PlatformEvents } from "./feed.js";
export { registerBuiltinAgents } from "./league/builtins.js";
export { Ladder } from "./league/ladder.js";
export { MATCH_QUEUE, MatchQueue, queueConnection } from "./league/match-queue.js";
export { attachRooms, startLiveDuplicateMatch, startLiveMatch } from "./rooms/index.js";
export { seedLeagues } from "./seed.js";
