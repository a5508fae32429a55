// The rules of a live match's remote seats, apart from the room that applies them: kickoff waits
// for every remote player; a team forfeits when its player does not join within the grace period,
// leaves on purpose, or stays disconnected longer than the grace period.
import type { SeatMessage } from "@league/agents";
import { RemoteCarController } from "./remote-controller.js";

/** The team that forfeits (0 blue, 1 orange) and why. */
export interface Forfeit {
  team: 0 | 1;
  reason: string;
}

export class RemoteSeats {
  /** Remote seats by car index. */
  readonly byCar: ReadonlyMap<number, RemoteCarController>;
  /** Every remote seat has had its player join at least once (everConnected never goes back). */
  private everyoneCame = false;
  /** Real milliseconds spent waiting for remote players to first join. */
  private waitedMs = 0;

  constructor(
    controllers: readonly unknown[],
    /** Seconds a remote player may be away, before first joining or after dropping. */
    readonly graceSeconds: number,
    private readonly teamOf: (car: number) => 0 | 1,
  ) {
    const byCar = new Map<number, RemoteCarController>();
    controllers.forEach((c, car) => {
      if (c instanceof RemoteCarController) byCar.set(car, c);
    });
    this.byCar = byCar;
  }

  get size(): number {
    return this.byCar.size;
  }

  /**
   * The seat a remote player joining with a key of `ownerId` for `versionId` takes; throws the
   * reason it may not (no such remote seat, not the owner's, already connected).
   */
  seatFor(versionId: string, ownerId: string): number {
    const entry = [...this.byCar].find(([, r]) => r.versionId === versionId);
    if (!entry) throw new Error(`version ${versionId} does not play a remote seat in this match`);
    const [seat, remote] = entry;
    if (remote.ownerId !== ownerId) throw new Error(`version ${versionId} is not yours`);
    if (remote.connected) throw new Error(`seat ${seat} already has its player connected`);
    return seat;
  }

  /**
   * Called each room update before play starts: "ready" once every remote player has joined,
   * "waiting" while one has not yet and the grace period runs, or the forfeit of the first
   * absent player's team when it has run out.
   */
  awaitPlayers(dtMs: number): "ready" | "waiting" | Forfeit {
    if (this.everyoneCame) return "ready";
    const absent = [...this.byCar].find(([, r]) => !r.everConnected);
    if (!absent) {
      this.everyoneCame = true;
      return "ready";
    }
    this.waitedMs += dtMs;
    if (this.waitedMs <= this.graceSeconds * 1000) return "waiting";
    return {
      team: this.teamOf(absent[0]),
      reason: `${absent[1].name} did not join within ${this.graceSeconds} s`,
    };
  }

  /** A player who left on purpose: its team forfeits at once. */
  left(car: number): Forfeit {
    return { team: this.teamOf(car), reason: `${this.byCar.get(car)!.name} left the match` };
  }

  /** A player who dropped and did not come back within the grace period. */
  gone(car: number): Forfeit {
    return {
      team: this.teamOf(car),
      reason: `${this.byCar.get(car)!.name} disconnected for more than ${this.graceSeconds} s`,
    };
  }

  /** What a player is told on taking seat `car`. */
  seatMessage(car: number, matchId: string): SeatMessage {
    const remote = this.byCar.get(car)!;
    return {
      seat: car,
      team: this.teamOf(car),
      matchId,
      deadlineMs: remote.decisionMs,
      graceSeconds: this.graceSeconds,
      ...remote.describe(),
    };
  }
}
