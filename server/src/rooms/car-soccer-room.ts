// One live car-soccer match at real time: the room seats its players, paces the match core
// (match/car-soccer-match.ts) at 120 Hz, and lets spectators watch through a small schema
// (match-view.ts); remote seats follow the rules of remote-seats.ts. At the end the result,
// ranks, ratings and replay are written through storage/car-soccer.ts.

import { type Client, Room } from "@colyseus/core";
import { type CarPolicy, REMOTE_MESSAGES } from "@league/agents";
import { carSoccerConstants, type EnvSpec } from "@league/envs";
import { authenticate } from "../auth.js";
import { CarSoccerMatch } from "../match/car-soccer-match.js";
import { RealTimeTicker, TickPacer } from "../match/tick-pacer.js";
import { storeCarSoccerMatch } from "../storage/car-soccer.js";
import { abortMatch } from "../storage/matches.js";
import {
  abortOnShutdown,
  announceAndClose,
  LaunchRegistry,
  type RoomDeps,
  refuseSpectatorMessages,
  roomDepsOf,
  SPECTATOR_ERROR,
} from "./live-room.js";
import { createMatchView, type MatchViewState, syncMatchView } from "./match-view.js";
import { RemoteCarController } from "./remote-controller.js";
import { type Forfeit, RemoteSeats } from "./remote-seats.js";
import { registerRoomClock, unregisterRoomClock } from "./room-clocks.js";

export type { MatchStatus } from "../match/car-soccer-match.js";
export { SPECTATOR_ERROR } from "./live-room.js";
export { BallView, CarView, MatchView, type MatchViewState } from "./match-view.js";

const { TICK_RATE } = carSoccerConstants;

export const CAR_SOCCER_ROOM = "car-soccer";

/** What a room is created with (server side only: see `startLiveMatch`). */
export interface LiveMatchLaunch {
  matchId: string;
  leagueId: string;
  spec: EnvSpec;
  seed: number;
  /** One per car, blue first. */
  seats: { versionId: string; controller: CarPolicy }[];
  durationSeconds: number;
  goalPauseSeconds: number;
  kickoffPauseSeconds: number;
  /**
   * Seconds a remote player may be away — before first joining, or after dropping — before its
   * team forfeits.
   */
  remoteGraceSeconds: number;
  /** Called once the match is stored (or aborted) and the room is closing. */
  onEnd?: (outcome: LiveMatchOutcome) => void;
}

export interface LiveMatchOutcome {
  matchId: string;
  status: "finished" | "aborted";
  score: { blue: number; orange: number };
  /** The team that forfeited (0 blue, 1 orange) and why. */
  forfeit?: Forfeit;
  error?: string;
}

/** Launches of car-soccer rooms, registered by startLiveMatch. */
export const carSoccerLaunches = new LaunchRegistry<LiveMatchLaunch>();

/** What a remote player's seat is, once onAuth has checked its key. */
interface SeatAuth {
  seat: number;
}

export class CarSoccerRoom extends Room<MatchViewState> {
  // The room lives for the match, spectators or not; it closes itself at the final whistle.
  override autoDispose = false;
  override maxClients = 200;

  private deps!: RoomDeps;
  private launch!: LiveMatchLaunch;
  private match!: CarSoccerMatch;
  private remotes!: RemoteSeats;
  /** Paces the match at 120 Hz and counts late ticks (see liveRoomClocks). */
  private ticker: RealTimeTicker | null = null;
  private storing: Promise<unknown> | null = null;
  private done = false;
  /** Every remote player has come: the match clock runs. */
  private kickedOff = false;
  private forfeit: Forfeit | null = null;

