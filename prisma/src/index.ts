export * from "./client.js";
export * from "./generated/prisma/client.js";
export * from "./migrate.js";
