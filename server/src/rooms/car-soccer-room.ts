// One live car-soccer match at real time: a 1-arena CarSoccerEngine ticking at 120 Hz, its cars
// driven by server-side controllers, a small schema state for spectators, and at the end the
// result, ranks, ratings and replay written through finishMatch.

import { type Client, Room } from "@colyseus/core";
import { type SchemaType, schema } from "@colyseus/schema";
import type { CarSoccerBot } from "@league/agents";
import type { PrismaClient } from "@league/db";
import {
  A_BLUE_SCORE,
  A_GOAL,
  A_ORANGE_SCORE,
  A_STEPS,
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
  CarSoccerEngine,
  CONTROL_SIZE,
  carSoccerConstants,
  type EnvSpec,
  encodeMatchReplay,
  REPLAY_FORMAT_VERSION,
  type Replay,
  tickArena,
} from "@league/envs";
import type { PlatformEvents } from "../feed.js";
import { abortMatch, finishMatch } from "../league/matches.js";

const { HASH_INTERVAL_TICKS, TICK_RATE } = carSoccerConstants;

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

export type MatchStatus = "kickoff" | "playing" | "goal" | "ended";

/** Anything that fills a car's controls from the true state; a scripted bot is one. */
export type LiveController = Pick<CarSoccerBot, "name" | "act">;

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
  /** Called once the match is stored (or aborted) and the room is closing. */
  onEnd?: (outcome: LiveMatchOutcome) => void;
}

export interface LiveMatchOutcome {
  matchId: string;
  status: "finished" | "aborted";
  score: { blue: number; orange: number };
  error?: string;
}

// Pending launches by one-time key: a room is only ever created by startLiveMatch, never by a client.
const launches = new Map<string, LiveMatchLaunch>();

export function registerLaunch(key: string, launch: LiveMatchLaunch): void {
  launches.set(key, launch);
}

export function dropLaunch(key: string): void {
  launches.delete(key);
}

export const SPECTATOR_ERROR = 4403;

export class CarSoccerRoom extends Room<MatchViewState> {
  // The room lives for the match, spectators or not; it closes itself at the final whistle.
  override autoDispose = false;
  override maxClients = 200;

  private launch!: LiveMatchLaunch;
  private engine!: CarSoccerEngine;
  private status: MatchStatus = "kickoff";
  /** Physics ticks still owed to real time, in milliseconds. */
  private lag = 0;
  private pauseLeft = 0;
  /** Decision steps of play left: an integer, so the final whistle never drifts by a step. */
  private stepsLeft = 0;
  private tickInStep = 0;
  private episode = 0;
  private readonly raw = new Float32Array(CONTROL_SIZE);
  private controllerErrors: number[] = [];
  private goals: { team: "blue" | "orange"; second: number }[] = [];
  private replays: Replay[] = [];
  private recorder: { initial: Uint8Array; controls: Float32Array[]; hashes: number[] } | null = null;
  private storing: Promise<unknown> | null = null;
  private done = false;

  override onCreate(options: { launchKey?: unknown }): void {
    const launch = typeof options?.launchKey === "string" ? launches.get(options.launchKey) : undefined;
    if (!launch) throw new Error("live matches are started by the server, not by clients");
    launches.delete(options.launchKey as string);
    this.launch = launch;
    this.engine = new CarSoccerEngine(1, { spec: launch.spec });
    this.controllerErrors = launch.seats.map(() => 0);
    this.stepsLeft = Math.max(1, Math.round((launch.durationSeconds * TICK_RATE) / this.engine.tickSkip));
    const view = new MatchView();
    view.matchId = launch.matchId;
    view.ball = new BallView();
    launch.seats.forEach((seat, car) => {
      const c = new CarView();
      c.name = seat.controller.name;
      c.team = car < this.engine.teamSize ? 0 : 1;
      view.cars.push(c);
    });
    this.setState(view);
    this.setMetadata({ matchId: launch.matchId, leagueId: launch.leagueId });
    // 30 patches a second: enough for smooth interpolated playback, a quarter of the 120 Hz ticks' bandwidth.
    this.setPatchRate(1000 / 30);
    this.startEpisode();
    this.setSimulationInterval((dt) => this.update(dt), 1000 / TICK_RATE);
    // Spectators watch; nothing they send may change the game.
    this.onMessage("*", (client, type) => {
      client.error(
        SPECTATOR_ERROR,
        `spectators cannot send messages ("${String(type)}" ignored): this match is played by the server`,
      );
    });
  }

