// The players and seeds of a duplicate (bandit or recommender) match, headless or live.
import type { DuplicateEntrant } from "@league/agents";
import type { PrismaClient } from "@league/db";
import { duplicatePlayer, UnplayableVersionError } from "./players.js";

/** Steps per second of a live duplicate match unless told otherwise: a bandit's 4 × 1,000 pulls in 80 s. */
export const DEFAULT_DUPLICATE_STEPS_PER_SECOND = 50;

/** Episodes per match: several seeds average out the luck of one instance. */
export const SEEDS_PER_MATCH = 4;

/** The environments' 32-bit seeds, derived from the match seed. */
export function duplicateSeeds(matchSeed: bigint): number[] {
  const base = Number(matchSeed % 2_147_483_647n);
  return Array.from({ length: SEEDS_PER_MATCH }, (_, i) => base + i * 7919);
}

/** The players of a duplicate match, one per version, in seat order. */
export async function duplicateEntrants(
  prisma: PrismaClient,
  versionIds: readonly string[],
): Promise<DuplicateEntrant[]> {
  const versions = await prisma.agentVersion.findMany({
    where: { id: { in: [...versionIds] } },
    include: { agent: true },
  });
  const byId = new Map(versions.map((v) => [v.id, v]));
  return Promise.all(
    versionIds.map((id) => {
      const v = byId.get(id);
      if (!v) throw new UnplayableVersionError(id, "no such version");
      return duplicatePlayer(v);
    }),
  );
}
