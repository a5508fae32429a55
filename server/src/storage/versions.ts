// A new version of an agent: numbered one past its last. Uploads (routes), the built-in bots and
// the shipped trained agents all create versions this way, inside the caller's transaction or
// per-owner lock, so two creations never pick the same number.
import type { Prisma, PrismaClient } from "@league/db";

export async function createNextVersion(
  db: PrismaClient | Prisma.TransactionClient,
  agentId: string,
  data: Omit<Prisma.AgentVersionUncheckedCreateInput, "agentId" | "version">,
) {
  const last = await db.agentVersion.findFirst({
    where: { agentId },
    orderBy: { version: "desc" },
    select: { version: true },
  });
  return db.agentVersion.create({
    data: { ...data, agentId, version: (last?.version ?? 0) + 1 },
  });
}
