// Keeps one live car-soccer match on in every car-soccer league, between built-in bots chosen
// like ladder opponents (priority to few games and high uncertainty, then match quality), and a
// configurable number of live bandit/recommender (duplicate) matches, taking the duplicate
// leagues in turn. It starts nothing itself: the rooms it opens come from main.ts as LiveRooms.

import type { PrismaClient } from "@league/db";
import { getEnvSpec, Rng } from "@league/envs";
import { DEFAULT_DUPLICATE_STEPS_PER_SECOND } from "../match/duplicate.js";
import { MODEL_SEAT } from "../match/live-model.js";
import { carSoccerBotOf } from "../match/players.js";
import type { RatingParams } from "../ratings.js";
import { abortMatch } from "../storage/matches.js";
import { type Candidate, planDuplicateMatch, planTeamMatch } from "./scheduler.js";

/** What the scheduler needs of the live rooms (rooms/live.ts liveRooms, wired in main.ts). */
export interface LiveRooms {
  /** Match ids of the live rooms open on any server process. */
  hostedMatchIds(): Promise<Set<string>>;
  /** Opens a live car-soccer match between built-in bots, seats blue first. */
  startCarSoccer(input: {
    leagueId: string;
    seats: { versionId: string; bot: string }[];
    durationSeconds: number;
  }): Promise<{ roomId: string }>;
  /** Opens a live duplicate (bandit or recommender) match. */
  startDuplicate(input: {
    leagueId: string;
    versionIds: string[];
    stepsPerSecond: number;
  }): Promise<{ roomId: string }>;
}

export interface LiveSchedulerOptions {
  /** How often to look for leagues without a live match. */
  intervalMs: number;
  /** Length of a live match; by default the environment's (five minutes). */
  durationSeconds?: number;
  seed: number;
  /** Live bandit/recommender matches to keep going at once (default 0). */
  duplicateMatches?: number;
  /** Their pace (default DEFAULT_DUPLICATE_STEPS_PER_SECOND). */
  duplicateStepsPerSecond?: number;
  /** Seats of each (default 4: a chart stays readable). */
  duplicatePlayers?: number;
  onError?: (error: Error, leagueId: string) => void;
}

/** Model versions on stage per car-soccer league: the newest validated, and as many top-rated. */
const STAGE_SIZE = 3;

/** How long a running live match may go without a listed room (it is being opened) before it counts as orphaned. */
const ORPHAN_GRACE_MS = 15_000;

