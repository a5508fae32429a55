import type { EnvSpec } from "@league/envs";

/** How a policy is run: TypeScript code, a tfjs model, or a program acting over the network. */
export type PolicyKind = "scripted" | "model" | "remote";

/**
 * `agent.json`: what the league needs to run a submitted version, next to its model files.
 * The trainer writes exactly this; the server validates it on upload.
 */
export interface AgentManifest {
  name: string;
  kind: PolicyKind;
  env: EnvSpec["id"];
  observationBuilder: string;
  actionParser: string;
  tickSkip: number;
}
