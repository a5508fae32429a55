// A new version of an owner's agent, as the routes that register versions store it (model
// submissions and remote agents): the agent is created with its first version, and a name the
// owner already uses for an agent of another kind is refused.
import type { Agent, AgentKind, AgentVersion, Prisma } from "@league/db";
import { ApiError } from "../errors.js";
import type { PlatformEvents } from "../feed.js";

export interface StoredVersion {
  agent: Agent;
  version: AgentVersion;
}

/**
 * Inside `tx`: the owner's agent `name` (created as `kind` if new; 409 `agent_kind_mismatch` when it
 * is of another kind) and its next version, numbered after its latest, made from `data`.
 */
export async function createNextVersion(
  tx: Prisma.TransactionClient,
  ownerId: string,
  agent: { name: string; kind: AgentKind; description?: string },
  data: Omit<Prisma.AgentVersionUncheckedCreateInput, "agentId" | "version">,
): Promise<StoredVersion> {
  const stored = await tx.agent.upsert({
    where: { ownerId_name: { ownerId, name: agent.name } },
    create: { ownerId, name: agent.name, kind: agent.kind, description: agent.description },
    update: {},
  });
  if (stored.kind !== agent.kind)
    throw new ApiError(
      409,
      "agent_kind_mismatch",
      `agent "${stored.name}" is ${stored.kind}, not a ${agent.kind} agent`,
    );
  const last = await tx.agentVersion.findFirst({
    where: { agentId: stored.id },
    orderBy: { version: "desc" },
    select: { version: true },
  });
  const version = await tx.agentVersion.create({
    data: { ...data, agentId: stored.id, version: (last?.version ?? 0) + 1 },
  });
  return { agent: stored, version };
}

/** Tells the feed about a stored version (`agent.submitted`). */
export function publishSubmitted(
  events: PlatformEvents | null,
  stored: StoredVersion,
  ownerName: string,
): void {
  events?.publish("agent.submitted", {
    agentId: stored.agent.id,
    versionId: stored.version.id,
    version: stored.version.version,
    agentName: stored.agent.name,
    ownerName,
    envId: stored.version.envId,
  });
}
