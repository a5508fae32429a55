// Keeps every league playing: pick participants with the scheduler, run the match headless,
// rate it, repeat. One match at a time per process; stop() waits for the one in flight.

import type { PrismaClient } from "@league/db";
import { getEnvSpec, Rng } from "@league/envs";
import type { PlatformEvents } from "../feed.js";
import type { HeadlessPool } from "../match/headless-jobs.js";
import type { RatingParams } from "../ratings.js";
import { abortMatch, createMatch } from "../storage/matches.js";
import { runDuplicateMatch } from "./duplicate-runner.js";
import { runHeadToHeadMatch } from "./head-to-head-runner.js";
import type { LadderQueue } from "./match-queue.js";
import { type Candidate, DEFAULT_PLACEMENT_GAMES, planDuplicateMatch, planTeamMatch } from "./scheduler.js";
import { type StrandedMatch, sweepStrandedMatches } from "./stranded.js";
import { validatePendingVersions } from "./validation.js";

export interface LadderOptions {
  /** Pause between matches, so that a single machine stays responsive. */
  intervalMs: number;
  seed: number;
  maxPlayers?: number;
  /** Only these leagues (default: every active league, duplicate and head-to-head). */
  leagues?: string[];
  /** Game seconds of a head-to-head (car-soccer) match; default the spec's full game. */
  headToHeadSeconds?: number;
  onError?: (error: Error, leagueId: string) => void;
  /**
   * Scaled out: matches are created here and played by match workers from this queue, instead of
   * in this process.
   */
  queue?: LadderQueue;
  /** With a queue: no new match while this many wait or play. */
  maxBacklog?: number;
  /**
   * Stranded matches: on its first pass and then every `sweepIntervalMs` (default a minute; 0
   * never), the ladder aborts headless matches queued or running longer than `strandedAfterMs`
   * (default 15 minutes) with no live job (see sweepStrandedMatches).
   */
  sweepIntervalMs?: number;
  strandedAfterMs?: number;
  onStranded?: (swept: StrandedMatch[]) => void;
  /** Rated games a newly validated version plays first, one in every match (PLACEMENT_GAMES; default 5). */
  placementGames?: number;
  /** The cap of active versions per agent, applied again after validation (ACTIVE_VERSIONS_PER_AGENT). */
  activeVersionsPerAgent?: number;
  /**
   * Without a queue: worker threads that play the matches (and validation matches), so that the
   * event loop stays free for the API, the live rooms and the feed. Without, this thread plays them.
   */
  pool?: HeadlessPool | null;
}

/**
 * The versions that play headless ladder matches in a league: active ones, and reserve ones
 * (flagged, to be drawn less often); never remote ones. `games` counts the rated games played and
 * the headless matches already scheduled and not finished (queued for a worker, or playing), so
 * that placement games are not scheduled twice over while a queue holds them.
 */
export async function ladderCandidates(prisma: PrismaClient, leagueId: string): Promise<Candidate[]> {
  const ratings = await prisma.rating.findMany({
    // Remote agents play only live matches their owners start: nobody answers in a headless one.
    where: {
      leagueId,
      version: { status: { in: ["active", "reserve"] }, agent: { kind: { not: "remote" } } },
    },
    include: { version: { select: { agentId: true, status: true } } },
  });
  const scheduled = await prisma.matchParticipant.groupBy({
    by: ["versionId"],
    where: {
      versionId: { in: ratings.map((r) => r.versionId) },
      match: { leagueId, live: false, status: { in: ["queued", "running"] } },
    },
    _count: { _all: true },
  });
  const inFlight = new Map(scheduled.map((s) => [s.versionId, s._count._all]));
  return ratings.map((r) => ({
    versionId: r.versionId,
    agentId: r.version.agentId,
    mu: r.mu,
    sigma: r.sigma,
    games: r.games + (inFlight.get(r.versionId) ?? 0),
    ...(r.version.status === "reserve" ? { reserve: true } : {}),
  }));
}

