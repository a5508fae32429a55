// A match's life in the database: created with its seats, started, then finished with its
// result, ranks, replay and rating updates in one transaction (or aborted, rating nothing).
import type { Prisma, PrismaClient } from "@league/db";
import type { FeedEvents, PlatformEvents } from "../feed.js";
import { ordinal, type RatingParams, rateMatch, type Skill } from "../ratings.js";

export interface Seat {
  versionId: string;
  /** Seat in the environment (agent index). */
  slot: number;
  /** Team index: 0 blue, 1 orange; in duplicate play every player is its own team. */
  team: number;
}

export interface RatingChange {
  versionId: string;
  leagueId: string;
  before: Skill & { ordinal: number };
  after: Skill & { ordinal: number };
}

export interface FinishedMatch {
  matchId: string;
  leagueId: string;
  /** False when the match had already been finished: nothing was written again. */
  applied: boolean;
  ratingChanges: RatingChange[];
}

export class MatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MatchError";
  }
}

export async function createMatch(
  prisma: PrismaClient,
  input: {
    leagueId: string;
    seed: bigint;
    seats: Seat[];
    live?: boolean;
    /** False: the result is stored and shown but moves no rating (a challenge). Default true. */
    rated?: boolean;
    /** The owner who started it as a challenge (counted against their challenges at once). */
    challengerOwnerId?: string;
  },
): Promise<string> {
  if (input.seats.length < 1) throw new MatchError("a match needs at least one seat");
  const slots = new Set(input.seats.map((s) => s.slot));
  if (slots.size !== input.seats.length) throw new MatchError("two seats share a slot");
  if (input.seed < 0n || input.seed >= 2n ** 63n)
    throw new MatchError(`seed ${input.seed} is outside [0, 2^63)`);
  const match = await prisma.match.create({
    data: {
      leagueId: input.leagueId,
      seed: input.seed,
      live: input.live ?? false,
      rated: input.rated ?? true,
      challengerOwnerId: input.challengerOwnerId ?? null,
      participants: {
        create: input.seats.map((s) => ({ versionId: s.versionId, slot: s.slot, team: s.team })),
      },
    },
  });
  return match.id;
}

/** Marks a queued match running; false if it was not queued (another worker took it). */
export async function startMatch(prisma: PrismaClient, matchId: string): Promise<boolean> {
  const { count } = await prisma.match.updateMany({
    where: { id: matchId, status: "queued" },
    data: { status: "running", startedAt: new Date() },
  });
  return count === 1;
}

/** Marks a queued or running match aborted with `reason`; false if it had already ended. */
export async function abortMatch(prisma: PrismaClient, matchId: string, reason: string): Promise<boolean> {
  const { count } = await prisma.match.updateMany({
    where: { id: matchId, status: { in: ["queued", "running"] } },
    data: { status: "aborted", finishedAt: new Date(), error: reason.slice(0, 4000) },
  });
  return count === 1;
}

/** Dense ranks from scores, higher is better: [3, 1, 3] → [1, 2, 1]. */
export function ranksFromScores(scores: number[]): number[] {
  return scores.map((s) => 1 + new Set(scores.filter((o) => o > s)).size);
}

export interface FinishInput {
  matchId: string;
  /** Score per team index (goals, or return in duplicate play). */
  teamScores: number[];
  /** Rank per team index, 1 best; by default from the scores. */
  teamRanks?: number[];
  result: Prisma.InputJsonValue;
  replay?: Uint8Array<ArrayBuffer>;
  /** What checking the result before storing found (storage/verify.ts): written to verified,
   * verification and, when it failed, error. */
  check?: { verified: boolean; verification: Prisma.InputJsonValue; error: string | null };
  /** Test hook: runs inside the transaction just before it commits. */
  beforeCommit?: () => void | Promise<void>;
}

/**
 * Stores the outcome and updates every participant's rating, with one rating event each, all in
 * one transaction: either everything is written or nothing is. Finishing an already finished
 * match changes nothing, so a retried job cannot rate a match twice.
 */
/**
 * The feed's events for a match `finishMatch` stored: match.finished, then rating.changed for
 * each rating it moved. Nothing when it was not applied (the match had been finished before).
 */
export function publishFinished(
  events: PlatformEvents | null,
  finished: FinishedMatch,
  match: FeedEvents["match.finished"],
): void {
  if (!events || !finished.applied) return;
  events.publish("match.finished", match);
  for (const change of finished.ratingChanges)
    events.publish("rating.changed", {
      versionId: change.versionId,
      leagueId: change.leagueId,
      matchId: match.matchId,
      mu: change.after.mu,
      sigma: change.after.sigma,
      ordinal: change.after.ordinal,
      delta: change.after.ordinal - change.before.ordinal,
    });
}

