// Runs a car-soccer match headless, faster than real time (in a worker thread of the headless pool
// when given one): the live room's match loop without its clock or spectators, then the same
// storing (result, ranks, ratings, replay) and feed events.
import type { PrismaClient } from "@league/db";
import { getEnvSpec } from "@league/envs";
import type { PlatformEvents } from "../feed.js";
import { engineSeedOf } from "../match/headless.js";
import {
  type HeadlessPool,
  type PlayedCarSoccer,
  playHeadless,
  versionData,
} from "../match/headless-jobs.js";
import { UnplayableVersionError } from "../match/players.js";
import { playableVersions } from "../storage/artifacts.js";
import { storableOf, storeCarSoccerMatch } from "../storage/car-soccer.js";
import { abortMatch, createMatch, type FinishedMatch, startMatch } from "../storage/matches.js";

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
  /** Worker threads to play the match in (the embedded default); without, this thread plays it. */
  pool?: HeadlessPool | null;
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
  const versions = await playableVersions(
    prisma,
    input.seats.map((s) => s.versionId),
  );
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
    const seats = input.seats.map((seat) => {
      const version = byId.get(seat.versionId);
      if (!version) throw new UnplayableVersionError(seat.versionId, "no such version");
      if (version.envId !== spec.id)
        throw new UnplayableVersionError(seat.versionId, `it plays ${version.envId}, not ${spec.id}`);
      return versionData(version);
    });
    // In a worker thread of the pool when there is one: the event loop stays free for the API and rooms.
    const played = (await playHeadless(input.pool, {
      kind: "car-soccer",
      specId: spec.id,
      seed,
      durationSeconds: duration,
      seats,
    })) as PlayedCarSoccer;
    return await storeCarSoccerMatch(prisma, events, {
      matchId,
      leagueId: league.id,
      format: "car-soccer",
      seed,
      match: storableOf(played),
      seats: input.seats.map((s, car) => ({ versionId: s.versionId, controller: played.controllers[car]! })),
    });
  } catch (error) {
    if (input.abortOnError ?? true)
      await abortMatch(prisma, matchId, (error as Error).message).catch(() => {});
    throw error;
  }
}
