// One live duplicate (bandit or recommender) match at a watchable rate: a DuplicateMatch from
// @league/agents stepped a few dozen times a second, every seat on the same seeded instances, a
// small schema state for spectators (running return and regret, their sampled curves, arm pulls
// or clicks per item), and at the end the result stored exactly as the headless ladder stores it.

import { type Client, Room } from "@colyseus/core";
import { type SchemaType, schema } from "@colyseus/schema";
import type { DuplicateMatch } from "@league/agents";
import { type DuplicateCurves, storeDuplicateMatch } from "../storage/duplicate.js";
import { abortMatch } from "../storage/matches.js";
import {
  abortOnShutdown,
  announceAndClose,
  LaunchRegistry,
  type RoomDeps,
  refuseSpectatorMessages,
  roomDepsOf,
} from "./live-room.js";

export const DUPLICATE_ROOM = "duplicate";

/** Samples of the running totals kept per seat: enough for a smooth curve, small to send. */
export const CURVE_POINTS = 200;

export const DuplicateSeatView = schema(
  {
    name: "string",
    versionId: "string",
    /** Return and regret summed over every step of every episode so far. */
    totalReturn: "float64",
    totalRegret: "float64",
    /** The latest arm pulled (bandit) or item clicked (recommender); -1 for none. */
    last: "int32",
    /** Clicks so far (recommender; 0 for a bandit). */
    clicks: "uint32",
    /** Pulls per arm (bandit) or clicks per item (recommender), over the whole match. */
    counts: ["uint32"],
    /** Running totals at each of the view's `curveSteps`. */
    returnCurve: ["float32"],
    regretCurve: ["float32"],
  },
  "DuplicateSeatView",
);

export const DuplicateMatchView = schema(
  {
    matchId: "string",
    envId: "string",
    /** "bandit" or "recommender". */
    family: "string",
    /** "playing", then "ended" at the last step. */
    status: "string",
    step: "uint32",
    totalSteps: "uint32",
    /** 1-based episode (seed) being played, of `episodes`. */
    episode: "uint16",
    episodes: "uint16",
    episodeStep: "uint32",
    episodeSteps: "uint32",
    stepsPerSecond: "float32",
    /** The match steps at which the seats' curves were sampled. */
    curveSteps: ["uint32"],
    seats: [DuplicateSeatView],
  },
  "DuplicateMatchView",
);
export type DuplicateMatchViewState = SchemaType<typeof DuplicateMatchView>;

/** What a duplicate room is created with (server side only: see `startLiveDuplicateMatch`). */
export interface DuplicateLaunch {
  matchId: string;
  leagueId: string;
  versionIds: string[];
  match: DuplicateMatch;
  family: "bandit" | "recommender";
  /** Arms of the bandit, or items of the recommender's catalogue. */
  numChoices: number;
  stepsPerSecond: number;
  onEnd?: (outcome: DuplicateLiveOutcome) => void;
}

export interface DuplicateLiveOutcome {
  matchId: string;
  status: "finished" | "aborted";
  /** Mean return per seat (finished matches). */
  scores: number[];
  error?: string;
}

/** Launches of duplicate rooms, registered by startLiveDuplicateMatch. */
export const duplicateLaunches = new LaunchRegistry<DuplicateLaunch>();

export class DuplicateRoom extends Room<DuplicateMatchViewState> {
  override autoDispose = false;
  override maxClients = 200;

  private launch!: DuplicateLaunch;
  private deps!: RoomDeps;
  /** Steps still owed to real time, in milliseconds. */
  private lag = 0;
  private curveEvery = 1;
  private counts: number[][] = [];
  private curves: DuplicateCurves = { stepsPerSecond: 0, episodeSteps: 0, steps: [], seats: [] };
  private storing: Promise<unknown> | null = null;
  private done = false;

  override onCreate(options: { launchKey?: unknown; deps?: unknown }): void {
    const launch = duplicateLaunches.take(options);
    this.launch = launch;
    this.deps = roomDepsOf(options);
    const { match } = launch;
    this.curveEvery = Math.max(1, Math.ceil(match.maxSteps / CURVE_POINTS));
    this.counts = match.names.map(() => new Array<number>(launch.numChoices).fill(0));
    this.curves = {
      stepsPerSecond: launch.stepsPerSecond,
      episodeSteps: match.episodeSteps,
      steps: [0],
      seats: match.names.map(() => ({ totalReturn: [0], totalRegret: [0], counts: [] })),
    };
    const view = new DuplicateMatchView();
    view.matchId = launch.matchId;
    view.envId = match.envId;
    view.family = launch.family;
    view.status = "playing";
    view.totalSteps = match.maxSteps;
    view.episodes = match.seeds.length;
    view.episodeSteps = match.episodeSteps;
    view.stepsPerSecond = launch.stepsPerSecond;
    view.curveSteps.push(0);
    match.names.forEach((name, i) => {
      const seat = new DuplicateSeatView();
      seat.name = name;
      seat.versionId = launch.versionIds[i]!;
      seat.last = -1;
      for (let k = 0; k < launch.numChoices; k++) seat.counts.push(0);
      seat.returnCurve.push(0);
      seat.regretCurve.push(0);
      view.seats.push(seat);
    });
    this.setState(view);
    // Every number from the start (step, episode, totals, counts): a spectator joining before the
    // first step reads 0, not undefined.
    this.sync();
    // Flush the state's creation now (with no client it is discarded). A spectator joining before
    // the first patch gets it in its full state, and the patch would apply it again: the seats and
    // their arrays twice over (counts summing past the steps played, one array too long).
    this.broadcastPatch();
    this.setMetadata({ matchId: launch.matchId, leagueId: launch.leagueId });
    // Curves and bars need no more than 20 updates a second to look continuous.
    this.setPatchRate(1000 / 20);
    this.setSimulationInterval((dt) => this.update(dt), 1000 / 60);
    refuseSpectatorMessages(this);
  }