export class LiveScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private readonly rng: Rng;
  private duplicateCursor = 0;
  /** Per car-soccer league: how far its live match has rotated through the versions on stage. */
  private readonly stageCursor = new Map<string, number>();
  matchesStarted = 0;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly rooms: LiveRooms,
    private readonly options: LiveSchedulerOptions,
  ) {
    this.rng = new Rng(options.seed);
  }

  start(): void {
    const loop = () => {
      this.running = this.fill().finally(() => {
        if (this.timer !== null) this.timer = setTimeout(loop, this.options.intervalMs);
      });
    };
    this.timer = setTimeout(loop, 0);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => {});
  }

  /**
   * Starts a live match in each car-soccer league that has none, and live duplicate matches up to
   * `duplicateMatches`; returns the rooms started.
   */
  async fill(): Promise<string[]> {
    await this.abortOrphans();
    const started = await this.fillCarSoccer();
    started.push(...(await this.fillDuplicate()));
    return started;
  }

  /**
   * Aborts running live matches whose room no longer exists anywhere, so that new ones start and
   * spectators move to them. Scaled out, a server process that dies leaves its rooms listed in
   * Redis; Colyseus's health check of processes that stopped answering drops them. A room leaves
   * the listing only after its result is stored, and a match gets a grace period to open its room.
   */
  private async abortOrphans(): Promise<void> {
    const hosted = await this.rooms.hostedMatchIds();
    const running = await this.prisma.match.findMany({
      where: { live: true, status: "running", startedAt: { lt: new Date(Date.now() - ORPHAN_GRACE_MS) } },
      select: { id: true },
    });
    for (const m of running) {
      if (hosted.has(m.id)) continue;
      await abortMatch(this.prisma, m.id, "its live room is gone: the server process hosting it stopped");
    }
  }

  private async fillCarSoccer(): Promise<string[]> {
    const started: string[] = [];
    const leagues = await this.prisma.league.findMany({
      where: { active: true, envId: { startsWith: "car-soccer-" } },
    });
    for (const league of leagues) {
      const spec = getEnvSpec(league.envId);
      const duration = this.options.durationSeconds ?? (spec.maxEpisodeSteps * spec.tickSkip) / spec.tickRate;
      // A match still "running" long after it should have ended was left by a process that died.
      const stale = await this.prisma.match.findMany({
        where: {
          leagueId: league.id,
          live: true,
          status: "running",
          startedAt: { lt: new Date(Date.now() - (2 * duration + 60) * 1000) },
        },
        select: { id: true },
      });
      for (const m of stale)
        await abortMatch(this.prisma, m.id, "the process running this live match stopped");
      if (
        await this.prisma.match.count({
          where: { leagueId: league.id, live: true, status: { in: ["queued", "running"] } },
        })
      )
        continue;

      const ratings = await this.prisma.rating.findMany({
        where: { leagueId: league.id, version: { status: "active" } },
        include: {
          version: {
            select: { agentId: true, manifest: true, createdAt: true, agent: { select: { kind: true } } },
          },
        },
      });
      // Built-in bots play by name; model agents from their stored model (MODEL_SEAT); remote
      // agents only in matches their owners start.
      const seatOf = new Map<string, string>();
      const candidates: Candidate[] = [];
      const models: { candidate: Candidate; createdAt: Date; ordinal: number }[] = [];
      for (const r of ratings) {
        const bot = carSoccerBotOf(r.version.manifest);
        const kind = r.version.agent.kind;
        if (!bot && kind !== "model") continue;
        seatOf.set(r.versionId, bot ?? MODEL_SEAT);
        const candidate = {
          versionId: r.versionId,
          agentId: r.version.agentId,
          mu: r.mu,
          sigma: r.sigma,
          games: r.games,
        };
        candidates.push(candidate);
        if (!bot) models.push({ candidate, createdAt: r.version.createdAt, ordinal: r.ordinal });
      }
      const params: RatingParams = {
        model: league.ratingModel,
        mu: league.mu,
        sigma: league.sigma,
        beta: league.beta,
        tau: league.tau,
      };
      const focal = this.nextOnStage(league.id, models);
      const teams = planTeamMatch(candidates, params, this.rng, spec.numAgents / spec.numTeams, {
        ...(focal ? { focal } : {}),
      });
      if (!teams) continue;
      try {
        const { roomId } = await this.rooms.startCarSoccer({
          leagueId: league.id,
          seats: teams.flat().map((c) => ({ versionId: c.versionId, bot: seatOf.get(c.versionId)! })),
          durationSeconds: duration,
        });
        started.push(roomId);
        this.matchesStarted++;
      } catch (error) {
        this.options.onError?.(error as Error, league.id);
      }
    }
    return started;
  }

  /**
   * The submitted version a league's next live match puts on stage: in turn, its newest validated
   * model versions and its top-rated ones (STAGE_SIZE of each); none when it has no model agents,
   * and the match is between built-in bots as before.
   */
  private nextOnStage(
    leagueId: string,
    models: { candidate: Candidate; createdAt: Date; ordinal: number }[],
  ): string | null {
    const newest = [...models]
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
      .slice(0, STAGE_SIZE);
    const top = [...models].sort((a, b) => b.ordinal - a.ordinal).slice(0, STAGE_SIZE);
    const stage = [...new Set([...newest, ...top].map((m) => m.candidate.versionId))];
    if (stage.length === 0) return null;
    const turn = this.stageCursor.get(leagueId) ?? 0;
    this.stageCursor.set(leagueId, turn + 1);
    return stage[turn % stage.length]!;
  }

  private async fillDuplicate(): Promise<string[]> {
    const wanted = this.options.duplicateMatches ?? 0;
    if (wanted <= 0) return [];
    const stepsPerSecond = this.options.duplicateStepsPerSecond ?? DEFAULT_DUPLICATE_STEPS_PER_SECOND;
    const leagues = await this.prisma.league.findMany({
      where: { active: true, mode: "duplicate" },
      orderBy: { id: "asc" },
    });
    if (leagues.length === 0) return [];
    const leagueIds = leagues.map((l) => l.id);
    // Left "running" by a process that died: well past four episodes at this pace.
    const longest = Math.max(...leagues.map((l) => getEnvSpec(l.envId).maxEpisodeSteps)) * 4;
    const stale = await this.prisma.match.findMany({
      where: {
        leagueId: { in: leagueIds },
        live: true,
        status: "running",
        startedAt: { lt: new Date(Date.now() - ((2 * longest) / stepsPerSecond + 60) * 1000) },
      },
      select: { id: true },
    });
    for (const m of stale) await abortMatch(this.prisma, m.id, "the process running this live match stopped");
    let running = await this.prisma.match.count({
      where: { leagueId: { in: leagueIds }, live: true, status: { in: ["queued", "running"] } },
    });
    const started: string[] = [];
    // One try per league at most, so that leagues without enough players cannot spin this loop.
    for (let tries = 0; running < wanted && tries < leagues.length; tries++) {
      const league = leagues[this.duplicateCursor % leagues.length]!;
      this.duplicateCursor++;
      // Reserve versions (beyond their agent's cap) play too, drawn less often.
      const ratings = await this.prisma.rating.findMany({
        where: { leagueId: league.id, version: { status: { in: ["active", "reserve"] } } },
        include: { version: { select: { agentId: true, status: true } } },
      });
      const candidates: Candidate[] = ratings.map((r) => ({
        versionId: r.versionId,
        agentId: r.version.agentId,
        mu: r.mu,
        sigma: r.sigma,
        games: r.games,
        ...(r.version.status === "reserve" ? { reserve: true } : {}),
      }));
      const params: RatingParams = {
        model: league.ratingModel,
        mu: league.mu,
        sigma: league.sigma,
        beta: league.beta,
        tau: league.tau,
      };
      const players = planDuplicateMatch(candidates, params, this.rng, this.options.duplicatePlayers ?? 4);
      if (!players) continue;
      try {
        const { roomId } = await this.rooms.startDuplicate({
          leagueId: league.id,
          versionIds: players.map((p) => p.versionId),
          stepsPerSecond,
        });
        started.push(roomId);
        running++;
        this.matchesStarted++;
      } catch (error) {
        this.options.onError?.(error as Error, league.id);
      }
    }
    return started;
  }
}
