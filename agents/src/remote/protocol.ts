// The remote-play protocol: the messages a live car-soccer room and a remote player exchange over
// the room's WebSocket (Colyseus messages by type). The server's room and every client — the
// TypeScript one here, Python's in clients/python — speak exactly these; server/README.md
// ("Remote agents") describes the exchange.
import type { Space } from "@league/envs";

/** The message types, by direction. */
export const REMOTE_MESSAGES = {
  /** Room → player, once on joining (and again after a reconnection): SeatMessage. */
  seat: "seat",
  /** Room → player, every decision: ObservationMessage. */
  observation: "observation",
  /** Player → room, the answer to an observation: ActionMessage. */
  action: "action",
  /** Room → player, an answer it could not use: ActionRefusedMessage. */
  actionRefused: "action.refused",
  /** Room → everyone, once the match is stored or aborted: MatchEndedMessage. */
  matchEnded: "match.ended",
} as const;

/** What the room tells a remote player on joining: its seat and how to read and answer. */
export interface SeatMessage {
  seat: number;
  /** 0 blue (attacks +y), 1 orange; observations are always from the player's own side. */
  team: 0 | 1;
  matchId: string;
  /** Real milliseconds between decisions: an answer must arrive before the next one. */
  deadlineMs: number;
  /** Seconds the player may be away (before first joining, or after dropping) before its team forfeits. */
  graceSeconds: number;
  observationBuilder: string;
  observationSize: number;
  actionParser: string;
  /** Numbers in an answer's `action`. */
  actionSize: number;
  actionSpace: Space;
}

/** What the room sends a remote player each decision. */
export interface ObservationMessage {
  /** Decision number in the match, from 1; answer with the same number. */
  step: number;
  /** Physics tick of the episode (120 per second). */
  tick: number;
  /** Milliseconds of real time until the next decision, when this answer is due. */
  deadlineMs: number;
  /** The car's observation, from its own team's point of view (the version's builder). */
  observation: number[];
}

/**
 * What a remote player answers. The answer to observation k drives the car from decision k + 1;
 * a late, missing or malformed answer repeats the last action, and is counted.
 */
export interface ActionMessage {
  step: number;
  /** The raw action for the version's parser (lookup: one index; continuous: 8 numbers in [-1, 1]). */
  action: number[];
}

/** An answer the room could not use, and why (the step is null when the message had none). */
export interface ActionRefusedMessage {
  step: number | null;
  reason: string;
}

/** How the match ended, once it is stored (finished) or aborted. */
export interface MatchEndedMessage {
  matchId: string;
  status: "finished" | "aborted";
  score: { blue: number; orange: number };
  /** The team that forfeited (0 blue, 1 orange) and why. */
  forfeit?: { team: 0 | 1; reason: string };
  error?: string;
}