  override onJoin(_client: Client): void {}

  /** Plays the steps that real time owes, at most a quarter second's worth per call. */
  private update(dt: number): void {
    if (this.done) return;
    const stepMs = 1000 / this.launch.stepsPerSecond;
    this.lag = Math.min(this.lag + dt, Math.max(250, stepMs));
    const { match } = this.launch;
    try {
      while (this.lag >= stepMs && !match.done) {
        this.lag -= stepMs;
        match.step();
        this.count();
        if (match.steps % this.curveEvery === 0 || match.done) this.sample();
      }
    } catch (error) {
      this.fail(`a player failed at step ${match.steps + 1}: ${(error as Error).message}`);
      return;
    }
    this.sync();
    if (match.done) this.end();
  }

  /** Arm pulls (bandit) or clicks per item (recommender) of the step just played. */
  private count(): void {
    const { match, family } = this.launch;
    for (let i = 0; i < match.names.length; i++) {
      let choice = -1;
      if (family === "recommender") {
        const clicked = match.lastInfos[i]?.clicked;
        if (typeof clicked === "number") choice = clicked;
      } else {
        const action = match.lastActions[i];
        if (action) choice = action[0]!;
      }
      const counts = this.counts[i]!;
      if (choice >= 0 && choice < counts.length) counts[choice]!++;
      this.state.seats[i]!.last = choice;
    }
  }

  private sample(): void {
    const { match } = this.launch;
    this.curves.steps.push(match.steps);
    this.state.curveSteps.push(match.steps);
    match.names.forEach((_, i) => {
      const seat = this.state.seats[i]!;
      this.curves.seats[i]!.totalReturn.push(match.totalReturns[i]!);
      this.curves.seats[i]!.totalRegret.push(match.totalRegrets[i]!);
      seat.returnCurve.push(match.totalReturns[i]!);
      seat.regretCurve.push(match.totalRegrets[i]!);
    });
  }

  private sync(): void {
    const { match, family } = this.launch;
    const view = this.state;
    view.step = match.steps;
    view.episode = Math.min(match.episode + 1, match.seeds.length);
    view.episodeStep = match.done ? match.episodeSteps : match.episodeStep;
    view.seats.forEach((seat, i) => {
      seat.totalReturn = match.totalReturns[i]!;
      seat.totalRegret = match.totalRegrets[i]!;
      const counts = this.counts[i]!;
      let clicks = 0;
      counts.forEach((n, k) => {
        if (seat.counts[k] !== n) seat.counts[k] = n;
        clicks += n;
      });
      seat.clicks = family === "recommender" ? clicks : 0;
    });
  }

  /** The last step: stores the match, tells spectators, closes the room. */
  private end(): void {
    if (this.done) return;
    this.done = true;
    this.setSimulationInterval();
    this.state.status = "ended";
    const stored = this.store();
    this.storing = stored;
    void stored.then((outcome) => announceAndClose(this, this.launch, outcome));
  }

  private async store(): Promise<DuplicateLiveOutcome> {
    const { prisma, events } = this.deps;
    const { matchId, leagueId, versionIds, match } = this.launch;
    try {
      const outcome = match.result();
      this.curves.seats.forEach((s, i) => {
        s.counts = [...this.counts[i]!];
      });
      await storeDuplicateMatch(prisma, events, {
        matchId,
        leagueId,
        versionIds,
        outcome,
        curves: this.curves,
        choices: match.choices(),
      });
      return { matchId, status: "finished", scores: outcome.entries.map((e) => e.meanReturn) };
    } catch (error) {
      const message = `storing the live match failed: ${(error as Error).message}`;
      await abortMatch(prisma, matchId, message).catch(() => {});
      return { matchId, status: "aborted", scores: [], error: message };
    }
  }

  /** A player that throws (a model over its time budget, a bug) aborts the match, unrated. */
  private fail(message: string): void {
    if (this.done) return;
    this.done = true;
    this.setSimulationInterval();
    this.state.status = "aborted";
    const { prisma } = this.deps;
    const { matchId } = this.launch;
    const outcome: DuplicateLiveOutcome = { matchId, status: "aborted", scores: [], error: message };
    void abortMatch(prisma, matchId, message)
      .catch(() => {})
      .then(() => announceAndClose(this, this.launch, outcome));
  }

  override onUncaughtException(error: Error, method: string): void {
    // A refused onCreate (no launch) reaches the client as its error; there is no match to abort.
    if (method === "onCreate" || !this.launch) return;
    this.fail(`live match room failed in ${method}: ${error.message}`);
  }

  override async onDispose(): Promise<void> {
    if (!this.launch) return;
    if (!this.done) {
      // Disposed mid-match (server shutting down): nothing is rated.
      this.done = true;
      this.setSimulationInterval();
      const message = await abortOnShutdown(this.deps.prisma, this.launch.matchId);
      this.launch.onEnd?.({ matchId: this.launch.matchId, status: "aborted", scores: [], error: message });
    } else await this.storing?.catch(() => {});
  }
}
