// Keeps one live car-soccer match on in every car-soccer league, between built-in bots chosen
// like ladder opponents (priority to few games and high uncertainty, then match quality).
import type { PrismaClient } from "@league/db";
import { getEnvSpec, Rng } from "@league/envs";
import type { PlatformEvents } from "../feed.js";
import type { RatingParams } from "../ratings.js";
import { carSoccerBotOf } from "../rooms/builtins.js";
import { startLiveMatch } from "../rooms/live.js";
import { abortMatch } from "./matches.js";
import { type Candidate, planTeamMatch } from "./scheduler.js";

export interface LiveSchedulerOptions {
  /** How often to look for leagues without a live match. */
  intervalMs: number;
  /** Length of a live match; by default the environment's (five minutes). */
  durationSeconds?: number;
  seed: number;
  onError?: (error: Error, leagueId: string) => void;
}

export class LiveScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private readonly rng: Rng;
  matchesStarted = 0;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: PlatformEvents | null,
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

  /** Starts a live match in each car-soccer league that has none; returns the rooms started. */
  async fill(): Promise<string[]> {
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
        include: { version: { select: { agentId: true, manifest: true } } },
      });
      const bots = new Map<string, string>();
      const candidates: Candidate[] = [];
      for (const r of ratings) {
        const bot = carSoccerBotOf(r.version.manifest);
        if (!bot) continue; // model agents join live play once rooms drive them
        bots.set(r.versionId, bot);
        candidates.push({
          versionId: r.versionId,
          agentId: r.version.agentId,
          mu: r.mu,
          sigma: r.sigma,
          games: r.games,
        });
      }
      const params: RatingParams = {
        model: league.ratingModel,
        mu: league.mu,
        sigma: league.sigma,
        beta: league.beta,
        tau: league.tau,
      };
      const teams = planTeamMatch(candidates, params, this.rng, spec.numAgents / spec.numTeams);
      if (!teams) continue;
      try {
        const { roomId } = await startLiveMatch(
          { prisma: this.prisma, events: this.events },
          {
            leagueId: league.id,
            seats: teams.flat().map((c) => ({ versionId: c.versionId, bot: bots.get(c.versionId)! })),
            durationSeconds: duration,
          },
        );
        started.push(roomId);
        this.matchesStarted++;
      } catch (error) {
        this.options.onError?.(error as Error, league.id);
      }
    }
    return started;
  }
}
