export { type AppOptions, buildApp } from "./app.js";
export { ConfigError, loadConfig, type ServerConfig } from "./config.js";
export { ApiError } from "./errors.js";
export { seedLeagues } from "./seed.js";
