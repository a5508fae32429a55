import type { CarSoccerState, EnvSpec } from "@league/envs";

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

/**
 * One car-soccer player, whatever drives it: a scripted bot, a model agent (its observation
 * builder, network and action parser), a remote program (the server's remote seat). At each
 * decision it reads the match's true state — the observation every policy starts from, which a
 * model narrows with its builder, from its own team's side — and writes the eight controls of
 * car `car` (CONTROL_SIZE numbers) into `controls[0..8)`. Local play, training opponents,
 * headless league matches and live rooms all drive a car through this.
 */
export interface CarPolicy {
  readonly name: string;
  act(state: CarSoccerState, arena: number, car: number, controls: Float32Array): void;
  /** Forgets anything from an earlier episode and reseeds (a bot that draws numbers, a builder with history). */
  reset?(seed: number): void;
  /** Frees what it holds (a model's tensors, an inference process). */
  dispose?(): void;
}

/**
 * A model agent's network, whatever runs it (tfjs in this process, ONNX in an inference
 * worker): its raw outputs for one observation (already built; standardised by the network), or
 * null when it gave no answer in time (an inference host that stopped waiting).
 */
export interface PolicyNetwork {
  logits(observation: Float32Array): Float32Array | null;
  dispose?(): void;
}
