// A new version of an owner's agent, as the routes that register versions store it (model
// submissions and remote agents): the agent is created with its first version, and a name the
// owner already uses for an agent of another kind is refused. Every registration counts toward
// the owner's SUBMISSIONS_PER_DAY, checked under the owner's lock so that a burst cannot overrun it.
import type { Agent, AgentKind, AgentVersion, Prisma, PrismaClient } from "@league/db";
import { ApiError } from "../errors.js";
import type { PlatformEvents } from "../feed.js";
import { createNextVersion } from "../storage/versions.js";
import { inOwnerTransaction } from "./owner-lock.js";

/** The caller's own agent version with its agent: 404 when there is none, 403 when another owner's. */
export async function ownedVersion(
  prisma: PrismaClient,
  ownerId: string,
  versionId: string,
): Promise<AgentVersion & { agent: Agent }> {
  const version = await prisma.agentVersion.findUnique({
    where: { id: versionId },
    include: { agent: true },
  });
  if (!version) throw new ApiError(404, "not_found", `no agent version ${versionId}`);
  if (version.agent.ownerId !== ownerId)
    throw new ApiError(403, "not_yours", `version ${versionId} belongs to another owner`);
  return version;
}

export interface StoredVersion {
  agent: Agent;
  version: AgentVersion;
}

/**
 * Inside `tx`: the owner's agent `name` (created as `kind` if new; 409 `agent_kind_mismatch` when it
 * is of another kind) and its next version, numbered after its latest, made from `data`.
 */
export async function createAgentVersion(
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
  return { agent: stored, version: await createNextVersion(tx, stored.id, data) };
}

/** The 429 of an owner over SUBMISSIONS_PER_DAY, or nothing. */
export async function checkSubmissionQuota(
  db: PrismaClient | Prisma.TransactionClient,
  ownerId: string,
  perOwnerPerDay: number,
): Promise<void> {
  const since = new Date(Date.now() - 24 * 3600 * 1000);
  const recent = await db.agentVersion.count({
    where: { agent: { ownerId }, createdAt: { gte: since } },
  });
  if (recent >= perOwnerPerDay)
    throw new ApiError(
      429,
      "submission_quota",
      `at most ${perOwnerPerDay} new versions (submissions and remote agents) per owner per 24 hours; ${recent} in the last 24 hours`,
    );
}

export interface VersionRegistration<T> {
  ownerId: string;
  agent: { name: string; kind: AgentKind; description?: string };
  data: Omit<Prisma.AgentVersionUncheckedCreateInput, "agentId" | "version">;
  perOwnerPerDay: number;
  /** More writes in the same transaction (the cap of active versions). */
  also?: (tx: Prisma.TransactionClient, stored: StoredVersion) => Promise<unknown>;
  /**
   * The reply, built and checked inside the transaction: if it cannot be built (it fails the
   * route's response schema), nothing is stored, rather than a stored version answered with a 500.
   */
  reply: (stored: StoredVersion) => T;
}

/** Stores the owner's next version atomically under the owner's lock: quota, agent, number, reply. */
export async function registerVersion<T>(
  prisma: PrismaClient,
  registration: VersionRegistration<T>,
): Promise<{ stored: StoredVersion; reply: T }> {
  return inOwnerTransaction(prisma, registration.ownerId, async (tx) => {
    await checkSubmissionQuota(tx, registration.ownerId, registration.perOwnerPerDay);
    const stored = await createAgentVersion(tx, registration.ownerId, registration.agent, registration.data);
    await registration.also?.(tx, stored);
    return { stored, reply: registration.reply(stored) };
  });
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