export class Ladder {
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<unknown> | null = null;
  private stopped = false;
  private readonly rng: Rng;
  private leagueCursor = 0;
  private lastSweep = Number.NEGATIVE_INFINITY;
  matchesPlayed = 0;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: PlatformEvents | null,
    private readonly options: LadderOptions,
  ) {
    this.rng = new Rng(options.seed);
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight?.catch(() => {});
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.inFlight = this.sweepIfDue()
        .then(() =>
          validatePendingVersions(this.prisma, {
            ...(this.options.activeVersionsPerAgent !== undefined
              ? { activeVersionsPerAgent: this.options.activeVersionsPerAgent }
              : {}),
            pool: this.options.pool ?? null,
          }),
        )
        .catch((error: Error) => this.options.onError?.(error, "(validation)"))
        .then(() => this.playNext())
        // The database may be down: the next pass tries again.
        .catch((error: Error) => this.options.onError?.(error, "(ladder)"))
        .finally(() => this.schedule(this.options.intervalMs));
    }, delay);
  }

  /** Aborts stranded headless matches, if the last sweep is `sweepIntervalMs` old. */
  async sweepIfDue(): Promise<StrandedMatch[]> {
    const interval = this.options.sweepIntervalMs ?? 60_000;
    const queue = this.options.queue;
    // A queue that cannot tell whether a match's job is alive: no sweep, nothing is known stranded.
    if (interval <= 0 || (queue && !queue.jobStatus) || Date.now() - this.lastSweep < interval) return [];
    this.lastSweep = Date.now();
    try {
      const swept = await sweepStrandedMatches(this.prisma, {
        queue: queue?.jobStatus ? { jobStatus: (matchId) => queue.jobStatus!(matchId) } : null,
        ...(this.options.strandedAfterMs !== undefined ? { olderThanMs: this.options.strandedAfterMs } : {}),
      });
      if (swept.length) this.options.onStranded?.(swept);
      return swept;
    } catch (error) {
      this.options.onError?.(error as Error, "(stranded matches)");
      return [];
    }
  }

  /**
   * Plays one match in the next league (round robin over leagues) that can hold one, or with a
   * queue, creates it and hands it to the match workers. Returns the match id.
   */
  async playNext(): Promise<string | null> {
    const queue = this.options.queue;
    if (queue && (await queue.backlog()) >= (this.options.maxBacklog ?? 8)) return null;
    const leagues = await this.prisma.league.findMany({
      where: {
        active: true,
        ...(this.options.leagues ? { id: { in: this.options.leagues } } : {}),
      },
      orderBy: { id: "asc" },
    });
    for (let k = 0; k < leagues.length; k++) {
      const league = leagues[(this.leagueCursor + k) % leagues.length]!;
      const candidates = await ladderCandidates(this.prisma, league.id);
      const params: RatingParams = {
        model: league.ratingModel,
        mu: league.mu,
        sigma: league.sigma,
        beta: league.beta,
        tau: league.tau,
      };
      const headToHead = league.mode === "head_to_head";
      const schedule = { placementGames: this.options.placementGames ?? DEFAULT_PLACEMENT_GAMES };
      let players: Candidate[] | null;
      if (headToHead) {
        const spec = getEnvSpec(league.envId);
        // Blue team first, then orange: the seat order of the match.
        players =
          planTeamMatch(candidates, params, this.rng, spec.numAgents / spec.numTeams, schedule)?.flat() ??
          null;
      } else
        players = planDuplicateMatch(candidates, params, this.rng, this.options.maxPlayers ?? 6, schedule);
      if (!players) continue;
      this.leagueCursor = (this.leagueCursor + k + 1) % leagues.length;
      // 63 bits: the seed column is a signed 64-bit integer.
      const seed = BigInt(this.rng.uint32() & 0x7fffffff) * 4_294_967_296n + BigInt(this.rng.uint32());
      if (queue) {
        let matchId: string | null = null;
        try {
          const teamSize = headToHead ? players.length / 2 : 1;
          matchId = await createMatch(this.prisma, {
            leagueId: league.id,
            seed,
            seats: players.map((p, slot) => ({
              versionId: p.versionId,
              slot,
              team: headToHead ? Math.floor(slot / teamSize) : slot,
            })),
          });
          await queue.enqueue({
            matchId,
            leagueId: league.id,
            mode: headToHead ? "head_to_head" : "duplicate",
            versionIds: players.map((p) => p.versionId),
            seed: seed.toString(),
            ...(this.options.headToHeadSeconds ? { headToHeadSeconds: this.options.headToHeadSeconds } : {}),
          });
          this.matchesPlayed++;
          return matchId;
        } catch (error) {
          // A match no worker will ever see must not stay queued.
          if (matchId)
            await abortMatch(this.prisma, matchId, `could not be queued: ${(error as Error).message}`);
          this.options.onError?.(error as Error, league.id);
          return null;
        }
      }
      try {
        const finished = headToHead
          ? await runHeadToHeadMatch(this.prisma, this.events, {
              leagueId: league.id,
              seats: players.map((p) => ({ versionId: p.versionId })),
              seed,
              ...(this.options.headToHeadSeconds ? { durationSeconds: this.options.headToHeadSeconds } : {}),
              pool: this.options.pool ?? null,
            })
          : await runDuplicateMatch(this.prisma, this.events, {
              leagueId: league.id,
              versionIds: players.map((p) => p.versionId),
              seed,
              pool: this.options.pool ?? null,
            });
        this.matchesPlayed++;
        return finished.matchId;
      } catch (error) {
        this.options.onError?.(error as Error, league.id);
        return null;
      }
    }
    return null;
  }
}
