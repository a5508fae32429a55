export type * from "./policy.js";
