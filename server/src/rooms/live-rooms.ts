// The live rooms as the league's live scheduler sees them: main.ts hands these functions to
// LiveScheduler, so that the league never imports rooms or Colyseus.
import { matchMaker } from "@colyseus/core";
import { type LiveDuplicateInput, startLiveDuplicateMatch } from "./duplicate-live.js";
import { type LiveMatchInput, type RoomDeps, startLiveMatch } from "./live.js";

/**
 * The scheduler's LiveRooms (league/live-scheduler.ts, matched structurally: rooms import nothing
 * of the league) over this process's Colyseus matchmaker, after `attachRooms`.
 */
export function liveRooms(deps: RoomDeps) {
  return {
    async hostedMatchIds() {
      // Scaled out, drops the rooms of processes that stopped answering before listing.
      await matchMaker.healthCheckAllProcesses();
      const rooms = await matchMaker.query({});
      return new Set(
        rooms
          .map((r) => (r.metadata as { matchId?: string } | undefined)?.matchId)
          .filter((id): id is string => id !== undefined),
      );
    },
    startCarSoccer: (input: LiveMatchInput) => startLiveMatch(deps, input),
    startDuplicate: (input: LiveDuplicateInput) => startLiveDuplicateMatch(deps, input),
  };
}