export async function finishMatch(prisma: PrismaClient, input: FinishInput): Promise<FinishedMatch> {
  const ranks = input.teamRanks ?? ranksFromScores(input.teamScores);
  return prisma.$transaction(async (tx) => {
    // Claims the row first: a concurrent finisher waits here, then finds it finished.
    const claimed = await tx.match.updateMany({
      where: { id: input.matchId, status: { in: ["queued", "running"] } },
      data: {
        status: "finished",
        finishedAt: new Date(),
        result: input.result,
        ...(input.replay ? { replay: input.replay } : {}),
        ...(input.check
          ? {
              verified: input.check.verified,
              verification: input.check.verification,
              ...(input.check.error ? { error: input.check.error.slice(0, 4000) } : {}),
            }
          : {}),
      },
    });
    const match = await tx.match.findUnique({
      where: { id: input.matchId },
      include: { league: true, participants: { orderBy: { slot: "asc" } } },
      // Not the replay just written: reading 300 KB of bytes back through Prisma held the event loop ~100 ms.
      omit: { replay: true },
    });
    if (!match) throw new MatchError(`no match ${input.matchId}`);
    if (claimed.count === 0) {
      if (match.status === "finished")
        return { matchId: match.id, leagueId: match.leagueId, applied: false, ratingChanges: [] };
      throw new MatchError(`match ${match.id} is ${match.status}; only a queued or running match can finish`);
    }
    const numTeams = Math.max(...match.participants.map((p) => p.team)) + 1;
    if (input.teamScores.length !== numTeams || ranks.length !== numTeams) {
      throw new MatchError(
        `match ${match.id} has ${numTeams} teams; got ${input.teamScores.length} scores and ${ranks.length} ranks`,
      );
    }

    if (!match.rated) {
      // An unrated match: scores and ranks are stored, ratings stay as they were (a version new to
      // the league gets its starting rating row, as after its first rated match).
      await tx.rating.createMany({
        data: [...new Set(match.participants.map((p) => p.versionId))].map((versionId) => ({
          versionId,
          leagueId: match.leagueId,
          mu: match.league.mu,
          sigma: match.league.sigma,
          ordinal: ordinal({ mu: match.league.mu, sigma: match.league.sigma }),
        })),
        skipDuplicates: true,
      });
      for (const p of match.participants)
        await tx.matchParticipant.update({
          where: { id: p.id },
          data: { score: input.teamScores[p.team]!, rank: ranks[p.team]! },
        });
      await input.beforeCommit?.();
      return { matchId: match.id, leagueId: match.leagueId, applied: true, ratingChanges: [] };
    }
    const params: RatingParams = {
      model: match.league.ratingModel,
      mu: match.league.mu,
      sigma: match.league.sigma,
      beta: match.league.beta,
      tau: match.league.tau,
    };
    // Several match workers may rate the same versions at once. Create missing rating rows, then
    // lock them all in one order before reading: no update is lost to a stale read, and two
    // finishers never wait on each other's rows in opposite orders (a deadlock).
    const versionIds = [...new Set(match.participants.map((p) => p.versionId))].sort();
    const initial = { mu: params.mu, sigma: params.sigma };
    await tx.rating.createMany({
      data: versionIds.map((versionId) => ({
        versionId,
        leagueId: match.leagueId,
        ...initial,
        ordinal: ordinal(initial),
      })),
      skipDuplicates: true,
    });
    await tx.$queryRaw`SELECT 1 FROM "Rating" WHERE "leagueId" = ${match.leagueId} AND "versionId" = ANY(${versionIds}::uuid[]) ORDER BY "versionId" FOR UPDATE`;
    const current = await tx.rating.findMany({
      where: { leagueId: match.leagueId, versionId: { in: versionIds } },
    });
    const skillOf = new Map(current.map((r) => [r.versionId, { mu: r.mu, sigma: r.sigma }]));
    const teams: (typeof match.participants)[] = Array.from({ length: numTeams }, () => []);
    for (const p of match.participants) teams[p.team]!.push(p);
    const before = teams.map((team) =>
      team.map((p) => skillOf.get(p.versionId) ?? { mu: params.mu, sigma: params.sigma }),
    );
    const after = rateMatch(params, before, ranks);

    const topRankCount = ranks.filter((r) => r === 1).length;
    const ratingChanges: RatingChange[] = [];
    for (const [t, team] of teams.entries()) {
      const won = ranks[t] === 1 && topRankCount === 1;
      const drew = ranks[t] === 1 && topRankCount > 1;
      for (const [k, p] of team.entries()) {
        const b = before[t]![k]!;
        const a = after[t]![k]!;
        await tx.matchParticipant.update({
          where: { id: p.id },
          data: {
            score: input.teamScores[t]!,
            rank: ranks[t]!,
            muBefore: b.mu,
            sigmaBefore: b.sigma,
            muAfter: a.mu,
            sigmaAfter: a.sigma,
          },
        });
        const counters = { games: 1, wins: won ? 1 : 0, draws: drew ? 1 : 0, losses: won || drew ? 0 : 1 };
        await tx.rating.upsert({
          where: { versionId_leagueId: { versionId: p.versionId, leagueId: match.leagueId } },
          create: {
            versionId: p.versionId,
            leagueId: match.leagueId,
            mu: a.mu,
            sigma: a.sigma,
            ordinal: ordinal(a),
            ...counters,
          },
          update: {
            mu: a.mu,
            sigma: a.sigma,
            ordinal: ordinal(a),
            games: { increment: 1 },
            wins: { increment: counters.wins },
            draws: { increment: counters.draws },
            losses: { increment: counters.losses },
          },
        });
        await tx.ratingEvent.create({
          data: {
            versionId: p.versionId,
            leagueId: match.leagueId,
            matchId: match.id,
            muBefore: b.mu,
            sigmaBefore: b.sigma,
            muAfter: a.mu,
            sigmaAfter: a.sigma,
          },
        });
        ratingChanges.push({
          versionId: p.versionId,
          leagueId: match.leagueId,
          before: { ...b, ordinal: ordinal(b) },
          after: { ...a, ordinal: ordinal(a) },
        });
      }
    }
    await input.beforeCommit?.();
    return { matchId: match.id, leagueId: match.leagueId, applied: true, ratingChanges };
  });
}
