// One live car-soccer match at real time: a 1-arena CarSoccerEngine ticking at 120 Hz, its cars
// driven by server-side controllers, a small schema state for spectators, and at the end the
// result, ranks, ratings and replay written through finishMatch.

import { type Client, Room } from "@colyseus/core";
import { type SchemaType, schema } from "@colyseus/schema";
import type { PrismaClient } from "@league/db";
import {
  A_TICK,
  B_VX,
  B_X,
  C_BOOST,
  C_FX,
  C_IS_DEMOED,
  C_IS_SUPERSONIC,
  C_UX,
  C_VX,
  C_X,
  carSoccerConstants,
  type EnvSpec,
} from "@league/envs";
import { authenticate } from "../auth.js";
import type { PlatformEvents } from "../feed.js";
import { CarSoccerMatch, type LiveController } from "../match/car-soccer-match.js";
import { storeCarSoccerMatch } from "../storage/car-soccer.js";
import { abortMatch } from "../storage/matches.js";
import {
  abortOnShutdown,
  announceAndClose,
  LaunchRegistry,
  refuseSpectatorMessages,
  SPECTATOR_ERROR,
} from "./live-room.js";
import { RemoteCarController, type SeatMessage } from "./remote-controller.js";

export type { LiveController, MatchStatus } from "../match/car-soccer-match.js";
export { SPECTATOR_ERROR } from "./live-room.js";

const { TICK_RATE } = carSoccerConstants;

export const CAR_SOCCER_ROOM = "car-soccer";

export const BallView = schema(
  { x: "float32", y: "float32", z: "float32", vx: "float32", vy: "float32", vz: "float32" },
  "BallView",
);
export const CarView = schema(
  {
    name: "string",
    team: "uint8",
    x: "float32",
    y: "float32",
    z: "float32",
    vx: "float32",
    vy: "float32",
    vz: "float32",
    /** Forward and up unit vectors: with them a client rebuilds the car's rotation. */
    fx: "float32",
    fy: "float32",
    fz: "float32",
    ux: "float32",
    uy: "float32",
    uz: "float32",
    boost: "float32",
    demoed: "boolean",
    supersonic: "boolean",
  },
  "CarView",
);
export const MatchView = schema(
  {
    matchId: "string",
    status: "string",
    blue: "uint16",
    orange: "uint16",
    /** Seconds of play left. */
    clock: "float32",
    tick: "uint32",
    ball: BallView,
    cars: [CarView],
  },
  "MatchView",
);
export type MatchViewState = SchemaType<typeof MatchView>;

/** What a room is created with (server side only: see `startLiveMatch`). */
export interface LiveMatchLaunch {
  prisma: PrismaClient;
  events: PlatformEvents | null;
  matchId: string;
  leagueId: string;
  spec: EnvSpec;
  seed: number;
  /** One per car, blue first. */
  seats: { versionId: string; controller: LiveController }[];
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
  forfeit?: { team: 0 | 1; reason: string };
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

  private launch!: LiveMatchLaunch;
  private match!: CarSoccerMatch;
  /** Physics ticks still owed to real time, in milliseconds. */
  private lag = 0;
  private storing: Promise<unknown> | null = null;
  private done = false;
  private forfeit: { team: 0 | 1; reason: string } | null = null;
  /** Remote seats by car index. */
  private remotes = new Map<number, RemoteCarController>();
  /** Every remote seat has had its player join at least once. */
  private everyoneCame = false;
  /** Real milliseconds spent waiting for remote players to first join. */
  private waitedMs = 0;