  override onJoin(_client: Client): void {}

  /** Runs the ticks that real time owes, at most a quarter second's worth per call. */
  private update(dt: number): void {
    if (this.done) return;
    this.lag = Math.min(this.lag + dt, 250);
    const tickMs = 1000 / TICK_RATE;
    while (this.lag >= tickMs && !this.done) {
      this.lag -= tickMs;
      this.tick();
    }
    this.sync();
  }

  private tick(): void {
    if (this.status === "goal" || this.status === "kickoff") {
      this.pauseLeft -= 1 / TICK_RATE;
      if (this.pauseLeft > 0) return;
      if (this.status === "goal") {
        this.episode++;
        this.startEpisode();
        if (this.pauseLeft > 0) return;
      }
      this.status = "playing";
    }
    const eng = this.engine;
    const st = eng.state;
    if (this.tickInStep === 0) this.decide();
    tickArena(st, 0);
    this.tickInStep++;
    if (this.tickInStep < eng.tickSkip) return;
    // A decision step is complete: the same bookkeeping as CarSoccerEngine.stepArena and replays.
    this.tickInStep = 0;
    st.arena[A_STEPS]! += 1;
    const tick = st.arena[A_TICK]!;
    // Same rule as the replay recorder: a hash after each step that crossed a multiple of 120 ticks.
    if (Math.floor(tick / HASH_INTERVAL_TICKS) > Math.floor((tick - eng.tickSkip) / HASH_INTERVAL_TICKS))
      this.recorder?.hashes.push(st.hashArena(0));
    this.stepsLeft--;
    const goal = st.arena[A_GOAL]!;
    if (goal !== 0) {
      this.goals.push({
        team: goal > 0 ? "blue" : "orange",
        second: this.launch.durationSeconds - this.secondsLeft(),
      });
      this.closeEpisode();
      if (this.stepsLeft <= 0) this.end();
      else {
        this.status = "goal";
        this.pauseLeft = this.launch.goalPauseSeconds;
      }
    } else if (this.stepsLeft <= 0) {
      this.closeEpisode();
      this.end();
    }
  }

  /** Seconds of play left. */
  private secondsLeft(): number {
    return (this.stepsLeft * this.engine.tickSkip) / TICK_RATE;
  }

  /** Asks every controller for controls; one that throws is counted and its car idles. */
  private decide(): void {
    const st = this.engine.state;
    for (let car = 0; car < this.launch.seats.length; car++) {
      this.raw.fill(0);
      try {
        this.launch.seats[car]!.controller.act(st, 0, car, this.raw);
      } catch {
        this.controllerErrors[car]! += 1;
        this.raw.fill(0);
      }
      this.engine.actionParser.parse(this.raw, 0, st.controls, car * CONTROL_SIZE);
    }
    this.recorder?.controls.push(st.controls.slice(0, this.launch.seats.length * CONTROL_SIZE));
  }

  private startEpisode(): void {
    // Stream = episode index, so every kickoff of the match is reproducible from the match seed.
    this.engine.resetArena(0, this.launch.seed, this.episode);
    this.tickInStep = 0;
    this.recorder = { initial: this.engine.state.snapshotArena(0), controls: [], hashes: [] };
    this.status = "kickoff";
    this.pauseLeft = this.launch.kickoffPauseSeconds;
  }

