// A car driven by a program elsewhere, over the room's WebSocket, speaking the remote-play
// protocol of @league/agents (agents/src/remote/protocol.ts). At every decision the room
// sends the car's observation; the answer to observation k drives the car from decision k + 1
// (one decision of latency, as in RLBot and real networked play), so the deadline for an answer
// is the next decision: tickSkip / 120 s of game time. A late, missing or malformed answer
// repeats the last action, and is counted.
import type { ActionMessage, CarPolicy, ObservationMessage, SeatMessage } from "@league/agents";
import { A_TICK, type ActionParser, ARENA_FIELDS, type CarSoccerState, type ObsBuilder } from "@league/envs";

export interface RemoteStats {
  /** Decisions after the first (the first has no earlier observation to answer). */
  decisions: number;
  /** Decisions driven by an answer that arrived in time. */
  onTime: number;
  /** Decisions whose answer had not arrived by the next decision (disconnected time included). */
  lateAnswers: number;
  /** Decisions whose answer could not be read as an action: wrong shape, not numbers, bad index. */
  malformedAnswers: number;
}

/** How the answer to the latest observation stands. */
type Pending = "none" | "malformed" | Float32Array;

export class RemoteCarController implements CarPolicy {
  readonly stats: RemoteStats = { decisions: 0, onTime: 0, lateAnswers: 0, malformedAnswers: 0 };
  /** Whether a player has ever joined this seat. */
  everConnected = false;
  private send: ((message: ObservationMessage) => void) | null = null;
  private readonly observation: Float32Array;
  private readonly last: Float32Array;
  private pending: Pending = "none";
  private step = 0;

  constructor(
    readonly name: string,
    readonly versionId: string,
    readonly ownerId: string,
    private readonly obsBuilder: ObsBuilder,
    private readonly actionParser: ActionParser,
    private readonly teamSize: number,
    /** Real milliseconds between decisions: the answer's deadline. */
    readonly decisionMs: number,
  ) {
    this.observation = new Float32Array(obsBuilder.size(teamSize));
    this.last = new Float32Array(actionParser.actionSize);
  }

  get connected(): boolean {
    return this.send !== null;
  }

  attach(send: (message: ObservationMessage) => void): void {
    this.send = send;
    this.everConnected = true;
  }

  detach(): void {
    this.send = null;
  }

  /** The seat message's description of observations and actions. */
  describe(): Pick<
    SeatMessage,
    "observationBuilder" | "observationSize" | "actionParser" | "actionSize" | "actionSpace"
  > {
    return {
      observationBuilder: this.obsBuilder.name,
      observationSize: this.obsBuilder.size(this.teamSize),
      actionParser: this.actionParser.name,
      actionSize: this.actionParser.actionSize,
      actionSpace: this.actionParser.actionSpace,
    };
  }

  /**
   * Settles the answer to the previous observation (used, or counted malformed or late, each
   * decision exactly once), drives the car with the last good action, then asks again.
   */
  act(state: CarSoccerState, arena: number, car: number, controls: Float32Array): void {
    if (this.step > 0) {
      this.stats.decisions++;
      if (this.pending === "none") this.stats.lateAnswers++;
      else if (this.pending === "malformed") this.stats.malformedAnswers++;
      else {
        this.last.set(this.pending);
        this.stats.onTime++;
      }
    }
    this.pending = "none";
    // Until its first good answer the car idles: no parser has a neutral raw action (lookup 0 drives).
    if (this.stats.onTime > 0) this.actionParser.parse(this.last, 0, controls, 0);
    else controls.fill(0);
    this.obsBuilder.build(state, arena, car, this.observation, 0);
    this.step++;
    this.send?.({
      step: this.step,
      tick: state.arena[arena * ARENA_FIELDS + A_TICK]!,
      deadlineMs: this.decisionMs,
      observation: Array.from(this.observation),
    });
  }

  /**
   * An answer from the player. An answer to an older observation arrived after its deadline (that
   * decision is already counted late), so it is dropped; a malformed one marks the current
   * decision malformed and the last action repeats. Only the first answer to a step counts.
   * Returns the reason an answer was refused, for the player's error message.
   */
  receive(message: unknown): string | null {
    const m = message as Partial<ActionMessage> | null;
    if (typeof m !== "object" || m === null || !Number.isInteger(m.step))
      return this.malformed("an action message is { step: integer, action: number[] }");
    if (m.step! < this.step) return `step ${m.step} answered after its deadline; the latest is ${this.step}`;
    if (m.step !== this.step)
      return this.malformed(`step ${m.step} has not been observed yet (the latest is ${this.step})`);
    if (this.pending !== "none") return `step ${m.step} was already answered`;
    const problem = this.check(m.action);
    if (problem) return this.malformed(problem);
    this.pending = Float32Array.from(m.action as number[]);
    return null;
  }

  private malformed(reason: string): string {
    // A malformed answer is still the decision's answer: it is not also counted late.
    if (this.pending === "none") this.pending = "malformed";
    return reason;
  }

  private check(action: unknown): string | null {
    const size = this.actionParser.actionSize;
    if (!Array.isArray(action) || action.length !== size)
      return `action must be an array of ${size} number${size === 1 ? "" : "s"} for the ${this.actionParser.name} parser`;
    if (!action.every((x) => typeof x === "number" && Number.isFinite(x)))
      return "action must hold finite numbers";
    const space = this.actionParser.actionSpace;
    if (space.kind === "discrete" && !(Number.isInteger(action[0]) && action[0] >= 0 && action[0] < space.n))
      return `action[0] must be an integer index in [0, ${space.n - 1}]`;
    if (space.kind === "multi-discrete") {
      const bad = space.nvec.findIndex(
        (n, i) => !(Number.isInteger(action[i]) && action[i] >= 0 && action[i] < n),
      );
      if (bad >= 0) return `action[${bad}] must be an integer in [0, ${space.nvec[bad]! - 1}]`;
    }
    // Box values outside [low, high] are clamped by the parser, as a model's outputs are.
    return null;
  }
}
