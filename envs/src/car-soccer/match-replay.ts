// A whole match as replays: one episode replay per kickoff (each ends at a goal, the last one at
// the final whistle), because a replay covers exactly one episode from its state after reset.
// Bytes, little-endian: magic "LGCM" | u16 container version | u32 episode count |
// per episode: u32 byte length, then the episode's replay bytes (see replay-format.ts) |
// version 2 only: u32 byte length, then UTF-8 JSON metadata (MatchReplayMetadata: who played, the
// recorded score and goals). Version 1 is version 2 without the metadata; both are read.

import { TICK_RATE } from "./constants.js";
import { type ReplayCheck, ReplayVerifier, verifyReplay } from "./replay.js";
import { decodeReplay, encodeReplay, type Replay, ReplayError } from "./replay-format.js";

export const MATCH_REPLAY_MAGIC = "LGCM";
/** The version written with metadata; `encodeMatchReplay` without metadata writes version 1. */
export const MATCH_REPLAY_VERSION = 2;

/** What a downloaded match replay says about itself; everything but `players` is checkable by re-simulation. */
export interface MatchReplayMetadata {
  matchId?: string;
  leagueId?: string;
  envId?: string;
  /** The match seed: episode k started from stream k. */
  seed?: number;
  finishedAt?: string;
  players: { slot: number; team: "blue" | "orange"; name: string; versionId?: string }[];
  /** The result the league stored, for `league replay verify` to compare with the re-simulation. */
  recorded?: {
    score: { blue: number; orange: number };
    goals: { team: "blue" | "orange"; second: number }[];
  };
  [key: string]: unknown;
}

export function encodeMatchReplay(
  episodes: readonly Replay[],
  metadata?: MatchReplayMetadata,
): Uint8Array<ArrayBuffer> {
  const parts = episodes.map(encodeReplay);
  const meta = metadata ? new TextEncoder().encode(JSON.stringify(metadata)) : null;
  const bytes = new Uint8Array(
    4 + 2 + 4 + parts.reduce((n, p) => n + 4 + p.length, 0) + (meta ? 4 + meta.length : 0),
  );
  const v = new DataView(bytes.buffer);
  for (let i = 0; i < 4; i++) bytes[i] = MATCH_REPLAY_MAGIC.charCodeAt(i);
  v.setUint16(4, meta ? 2 : 1, true);
  v.setUint32(6, parts.length, true);
  let at = 10;
  for (const p of parts) {
    v.setUint32(at, p.length, true);
    bytes.set(p, at + 4);
    at += 4 + p.length;
  }
  if (meta) {
    v.setUint32(at, meta.length, true);
    bytes.set(meta, at + 4);
  }
  return bytes;
}

/** Throws ReplayError for a wrong magic or version, truncated or trailing bytes, or a bad episode. */
export function decodeMatchReplay(bytes: Uint8Array): Replay[] {
  return decodeMatchReplayFile(bytes).episodes;
}

/** The episodes and, for a version 2 file, its metadata (null for version 1). */
export function decodeMatchReplayFile(bytes: Uint8Array): {
  version: number;
  episodes: Replay[];
  metadata: MatchReplayMetadata | null;
} {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 10)
    throw new ReplayError(`match replay truncated: ${bytes.length} bytes, header needs 10`);
  const magic = String.fromCharCode(bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!);
  if (magic !== MATCH_REPLAY_MAGIC)
    throw new ReplayError(
      `not a car-soccer match replay: magic is ${JSON.stringify(magic)}, expected "${MATCH_REPLAY_MAGIC}"`,
    );
  const version = v.getUint16(4, true);
  if (version !== 1 && version !== 2)
    throw new ReplayError(
      `match replay version ${version} is not supported; this build reads versions 1 and 2`,
    );
  const count = v.getUint32(6, true);
  const episodes: Replay[] = [];
  let at = 10;
  for (let i = 0; i < count; i++) {
    if (at + 4 > bytes.length) throw new ReplayError(`match replay truncated before episode ${i}`);
    const length = v.getUint32(at, true);
    if (at + 4 + length > bytes.length)
      throw new ReplayError(`match replay truncated: episode ${i} needs ${length} bytes at offset ${at + 4}`);
    try {
      episodes.push(decodeReplay(bytes.subarray(at + 4, at + 4 + length)));
    } catch (e) {
      throw new ReplayError(`episode ${i}: ${(e as Error).message}`);
    }
    at += 4 + length;
  }
  let metadata: MatchReplayMetadata | null = null;
  if (version === 2) {
    if (at + 4 > bytes.length) throw new ReplayError("match replay truncated before its metadata");
    const length = v.getUint32(at, true);
    if (at + 4 + length > bytes.length)
      throw new ReplayError(`match replay truncated: metadata needs ${length} bytes at offset ${at + 4}`);
    try {
      metadata = JSON.parse(
        new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(at + 4, at + 4 + length)),
      );
    } catch (e) {
      throw new ReplayError(`match replay metadata is not UTF-8 JSON: ${(e as Error).message}`);
    }
    if (typeof metadata !== "object" || metadata === null || !Array.isArray(metadata.players))
      throw new ReplayError("match replay metadata must be an object with a players list");
    at += 4 + length;
  }
  if (at !== bytes.length)
    throw new ReplayError(`bad match replay length: ${bytes.length - at} unexpected bytes at offset ${at}`);
  return { version, episodes, metadata };
}

