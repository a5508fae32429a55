// A model agent driving a car of a live room at 120 Hz without blocking the room's event loop:
// its network runs in a model host (model-host.ts: its own process, a time budget per action,
// killed and replaced on an overrun), asked asynchronously. As for a remote player, the answer to
// decision k drives the car from decision k + 1 on (one decision of latency, 66.7 ms at tick skip
// 8). A decision without a usable answer — the model still computing, over its budget, crashed or
// throwing — throws, so the match idles the car and counts it (controllerErrors); past
// MODEL_MAX_OVERRUNS misses in a row the model is timed out and never asked again in that match.
// In a row, as in time-budget.ts: a loaded server delays single answers of a sound model over a
// long live match, while a model too slow for the league misses every decision.
import { type CarPolicy, ModelTimeoutError } from "@league/agents";
import {
  type ActionParser,
  actionFromOutputs,
  type CarSoccerState,
  CONTROL_SIZE,
  carSoccerParts,
  getEnvSpec,
  type ObsBuilder,
} from "@league/envs";
import { createModelHost, type HostedVersion, type ModelHost } from "./model-host.js";
import { UnplayableVersionError } from "./players.js";
import { MODEL_MAX_OVERRUNS, MODEL_TIME_BUDGET_MS } from "./time-budget.js";

/** A live seat's "bot" for a model agent: its stored model drives the car (rooms' startLiveMatch). */
export const MODEL_SEAT = "model";

/** How a live model's decisions went: answered in time, late (still computing), failed (no answer). */
export interface LiveModelStats {
  decisions: number;
  answered: number;
  late: number;
  failed: number;
}

export class LiveModelPolicy implements CarPolicy {
  readonly stats: LiveModelStats = { decisions: 0, answered: 0, late: 0, failed: 0 };
  timedOut: ModelTimeoutError | null = null;
  private readonly observation: Float32Array;
  private readonly action: Float32Array;
  private pending = false;
  /** The network's outputs for the last decision asked, once they arrive. */
  private answer: Float32Array | null = null;
  private failure: string | null = null;
  /** Decisions without a usable answer since the last one answered in time (every miss is in stats). */
  private consecutiveMisses = 0;

  constructor(
    readonly name: string,
    private readonly host: Pick<ModelHost, "act" | "dispose">,
    private readonly obsBuilder: ObsBuilder,
    private readonly actionParser: ActionParser,
    teamSize: number,
    private readonly budgetMs = MODEL_TIME_BUDGET_MS,
    private readonly maxOverruns = MODEL_MAX_OVERRUNS,
  ) {
    this.observation = new Float32Array(obsBuilder.size(teamSize));
    this.action = new Float32Array(actionParser.actionSize);
  }

  act(state: CarSoccerState, arena: number, car: number, controls: Float32Array): void {
    if (this.timedOut) throw this.timedOut;
    const first = this.stats.decisions === 0;
    this.stats.decisions++;
    const outputs = this.answer;
    const failure = this.failure;
    const late = this.pending;
    this.answer = null;
    this.failure = null;
    // Ask about this decision unless the network is still busy with an earlier one.
    if (!this.pending) this.ask(state, arena, car);
    if (first) {
      controls.fill(0, 0, CONTROL_SIZE);
      return;
    }
    if (outputs) {
      this.stats.answered++;
      this.consecutiveMisses = 0;
      actionFromOutputs(this.actionParser.actionSpace, outputs, this.action);
      this.actionParser.parse(this.action, 0, controls, 0);
      return;
    }
    if (late) this.stats.late++;
    else this.stats.failed++;
    if (++this.consecutiveMisses > this.maxOverruns) {
      this.timedOut = new ModelTimeoutError(this.name, this.consecutiveMisses, this.budgetMs);
      this.host.dispose();
      throw this.timedOut;
    }
    throw new Error(
      late ? `${this.name}: no answer by the next decision` : `${this.name}: ${failure ?? "no answer"}`,
    );
  }

  private ask(state: CarSoccerState, arena: number, car: number): void {
    this.obsBuilder.build(state, arena, car, this.observation, 0);
    this.pending = true;
    this.host.act(this.observation.slice()).then(
      (outputs) => {
        this.pending = false;
        if (outputs) this.answer = outputs;
        else this.failure = `no answer within its ${this.budgetMs} ms inference budget`;
      },
      (error: Error) => {
        this.pending = false;
        this.failure = error.message;
      },
    );
  }

  dispose(): void {
    this.host.dispose();
  }
}

/** A stored model version as a live room's player: its own model host, disposed with the policy. */
export async function liveModelPolicy(
  version: HostedVersion & { version: number; envId: string; agent: { name: string } },
): Promise<LiveModelPolicy> {
  const manifest = (version.manifest ?? {}) as {
    kind?: unknown;
    observationBuilder?: unknown;
    actionParser?: unknown;
  };
  if (manifest.kind !== "model")
    throw new UnplayableVersionError(version.id, `unknown agent kind ${JSON.stringify(manifest.kind)}`);
  const spec = getEnvSpec(version.envId);
  let parts: ReturnType<typeof carSoccerParts>;
  try {
    parts = carSoccerParts(String(manifest.observationBuilder), String(manifest.actionParser));
  } catch (error) {
    throw new UnplayableVersionError(version.id, (error as Error).message);
  }
  const host = await createModelHost(version, { budgetMs: MODEL_TIME_BUDGET_MS });
  return new LiveModelPolicy(
    `${version.agent.name} v${version.version}`,
    host,
    parts.obsBuilder,
    parts.actionParser,
    spec.numAgents / spec.numTeams,
  );
}
