export * from "./checkpoint.js";
export * from "./inference-host.js";
export type { ModelSource } from "./inference-protocol.js";
export * from "./proto.js";
export * from "./runtime.js";