  private closeEpisode(): void {
    const r = this.recorder;
    if (!r) return;
    const eng = this.engine;
    const n = this.launch.seats.length * CONTROL_SIZE;
    const controls = new Float32Array(r.controls.length * n);
    r.controls.forEach((row, i) => {
      controls.set(row, i * n);
    });
    this.replays.push({
      formatVersion: REPLAY_FORMAT_VERSION,
      specId: eng.spec.id,
      specVersion: eng.spec.version,
      seed: this.launch.seed,
      teamSize: eng.teamSize,
      tickSkip: eng.tickSkip,
      numSteps: r.controls.length,
      initialState: r.initial,
      controls,
      hashes: Uint32Array.from(r.hashes),
      finalHash: eng.state.hashArena(0),
    });
    this.recorder = null;
  }

  private sync(): void {
    const view = this.state;
    const st = this.engine.state;
    view.status = this.status;
    view.tick = st.arena[A_TICK]!;
    view.blue = st.arena[A_BLUE_SCORE]!;
    view.orange = st.arena[A_ORANGE_SCORE]!;
    view.clock = this.secondsLeft();
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
    this.status = "ended";
    this.setSimulationInterval();
    this.sync();
    const stored = this.store();
    this.storing = stored;
    void stored.then(async (outcome) => {
      this.broadcast("match.ended", outcome);
      this.broadcastPatch();
      this.launch.onEnd?.(outcome);
      await this.disconnect();
    });
  }

  private async store(): Promise<LiveMatchOutcome> {
    const { prisma, events, matchId, leagueId, seats } = this.launch;
    const st = this.engine.state;
    const blue = st.arena[A_BLUE_SCORE]!;
    const orange = st.arena[A_ORANGE_SCORE]!;
    const score = { blue, orange };
    try {
      const result = {
        format: "car-soccer-live",
        score,
        goals: this.goals,
        durationSeconds: this.launch.durationSeconds,
        seed: this.launch.seed,
        episodes: this.replays.length,
        seats: seats.map((s, car) => ({
          slot: car,
          team: car < this.engine.teamSize ? 0 : 1,
          versionId: s.versionId,
          controller: s.controller.name,
          controllerErrors: this.controllerErrors[car]!,
        })),
      };
      const finished = await finishMatch(prisma, {
        matchId,
        teamScores: [blue, orange],
        result,
        replay: encodeMatchReplay(this.replays),
      });
      if (events && finished.applied) {
        const ranks = blue === orange ? [1, 1] : blue > orange ? [1, 2] : [2, 1];
        events.publish("match.finished", {
          matchId,
          leagueId,
          result: { score },
          ranks: seats.map((s, car) => ({
            versionId: s.versionId,
            rank: ranks[car < this.engine.teamSize ? 0 : 1]!,
          })),
        });
        for (const change of finished.ratingChanges)
          events.publish("rating.changed", {
            versionId: change.versionId,
            leagueId: change.leagueId,
            matchId,
            mu: change.after.mu,
            sigma: change.after.sigma,
            ordinal: change.after.ordinal,
            delta: change.after.ordinal - change.before.ordinal,
          });
      }
      return { matchId, status: "finished", score };
    } catch (error) {
      const message = `storing the live match failed: ${(error as Error).message}`;
      await abortMatch(prisma, matchId, message).catch(() => {});
      return { matchId, status: "aborted", score, error: message };
    }
  }

  /** A bug in the room aborts the match instead of taking the process down. */
  override onUncaughtException(error: Error, method: string): void {
    // A refused onCreate (no launch) reaches the client as its error; there is no match to abort.
    if (this.done || method === "onCreate" || !this.launch) return;
    this.done = true;
    this.status = "ended";
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
      const message = "the server stopped during the live match";
      await abortMatch(this.launch.prisma, this.launch.matchId, message).catch(() => {});
      this.launch.onEnd?.({
        matchId: this.launch.matchId,
        status: "aborted",
        score: { blue: this.state.blue, orange: this.state.orange },
        error: message,
      });
    } else await this.storing?.catch(() => {});
  }
}