  override onCreate(options: { launchKey?: unknown; deps?: unknown }): void {
    const launch = carSoccerLaunches.take(options);
    this.launch = launch;
    this.deps = roomDepsOf(options);
    this.match = new CarSoccerMatch({
      spec: launch.spec,
      seed: launch.seed,
      controllers: launch.seats.map((s) => s.controller),
      durationSeconds: launch.durationSeconds,
      goalPauseSeconds: launch.goalPauseSeconds,
      kickoffPauseSeconds: launch.kickoffPauseSeconds,
    });
    this.remotes = new RemoteSeats(
      launch.seats.map((s) => s.controller),
      launch.remoteGraceSeconds,
      (car) => this.match.teamOf(car),
    );
    const view = createMatchView(
      launch.matchId,
      this.match,
      launch.seats.map((s) => s.controller.name),
    );
    if (this.remotes.size) view.status = "waiting";
    this.setState(view);
    // Flush the state's creation now (with no client it is discarded): a spectator joining before
    // the first patch would otherwise get the cars in its full state and again in that patch.
    this.broadcastPatch();
    this.setMetadata({
      matchId: launch.matchId,
      leagueId: launch.leagueId,
      remoteSeats: [...this.remotes.byCar.keys()],
    });
    // 30 patches a second: enough for smooth interpolated playback, a quarter of the 120 Hz ticks' bandwidth.
    this.setPatchRate(1000 / 30);
    // A timer aimed at each tick's due time (not setSimulationInterval's fixed 9 ms interval);
    // Colyseus's clock still ticks with every patch.
    const pacer = new TickPacer(1000 / TICK_RATE);
    this.ticker = new RealTimeTicker(
      pacer,
      (ticks) => this.update(ticks),
      (error) => this.onUncaughtException(error, "setSimulationInterval"),
    );
    this.ticker.start();
    registerRoomClock(this.roomId, {
      matchId: launch.matchId,
      leagueId: launch.leagueId,
      stats: () => pacer.stats(),
    });
    // A remote player's answer; anyone else sending one is refused like any spectator message.
    this.onMessage(REMOTE_MESSAGES.action, (client, message) => {
      const seat = (client.auth as SeatAuth | undefined)?.seat;
      const remote = seat === undefined ? undefined : this.remotes.byCar.get(seat);
      if (!remote) {
        client.error(SPECTATOR_ERROR, "only the remote player of a seat may send actions");
        return;
      }
      const refused = remote.receive(message);
      if (refused)
        client.send(REMOTE_MESSAGES.actionRefused, {
          step: (message as { step?: unknown } | null)?.step ?? null,
          reason: refused,
        });
    });
    // Spectators watch; nothing they send may change the game.
    refuseSpectatorMessages(this);
  }

  /**
   * Spectators join with no options. A remote player joins with `{ apiKey, versionId }`: the key
   * must belong to the owner of the remote version playing a seat of this match.
   */
  override async onAuth(
    _client: Client,
    options: { apiKey?: unknown; versionId?: unknown } | undefined,
  ): Promise<SeatAuth | true> {
    if (options?.apiKey === undefined) return true;
    if (typeof options.apiKey !== "string" || typeof options.versionId !== "string")
      throw new Error("a remote player joins with { apiKey: string, versionId: string }");
    const { owner } = await authenticate(this.deps.prisma, `Bearer ${options.apiKey}`).catch(
      (error: Error) => {
        throw new Error(`remote player refused: ${error.message}`);
      },
    );
    return { seat: this.remotes.seatFor(options.versionId, owner.id) };
  }

  override onJoin(client: Client, _options: unknown, auth?: SeatAuth | true): void {
    if (auth === true || auth === undefined) return;
    this.attachRemote(client, auth.seat);
  }

  private attachRemote(client: Client, seat: number): void {
    this.remotes.byCar.get(seat)!.attach((message) => client.send(REMOTE_MESSAGES.observation, message));
    client.send(REMOTE_MESSAGES.seat, this.remotes.seatMessage(seat, this.launch.matchId));
  }

  /** A remote player who leaves has the grace period to come back; after it, its team forfeits. */
  override async onLeave(client: Client, consented: boolean): Promise<void> {
    const seat = (client.auth as SeatAuth | undefined)?.seat;
    const remote = seat === undefined ? undefined : this.remotes.byCar.get(seat);
    if (!remote || seat === undefined || this.done) return;
    remote.detach();
    if (consented) {
      this.endByForfeit(this.remotes.left(seat));
      return;
    }
    try {
      const back = await this.allowReconnection(client, this.remotes.graceSeconds);
      if (!this.done && !remote.connected) this.attachRemote(back, seat);
    } catch {
      // A restarted player may have come back with a fresh join instead of reconnecting.
      if (remote.connected) return;
      this.endByForfeit(this.remotes.gone(seat));
    }
  }