/** Verifies every episode; `ok` only when all re-simulate to their stored hashes. */
export function verifyMatchReplay(episodes: readonly Replay[]): { ok: boolean; episodes: ReplayCheck[] } {
  const checks = episodes.map(verifyReplay);
  return { ok: checks.every((c) => c.ok), episodes: checks };
}

/** What re-simulating a match's episodes shows: every hash checked, and the score and goals they reproduce. */
export interface MatchReplaySummary {
  ok: boolean;
  episodes: ReplayCheck[];
  /** Seconds of play (kickoff and goal pauses are not in a replay). */
  durationSeconds: number;
  score: { blue: number; orange: number };
  /** Each goal with the seconds of play before it, as the match counts them. */
  goals: { team: "blue" | "orange"; second: number; episode: number }[];
  /** The first episode that did not reproduce, and where: seconds of play into the match. */
  firstMismatch: { episode: number; tick: number; second: number; hashIndex: number } | null;
}

export function summarizeMatchReplay(episodes: readonly Replay[]): MatchReplaySummary {
  const checks: ReplayCheck[] = [];
  const score = { blue: 0, orange: 0 };
  const goals: MatchReplaySummary["goals"] = [];
  let firstMismatch: MatchReplaySummary["firstMismatch"] = null;
  let ticksBefore = 0;
  for (const [e, r] of episodes.entries()) {
    const check = new ReplayVerifier(r).advance();
    const { done: _done, verifiedTick: _verified, ...plain } = check;
    checks.push(plain);
    if (!check.ok && !firstMismatch && check.mismatch)
      firstMismatch = {
        episode: e,
        tick: check.mismatch.tick,
        second: (ticksBefore + check.mismatch.tick) / TICK_RATE,
        hashIndex: check.mismatch.index,
      };
    if (check.goal !== 0) {
      const team = check.goal > 0 ? "blue" : "orange";
      score[team]++;
      goals.push({ team, second: (ticksBefore + check.ticks) / TICK_RATE, episode: e });
    }
    ticksBefore += r.numSteps * r.tickSkip;
  }
  return {
    ok: checks.every((c) => c.ok),
    episodes: checks,
    durationSeconds: ticksBefore / TICK_RATE,
    score,
    goals,
    firstMismatch,
  };
}

/**
 * Compares a summary with a recorded result: the same score, and the same goals in order with times
 * within one decision step. The reasons it differs, empty when it agrees.
 */
export function compareWithRecorded(
  summary: MatchReplaySummary,
  recorded: NonNullable<MatchReplayMetadata["recorded"]>,
  tolerance = 0.1,
): string[] {
  const out: string[] = [];
  const { blue, orange } = summary.score;
  if (blue !== recorded.score.blue || orange !== recorded.score.orange)
    out.push(
      `the replay scores ${blue}–${orange}; the recorded result is ${recorded.score.blue}–${recorded.score.orange}`,
    );
  if (summary.goals.length !== recorded.goals.length)
    out.push(`the replay has ${summary.goals.length} goals; the recorded result ${recorded.goals.length}`);
  else
    for (const [i, g] of summary.goals.entries()) {
      const r = recorded.goals[i]!;
      if (g.team !== r.team || Math.abs(g.second - r.second) > tolerance)
        out.push(
          `goal ${i + 1}: the replay has ${g.team} at ${g.second.toFixed(2)} s, the recorded result ${r.team} at ${r.second.toFixed(2)} s`,
        );
    }
  return out;
}
