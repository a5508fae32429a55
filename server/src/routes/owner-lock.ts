// Writes that count an owner's rows and then add one (versions against SUBMISSIONS_PER_DAY, API
// keys against their cap, live matches against theirs) are serialised per owner. On PostgreSQL
// requests run truly at once, in this process and in others: 40 submissions at once used to store
// 37 versions against a quota of 20, and to collide on version numbers and agent names (500s).
// A transaction-scoped advisory lock on the owner makes count-then-insert atomic across processes;
// a unique-constraint conflict that still happens is retried, and answered 409 if it persists.
import { type Database, Prisma, type PrismaClient } from "@league/db";
import { ApiError } from "../errors.js";

/** Interactive transactions wait in line for the lock: generous bounds, so that a burst queues rather than fails. */
const TRANSACTION_OPTIONS = { maxWait: 30_000, timeout: 60_000 } as const;

const ATTEMPTS = 3;

/** Takes the owner's lock until the end of the transaction `tx` (keys: 21001, this project's namespace, and the owner's hash). */
export async function lockOwner(tx: Prisma.TransactionClient, ownerId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(21001, hashtext(${ownerId}::text))`;
}

/** A write that lost a race: a unique constraint (P2002) or a serialisation failure or deadlock (P2034). */
function isConflict(error: unknown): boolean {
  return (
    error instanceof Prisma.PrismaClientKnownRequestError &&
    (error.code === "P2002" || error.code === "P2034")
  );
}

/**
 * Runs `work` in a transaction that holds the owner's lock; retried on a conflict, which, if it
 * persists, is a 409 that names the constraint. An ApiError thrown by `work` rolls everything back.
 */
export async function inOwnerTransaction<T>(
  prisma: PrismaClient,
  ownerId: string,
  work: (tx: Prisma.TransactionClient) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await prisma.$transaction(async (tx) => {
        await lockOwner(tx, ownerId);
        return work(tx);
      }, TRANSACTION_OPTIONS);
    } catch (error) {
      if (!isConflict(error)) throw error;
      if (attempt < ATTEMPTS) continue;
      const target = (error as Prisma.PrismaClientKnownRequestError).meta?.target;
      throw new ApiError(
        409,
        "conflict",
        `another request changed the same rows at the same time${target ? ` (${String(target)})` : ""}; send it again`,
      );
    }
  }
}

const localQueues = new Map<string, Promise<unknown>>();

/**
 * Runs `work` while no other `whileOwnerLocked` of this owner runs, in any process: for work that
 * writes through the main client rather than a transaction (starting a live match). In this process
 * a queue per owner; on PostgreSQL also the advisory lock, held by a transaction that `work` itself
 * does not use. The local queue comes first, so that a burst holds one pooled connection, not many.
 */
export async function whileOwnerLocked<T>(db: Database, ownerId: string, work: () => Promise<T>): Promise<T> {
  const previous = localQueues.get(ownerId) ?? Promise.resolve();
  const run = previous
    .catch(() => {})
    .then(() =>
      // PGlite has one connection, which an open transaction would keep from `work`; it is one process.
      db.kind === "postgres"
        ? db.prisma.$transaction(async (tx) => {
            await lockOwner(tx, ownerId);
            return work();
          }, TRANSACTION_OPTIONS)
        : work(),
    );
  localQueues.set(ownerId, run);
  try {
    return await run;
  } finally {
    if (localQueues.get(ownerId) === run) localQueues.delete(ownerId);
  }
}