  private endByForfeit(forfeit: Forfeit): void {
    if (this.done) return;
    this.forfeit = forfeit;
    this.end();
  }

  /** Runs the ticks that real time owes (the pacer caps a catch-up at a quarter second's worth). */
  private update(ticks: number): void {
    if (this.done) return;
    // Kickoff waits for every remote player; one that never comes forfeits after the grace period.
    const players = this.remotes.awaitPlayers((ticks * 1000) / TICK_RATE);
    if (players === "waiting") return;
    if (players !== "ready") {
      this.endByForfeit(players);
      return;
    }
    this.kickedOff = true;
    for (let i = 0; i < ticks && !this.done; i++) {
      this.match.tick();
      if (this.match.done) this.end();
    }
  }

  /** The view is copied from the match only when a patch goes out (30 Hz), not on every tick. */
  override onBeforePatch(): void {
    // Until every remote player is in, the view keeps saying "waiting".
    if (this.kickedOff && !this.done) syncMatchView(this.state, this.match);
  }

  /** The final whistle: stores everything, tells spectators, closes the room. */
  private end(): void {
    if (this.done) return;
    this.done = true;
    this.ticker?.stop();
    syncMatchView(this.state, this.match);
    const stored = this.store();
    this.storing = stored;
    void stored.then((outcome) => announceAndClose(this, this.launch, outcome));
  }

  private async store(): Promise<LiveMatchOutcome> {
    const { prisma, events } = this.deps;
    const { matchId, leagueId, seats, seed } = this.launch;
    const score = this.match.score;
    try {
      await storeCarSoccerMatch(prisma, events, {
        matchId,
        leagueId,
        format: "car-soccer-live",
        seed,
        match: this.match,
        seats: seats.map((s) => ({
          versionId: s.versionId,
          controller: s.controller.name,
          ...(s.controller instanceof RemoteCarController ? { remote: { ...s.controller.stats } } : {}),
        })),
        ...(this.forfeit ? { forfeit: this.forfeit } : {}),
      });
      return { matchId, status: "finished", score, ...(this.forfeit ? { forfeit: this.forfeit } : {}) };
    } catch (error) {
      const message = `storing the live match failed: ${(error as Error).message}`;
      await abortMatch(prisma, matchId, message).catch(() => {});
      return { matchId, status: "aborted", score, error: message };
    }
  }

  /** A bug in the room aborts the match instead of taking the process down. */
  override onUncaughtException(error: Error, method: string): void {
    // A refused onCreate (no launch) reaches the client as its error; there is no match to abort.
    // A refused join (a bad key in onAuth) reaches that client as its error; the match goes on.
    if (this.done || method === "onCreate" || method === "onAuth" || !this.launch) return;
    this.done = true;
    if (this.match) this.match.status = "ended";
    this.ticker?.stop();
    const message = `live match room failed in ${method}: ${error.message}`;
    const outcome: LiveMatchOutcome = {
      matchId: this.launch.matchId,
      status: "aborted",
      score: this.match ? this.match.score : { blue: 0, orange: 0 },
      error: message,
    };
    void abortMatch(this.deps.prisma, this.launch.matchId, message)
      .catch(() => {})
      .then(async () => {
        this.launch.onEnd?.(outcome);
        await this.disconnect();
      });
  }

  override async onDispose(): Promise<void> {
    this.ticker?.stop();
    unregisterRoomClock(this.roomId);
    if (!this.launch) return;
    if (!this.done) {
      // Disposed mid-match (server shutting down): nothing is rated.
      this.done = true;
      const message = await abortOnShutdown(this.deps.prisma, this.launch.matchId);
      this.launch.onEnd?.({
        matchId: this.launch.matchId,
        status: "aborted",
        score: this.match.score,
        error: message,
      });
    } else await this.storing?.catch(() => {});
  }
}
