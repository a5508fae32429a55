// startLiveDuplicateMatch: the only way a live bandit or recommender match (and its room) begins.
// The players, seeds and storing are the headless ladder's (duplicate-runner.ts); only the pace differs.
import { randomBytes } from "node:crypto";
import { DuplicateMatch } from "@league/agents";
import { BanditEnv, ENV_SPECS, RecsimEnv } from "@league/envs";
import { DEFAULT_DUPLICATE_STEPS_PER_SECOND, duplicateEntrants, duplicateSeeds } from "../match/duplicate.js";
import { DUPLICATE_ROOM, type DuplicateLiveOutcome, duplicateLaunches } from "./duplicate-room.js";
import { LiveMatchError, openLiveMatch, type RoomDeps } from "./live.js";

export interface LiveDuplicateInput {
  leagueId: string;
  /** Two or more agent versions of the league's environment, in seat order. */
  versionIds: string[];
  /** Default: 64 random bits. */
  seed?: bigint;
  /** Pace of play, in (0, 100000]; default DEFAULT_DUPLICATE_STEPS_PER_SECOND. */
  stepsPerSecond?: number;
  onEnd?: (outcome: DuplicateLiveOutcome) => void;
}

/**
 * Creates and starts the match row (live), publishes match.started and opens its room; returns
 * the room id spectators join with `client.joinById(roomId)`. Needs `attachRooms` first.
 */
export async function startLiveDuplicateMatch(
  deps: RoomDeps,
  input: LiveDuplicateInput,
): Promise<{ roomId: string; matchId: string }> {
  const { prisma } = deps;
  const league = await prisma.league.findUnique({ where: { id: input.leagueId } });
  if (!league) throw new LiveMatchError(`no league "${input.leagueId}"`);
  const spec = ENV_SPECS[league.envId];
  if (spec?.family !== "bandit" && spec?.family !== "recommender")
    throw new LiveMatchError(
      `league "${league.id}" plays ${league.envId}; live duplicate matches are for bandit and recommender leagues`,
    );
  if (input.versionIds.length < 1 || input.versionIds.length > 16)
    throw new LiveMatchError(`a live duplicate match needs 1 to 16 versions, got ${input.versionIds.length}`);
  if (new Set(input.versionIds).size !== input.versionIds.length)
    throw new LiveMatchError("versionIds: a version may take only one seat");
  const stepsPerSecond = input.stepsPerSecond ?? DEFAULT_DUPLICATE_STEPS_PER_SECOND;
  if (!(Number.isFinite(stepsPerSecond) && stepsPerSecond > 0 && stepsPerSecond <= 100_000))
    throw new LiveMatchError(`stepsPerSecond must be in (0, 100000], got ${input.stepsPerSecond}`);
  const versions = await prisma.agentVersion.findMany({ where: { id: { in: input.versionIds } } });
  const byId = new Map(versions.map((v) => [v.id, v]));
  input.versionIds.forEach((id, seat) => {
    const version = byId.get(id);
    if (!version) throw new LiveMatchError(`seat ${seat}: no agent version ${id}`);
    if (version.envId !== spec.id)
      throw new LiveMatchError(`seat ${seat}: version ${id} plays ${version.envId}, not ${spec.id}`);
  });
  const seed = input.seed ?? randomBytes(8).readBigUInt64LE() >> 1n;
  let match: DuplicateMatch;
  try {
    match = new DuplicateMatch({
      env: league.envId,
      policies: await duplicateEntrants(prisma, input.versionIds),
      seeds: duplicateSeeds(seed),
    });
  } catch (error) {
    throw new LiveMatchError((error as Error).message);
  }
  const env = match.env;
  const numChoices =
    env instanceof RecsimEnv ? env.config.numItems : env instanceof BanditEnv ? env.config.numArms : 0;

  return openLiveMatch(
    deps,
    { name: DUPLICATE_ROOM, launches: duplicateLaunches },
    {
      leagueId: league.id,
      seed,
      seats: input.versionIds.map((versionId, slot) => ({ versionId, slot, team: slot })),
    },
    (matchId) => ({
      matchId,
      leagueId: league.id,
      versionIds: [...input.versionIds],
      match,
      family: spec.family,
      numChoices,
      stepsPerSecond,
      ...(input.onEnd ? { onEnd: input.onEnd } : {}),
    }),
  );
}