  override onCreate(options: { launchKey?: unknown }): void {
    const launch = carSoccerLaunches.take(options);
    this.launch = launch;
    this.match = new CarSoccerMatch({
      spec: launch.spec,
      seed: launch.seed,
      controllers: launch.seats.map((s) => s.controller),
      durationSeconds: launch.durationSeconds,
      goalPauseSeconds: launch.goalPauseSeconds,
      kickoffPauseSeconds: launch.kickoffPauseSeconds,
    });
    const view = new MatchView();
    view.matchId = launch.matchId;
    view.ball = new BallView();
    launch.seats.forEach((seat, car) => {
      const c = new CarView();
      c.name = seat.controller.name;
      c.team = this.match.teamOf(car);
      view.cars.push(c);
    });
    launch.seats.forEach((seat, car) => {
      if (seat.controller instanceof RemoteCarController) this.remotes.set(car, seat.controller);
    });
    view.status = this.remotes.size ? "waiting" : this.match.status;
    this.setState(view);
    this.setMetadata({
      matchId: launch.matchId,
      leagueId: launch.leagueId,
      remoteSeats: [...this.remotes.keys()],
    });
    // 30 patches a second: enough for smooth interpolated playback, a quarter of the 120 Hz ticks' bandwidth.
    this.setPatchRate(1000 / 30);
    this.setSimulationInterval((dt) => this.update(dt), 1000 / TICK_RATE);
    // A remote player's answer; anyone else sending one is refused like any spectator message.
    this.onMessage("action", (client, message) => {
      const seat = (client.auth as SeatAuth | undefined)?.seat;
      const remote = seat === undefined ? undefined : this.remotes.get(seat);
      if (!remote) {
        client.error(SPECTATOR_ERROR, "only the remote player of a seat may send actions");
        return;
      }
      const refused = remote.receive(message);
      if (refused)
        client.send("action.refused", {
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
    const { owner } = await authenticate(this.launch.prisma, `Bearer ${options.apiKey}`).catch(
      (error: Error) => {
        throw new Error(`remote player refused: ${error.message}`);
      },
    );
    const entry = [...this.remotes].find(([, r]) => r.versionId === options.versionId);
    if (!entry) throw new Error(`version ${options.versionId} does not play a remote seat in this match`);
    const [seat, remote] = entry;
    if (remote.ownerId !== owner.id) throw new Error(`version ${options.versionId} is not yours`);
    if (remote.connected) throw new Error(`seat ${seat} already has its player connected`);
    return { seat };
  }

  override onJoin(client: Client, _options: unknown, auth?: SeatAuth | true): void {
    if (auth === true || auth === undefined) return;
    this.attachRemote(client, auth.seat);
  }

  private attachRemote(client: Client, seat: number): void {
    const remote = this.remotes.get(seat)!;
    remote.attach((message) => client.send("observation", message));
    const message: SeatMessage = {
      seat,
      team: this.match.teamOf(seat),
      matchId: this.launch.matchId,
      deadlineMs: remote.decisionMs,
      graceSeconds: this.launch.remoteGraceSeconds,
      ...remote.describe(),
    };
    client.send("seat", message);
  }

  /** A remote player who leaves has the grace period to come back; after it, its team forfeits. */
  override async onLeave(client: Client, consented: boolean): Promise<void> {
    const seat = (client.auth as SeatAuth | undefined)?.seat;
    const remote = seat === undefined ? undefined : this.remotes.get(seat);
    if (!remote || seat === undefined || this.done) return;
    remote.detach();
    const team = this.match.teamOf(seat);
    if (consented) {
      this.endByForfeit(team, `${remote.name} left the match`);
      return;
    }
    try {
      const back = await this.allowReconnection(client, this.launch.remoteGraceSeconds);
      if (!this.done && !remote.connected) this.attachRemote(back, seat);
    } catch {
      // A restarted player may have come back with a fresh join instead of reconnecting.
      if (remote.connected) return;
      this.endByForfeit(
        team,
        `${remote.name} disconnected for more than ${this.launch.remoteGraceSeconds} s`,
      );
    }
  }

  private endByForfeit(team: 0 | 1, reason: string): void {
    if (this.done) return;
    this.forfeit = { team, reason };
    this.end();
  }

  /** Runs the ticks that real time owes, at most a quarter second's worth per call. */
  private update(dt: number): void {
    if (this.done) return;
    // Kickoff waits for every remote player; one that never comes forfeits after the grace period.
    // Once all have come (everConnected never goes back), the 120 Hz loop skips this search.
    if (!this.everyoneCame) {
      const absent = [...this.remotes].find(([, r]) => !r.everConnected);
      if (absent) {
        this.waitedMs += dt;
        if (this.waitedMs > this.launch.remoteGraceSeconds * 1000)
          this.endByForfeit(
            this.match.teamOf(absent[0]),
            `${absent[1].name} did not join within ${this.launch.remoteGraceSeconds} s`,
          );
        return;
      }
      this.everyoneCame = true;
    }
    this.lag = Math.min(this.lag + dt, 250);
    const tickMs = 1000 / TICK_RATE;
    while (this.lag >= tickMs && !this.done) {
      this.lag -= tickMs;
      this.match.tick();
      if (this.match.done) this.end();
    }
    this.sync();
  }

  private sync(): void {
    const view = this.state;
    const st = this.match.engine.state;
    const score = this.match.score;
    view.status = this.match.status;
    view.tick = st.arena[A_TICK]!;
    view.blue = score.blue;
    view.orange = score.orange;
    view.clock = this.match.secondsLeft;
    const b = st.ball;
    view.ball.x = b[B_X]!;
    view.ball.y = b[B_X + 1]!;
    view.ball.z = b[B_X + 2]!;
    view.ball.vx = b[B_VX]!;
    view.ball.vy = b[B_VX + 1]!;
    view.ball.vz = b[B_VX + 2]!;
    view.cars.forEach((c, car) => {
      const o = st.carOffset(0, car);
      const k = st.cars;
      c.x = k[o + C_X]!;
      c.y = k[o + C_X + 1]!;
      c.z = k[o + C_X + 2]!;
      c.vx = k[o + C_VX]!;
      c.vy = k[o + C_VX + 1]!;
      c.vz = k[o + C_VX + 2]!;
      c.fx = k[o + C_FX]!;
      c.fy = k[o + C_FX + 1]!;
      c.fz = k[o + C_FX + 2]!;
      c.ux = k[o + C_UX]!;
      c.uy = k[o + C_UX + 1]!;
      c.uz = k[o + C_UX + 2]!;
      c.boost = k[o + C_BOOST]!;
      c.demoed = k[o + C_IS_DEMOED] === 1;
      c.supersonic = k[o + C_IS_SUPERSONIC] === 1;
    });
  }

  /** The final whistle: stores everything, tells spectators, closes the room. */
  private end(): void {
    if (this.done) return;
    this.done = true;
    this.setSimulationInterval();
    this.sync();
    const stored = this.store();
    this.storing = stored;
    void stored.then((outcome) => announceAndClose(this, this.launch, outcome));
  }

  private async store(): Promise<LiveMatchOutcome> {
    const { prisma, events, matchId, leagueId, seats, seed } = this.launch;
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
    this.setSimulationInterval();
    const message = `live match room failed in ${method}: ${error.message}`;
    const outcome: LiveMatchOutcome = {
      matchId: this.launch?.matchId ?? "",
      status: "aborted",
      score: { blue: this.state?.blue ?? 0, orange: this.state?.orange ?? 0 },
      error: message,
    };
    void (this.launch ? abortMatch(this.launch.prisma, this.launch.matchId, message) : Promise.resolve())
      .catch(() => {})
      .then(async () => {
        this.launch?.onEnd?.(outcome);
        await this.disconnect();
      });
  }

  override async onDispose(): Promise<void> {
    if (!this.launch) return;
    if (!this.done) {
      // Disposed mid-match (server shutting down): nothing is rated.
      this.done = true;
      this.setSimulationInterval();
      const message = await abortOnShutdown(this.launch.prisma, this.launch.matchId);
      this.launch.onEnd?.({
        matchId: this.launch.matchId,
        status: "aborted",
        score: { blue: this.state.blue, orange: this.state.orange },
        error: message,
      });
    } else await this.storing?.catch(() => {});
  }
}
