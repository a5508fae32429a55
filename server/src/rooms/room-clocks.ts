// The clocks of the live car-soccer rooms this process hosts: ticks run, late ticks and dropped
// ticks as the server counts them (match/tick-pacer.ts), for benchmarks and diagnostics. A
// spectator's 30 Hz patches cannot resolve 119 from 120 ticks a second; these counters can.
import type { TickStats } from "../match/tick-pacer.js";

export interface RoomClock extends TickStats {
  roomId: string;
  matchId: string;
  leagueId: string;
}

const clocks = new Map<string, { matchId: string; leagueId: string; stats: () => TickStats }>();

export function registerRoomClock(
  roomId: string,
  entry: { matchId: string; leagueId: string; stats: () => TickStats },
): void {
  clocks.set(roomId, entry);
}

export function unregisterRoomClock(roomId: string): void {
  clocks.delete(roomId);
}

/** Every live car-soccer room of this process, with its clock's counts so far. */
export function liveRoomClocks(): RoomClock[] {
  return [...clocks].map(([roomId, c]) => ({
    roomId,
    matchId: c.matchId,
    leagueId: c.leagueId,
    ...c.stats(),
  }));
}
