// What the live rooms (car soccer and duplicate) share: launches a room is created with, handed
// over by one-time key, the refusal of spectators' messages, and the way a room closes.
import type { Room } from "@colyseus/core";
import type { PrismaClient } from "@league/db";
import type { PlatformEvents } from "../feed.js";
import { abortMatch } from "../storage/matches.js";

/** Where a live room writes: passed by the server in the room's create options (see openLiveMatch). */
export interface RoomDeps {
  prisma: PrismaClient;
  events: PlatformEvents | null;
}

/** The deps in a room's create options; read after its launch, so only the server gets this far. */
export function roomDepsOf(options: { deps?: unknown } | undefined): RoomDeps {
  const deps = options?.deps as RoomDeps | undefined;
  if (!deps?.prisma) throw new Error("live rooms are created by the server with their database");
  return deps;
}

/** The error code a client gets for a message it may not send. */
export const SPECTATOR_ERROR = 4403;

/**
 * Pending launches by one-time key: a live room is only ever created by the server (which
 * registers the launch, then creates the room with `{ launchKey }`), never by a client.
 */
export class LaunchRegistry<L> {
  private readonly pending = new Map<string, L>();

  register(key: string, launch: L): void {
    this.pending.set(key, launch);
  }

  drop(key: string): void {
    this.pending.delete(key);
  }

  /** The launch of a room's `onCreate` options, used up; throws for any other options. */
  take(options: { launchKey?: unknown } | undefined): L {
    const launch = typeof options?.launchKey === "string" ? this.pending.get(options.launchKey) : undefined;
    if (!launch) throw new Error("live matches are started by the server, not by clients");
    this.pending.delete(options!.launchKey as string);
    return launch;
  }
}

/** Spectators watch; any message they send (of a type the room has no handler for) is refused. */
export function refuseSpectatorMessages(room: Room): void {
  room.onMessage("*", (client, type) => {
    client.error(
      SPECTATOR_ERROR,
      `spectators cannot send messages ("${String(type)}" ignored): this match is played by the server`,
    );
  });
}

/** A room disposed mid-match (the server shutting down) aborts its match, unrated; returns why. */
export async function abortOnShutdown(prisma: PrismaClient, matchId: string): Promise<string> {
  const message = "the server stopped during the live match";
  await abortMatch(prisma, matchId, message).catch(() => {});
  return message;
}

/**
 * The end of a match whose outcome is known: tells spectators, then the launcher, and closes the
 * room. The final state goes out before the "match.ended" message, so a spectator that hears the
 * match ended has already seen its last step (both travel in order on the same socket).
 */
export async function announceAndClose<O>(
  room: Room,
  launch: { onEnd?: (outcome: O) => void },
  outcome: O,
): Promise<void> {
  room.broadcastPatch();
  room.broadcast("match.ended", outcome);
  launch.onEnd?.(outcome);
  await room.disconnect();
}
