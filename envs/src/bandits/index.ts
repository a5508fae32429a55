export * from "./config.js";
export * from "./env.js";
export * from "./errors.js";
export * from "./lsd.js";
export * from "./make.js";
export * from "./random.js";
export * from "./single.js";
export * from "./vector.js";
