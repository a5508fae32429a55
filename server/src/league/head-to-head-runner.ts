// Runs a car-soccer match headless, faster than real time: the live room's match loop without
// its clock or spectators, then the same storing (result, ranks, ratings, replay) and feed events.
import type { PrismaClient } from "@league/db";
import { getEnvSpec } from "@league/envs";
import type { PlatformEvents } from "../feed.js";
import { CarSoccerMatch } from "../rooms/car-soccer-match.js";
import {
  abortMatch,
  createMatch,
  type FinishedMatch,
  finishMatch,
  publishFinished,
  ranksFromScores,
  startMatch,
} from "./matches.js";
import { carSoccerController, UnplayableVersionError } from "./players.js";

/** Physics ticks between yields to the event loop, so the API stays responsive during a match. */
const TICKS_PER_SLICE = 240;

export interface HeadToHeadInput {
  leagueId: string;
  /** One per car, blue first. */
  seats: { versionId: string }[];
  seed: bigint;
  /** Default: the spec's full game (maxEpisodeSteps × tickSkip / tickRate seconds). */
  durationSeconds?: number;
  /** A match row created beforehand (a queued ladder job); played again from its seed if a worker died. */
  matchId?: string;
  /**
   * On a failure, mark the match aborted before rethrowing (the default). A queued job passes
   * false: its queue retries the match, and only the last failed attempt aborts it.
   */
  abortOnError?: boolean;
}

/** The engine's seed (a float64): 53 bits of the match seed, exactly representable, as live matches use. */
export function engineSeedOf(seed: bigint): number {
  return Number(seed % 2n ** 53n);
}

/**
 * Writes a finished car-soccer match (live or headless) through finishMatch and publishes
 * match.finished and rating.changed when it was applied.
 */
export async function storeCarSoccerMatch(
  prisma: PrismaClient,
  events: PlatformEvents | null,
  input: {
    matchId: string;
    leagueId: string;
    format: "car-soccer-live" | "car-soccer";
    seed: number;
    match: CarSoccerMatch;
    seats: { versionId: string; controller: string; remote?: Record<string, number> }[];
    /** A team that forfeited ranks last whatever the score. */
    forfeit?: { team: 0 | 1; reason: string };
  },
): Promise<FinishedMatch> {
  const { matchId, leagueId, match, seats } = input;
  const score = match.score;
  const result = {
    format: input.format,
    score,
    goals: match.goals,
    durationSeconds: match.durationSeconds,
    seed: input.seed,
    episodes: match.replays.length,
    ...(input.forfeit ? { forfeit: input.forfeit } : {}),
    seats: seats.map((s, car) => ({
      slot: car,
      team: match.teamOf(car),
      versionId: s.versionId,
      controller: s.controller,
      controllerErrors: match.controllerErrors[car]!,
      ...(s.remote ? { remote: s.remote } : {}),
    })),
  };
  const ranks = input.forfeit
    ? input.forfeit.team === 0
      ? [2, 1]
      : [1, 2]
    : ranksFromScores([score.blue, score.orange]);
  const finished = await finishMatch(prisma, {
    matchId,
    teamScores: [score.blue, score.orange],
    teamRanks: ranks,
    result,
    replay: match.encodeReplay(),
  });
  publishFinished(events, finished, {
    matchId,
    leagueId,
    result: { score },
    ranks: seats.map((s, car) => ({ versionId: s.versionId, rank: ranks[match.teamOf(car)]! })),
  });
  return finished;
}

/** Plays `match` to its final whistle, yielding to the event loop between slices of ticks. */
export async function playToEnd(match: CarSoccerMatch): Promise<void> {
  while (!match.done) {
    for (let i = 0; i < TICKS_PER_SLICE && !match.done; i++) match.tick();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * Plays, rates and stores one headless car-soccer match (not live). Any failure, a model that
 * throws or is timed out included, aborts the match (unless `abortOnError` is false) and is
 * rethrown with a readable message.
 */
export async function runHeadToHeadMatch(
  prisma: PrismaClient,
  events: PlatformEvents | null,
  input: HeadToHeadInput,
): Promise<FinishedMatch> {
  const league = await prisma.league.findUniqueOrThrow({ where: { id: input.leagueId } });
  const spec = getEnvSpec(league.envId);
  if (spec.family !== "car-soccer") throw new Error(`league "${league.id}" plays ${spec.id}, not car soccer`);
  if (input.seats.length !== spec.numAgents)
    throw new Error(`${spec.id} needs ${spec.numAgents} seats (blue first), got ${input.seats.length}`);
  const duration = input.durationSeconds ?? (spec.maxEpisodeSteps * (spec.tickSkip ?? 8)) / spec.tickRate!;
  const versions = await prisma.agentVersion.findMany({
    where: { id: { in: input.seats.map((s) => s.versionId) } },
    include: { agent: { select: { name: true } } },
  });
  const byId = new Map(versions.map((v) => [v.id, v]));
  const matchId =
    input.matchId ??
    (await createMatch(prisma, {
      leagueId: league.id,
      seed: input.seed,
      seats: input.seats.map((s, car) => ({
        versionId: s.versionId,
        slot: car,
        team: car < spec.numAgents / 2 ? 0 : 1,
      })),
    }));
  await startMatch(prisma, matchId);
  const versionIds = input.seats.map((s) => s.versionId);
  events?.publish("match.started", { matchId, leagueId: league.id, live: false, versionIds });
  try {
    const seed = engineSeedOf(input.seed);
    const controllers = await Promise.all(
      input.seats.map((seat, car) => {
        const version = byId.get(seat.versionId);
        if (!version) throw new UnplayableVersionError(seat.versionId, "no such version");
        if (version.envId !== spec.id)
          throw new UnplayableVersionError(seat.versionId, `it plays ${version.envId}, not ${spec.id}`);
        return carSoccerController(version, seed + car);
      }),
    );
    const match = new CarSoccerMatch({
      spec,
      seed,
      controllers,
      durationSeconds: duration,
      // Pauses are frozen time only a spectator would notice: skipped.
      goalPauseSeconds: 0,
      kickoffPauseSeconds: 0,
      failOnControllerError: true,
    });
    await playToEnd(match);
    return await storeCarSoccerMatch(prisma, events, {
      matchId,
      leagueId: league.id,
      format: "car-soccer",
      seed,
      match,
      seats: input.seats.map((s, car) => ({ versionId: s.versionId, controller: controllers[car]!.name })),
    });
  } catch (error) {
    if (input.abortOnError ?? true)
      await abortMatch(prisma, matchId, (error as Error).message).catch(() => {});
    throw error;
  }
}
