// The cap on active versions per agent (ACTIVE_VERSIONS_PER_AGENT). An agent's newest `cap`
// versions that are pending, validating or active play at full rate; older active ones become
// `reserve`: they stay on the ladder and keep their ratings, but the scheduler draws them less
// often (RESERVE_PRIORITY_FACTOR). Applied when a version is submitted and when one is validated,
// so that a newer version that fails validation gives its slot back to the newest reserve one.
import type { Prisma, PrismaClient } from "@league/db";

type Client = PrismaClient | Prisma.TransactionClient;

export interface VersionCapChange {
  /** Active versions moved to reserve. */
  reserved: string[];
  /** Reserve versions back within the cap, active again. */
  restored: string[];
}

export async function applyVersionCap(db: Client, agentId: string, cap: number): Promise<VersionCapChange> {
  const versions = await db.agentVersion.findMany({
    where: { agentId, status: { in: ["pending", "validating", "active", "reserve"] } },
    orderBy: { version: "desc" },
    select: { id: true, status: true },
  });
  // The newest `cap` of these hold the slots, whatever their status.
  const change: VersionCapChange = { reserved: [], restored: [] };
  let slots = cap;
  for (const v of versions) {
    if (slots > 0) {
      slots--;
      if (v.status === "reserve") change.restored.push(v.id);
    } else if (v.status === "active") change.reserved.push(v.id);
  }
  // A version not yet validated beyond the cap stays pending: validation applies the cap again.
  if (change.reserved.length)
    await db.agentVersion.updateMany({
      where: { id: { in: change.reserved }, status: "active" },
      data: { status: "reserve" },
    });
  if (change.restored.length)
    await db.agentVersion.updateMany({
      where: { id: { in: change.restored }, status: "reserve" },
      data: { status: "active" },
    });
  return change;
}
