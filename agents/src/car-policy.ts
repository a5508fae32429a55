// Model agents as car-soccer players: a checkpoint folder (agent.json and its model files) becomes
// one CarPolicy, whatever format its network is in (agent.json's `format`: the tfjs checkpoint
// version, or "onnx"). The CLI, `league connect` and the server's matches all load them here.
import { readFile } from "node:fs/promises";
import path from "node:path";
import {
  type ActionParser,
  actionFromOutputs,
  type CarSoccerState,
  CONTROL_SIZE,
  carSoccerParts,
  getEnvSpec,
  type ObsBuilder,
} from "@league/envs";
import { manifestFormat, OnnxPolicy } from "./onnx/checkpoint.js";
import type { AgentManifest, CarPolicy, PolicyNetwork } from "./policy.js";
import { loadTf } from "./ppo/backend.js";
import { CheckpointError, loadPolicy } from "./ppo/checkpoint.js";
import { ModelPolicy } from "./ppo/model-policy.js";

/**
 * A model agent driving one car: the manifest's observation builder reads the true state from the
 * car's side, the network scores it, the scores become a raw action (argmax for a lookup parser)
 * and the manifest's parser turns that into the eight controls.
 */
export class ModelCarPolicy implements CarPolicy {
  /** Numbers in one observation (the builder's size for this team size). */
  readonly observationSize: number;
  /** Decisions the network gave no answer for (the car idled). */
  unanswered = 0;
  private readonly observation: Float32Array;
  private readonly action: Float32Array;

  constructor(
    readonly name: string,
    readonly network: PolicyNetwork,
    readonly obsBuilder: ObsBuilder,
    readonly actionParser: ActionParser,
    teamSize: number,
  ) {
    this.observationSize = obsBuilder.size(teamSize);
    this.observation = new Float32Array(this.observationSize);
    this.action = new Float32Array(actionParser.actionSize);
  }

  /**
   * A model agent of `manifest` (its env, observation builder and action parser) over `network`;
   * throws a CheckpointError naming what does not fit (not car soccer, an unknown builder or parser).
   */
  static fromManifest(
    manifest: Pick<AgentManifest, "name" | "env" | "observationBuilder" | "actionParser">,
    network: PolicyNetwork,
  ): ModelCarPolicy {
    let spec: ReturnType<typeof getEnvSpec>;
    let parts: ReturnType<typeof carSoccerParts>;
    try {
      spec = getEnvSpec(manifest.env);
      if (spec.family !== "car-soccer") throw new Error(`it plays ${manifest.env}, not car soccer`);
      parts = carSoccerParts(String(manifest.observationBuilder), String(manifest.actionParser));
    } catch (error) {
      throw new CheckpointError(`${manifest.name}: ${(error as Error).message}`);
    }
    return new ModelCarPolicy(
      manifest.name,
      network,
      parts.obsBuilder,
      parts.actionParser,
      spec.numAgents / spec.numTeams,
    );
  }

  /**
   * The raw action for the parser (lookup: one index) for an observation already built, or null
   * when the network gave no answer.
   */
  decide(observation: Float32Array): Float32Array | null {
    const outputs = this.network.logits(observation);
    return outputs && actionFromOutputs(this.actionParser.actionSpace, outputs, this.action);
  }

  /** Without an answer from the network the car idles: all eight controls released. */
  act(state: CarSoccerState, arena: number, car: number, controls: Float32Array): void {
    this.obsBuilder.build(state, arena, car, this.observation, 0);
    const action = this.decide(this.observation);
    if (action) this.actionParser.parse(action, 0, controls, 0);
    else {
      controls.fill(0, 0, CONTROL_SIZE);
      this.unanswered++;
    }
  }

  dispose(): void {
    this.network.dispose?.();
  }
}

/**
 * The network of a tfjs checkpoint folder, with its manifest: ModelPolicy's logits (the
 * manifest's standardisation applied), never timed out — time budgets are the caller's.
 */
async function tfjsNetwork(dir: string): Promise<{ manifest: AgentManifest; network: PolicyNetwork }> {
  const runtime = await loadTf();
  const { manifest, actor } = await loadPolicy(runtime, dir);
  const network = new ModelPolicy(runtime, actor, {
    name: manifest.name,
    output: { kind: "argmax" },
    observationNormalization: manifest.observationNormalization,
    timeBudgetMs: Number.POSITIVE_INFINITY,
  });
  return { manifest, network };
}

/**
 * Loads a car-soccer checkpoint folder as a CarPolicy: `agent.json` says the format — a tfjs
 * LayersModel (`model.json` + `weights.bin`) or an ONNX graph (`model.onnx`) — and the
 * environment, observation builder and action parser. With `envId`, a checkpoint trained for
 * another environment is refused.
 */
export async function loadCarPolicy(dir: string, options: { envId?: string } = {}): Promise<ModelCarPolicy> {
  const manifestPath = path.join(dir, "agent.json");
  let manifest: AgentManifest;
  try {
    manifest = JSON.parse(await readFile(manifestPath, "utf8")) as AgentManifest;
  } catch (cause) {
    throw new CheckpointError(`cannot read ${manifestPath}: ${(cause as Error).message}`, { cause });
  }
  if (options.envId !== undefined && manifest.env !== options.envId)
    throw new CheckpointError(`${dir} was trained for ${manifest.env}, not ${options.envId}`);
  if (manifestFormat(manifest) === "onnx") {
    const onnx = await OnnxPolicy.load(dir);
    try {
      return ModelCarPolicy.fromManifest(onnx.manifest, onnx);
    } catch (error) {
      onnx.dispose();
      throw error;
    }
  }
  const tfjs = await tfjsNetwork(dir);
  return ModelCarPolicy.fromManifest(tfjs.manifest, tfjs.network);
}
