// A whole match as replays: one episode replay per kickoff (each ends at a goal, the last one at
// the final whistle), because a replay covers exactly one episode from its state after reset.
// Bytes, little-endian: magic "LGCM" | u16 container version (1) | u32 episode count |
// per episode: u32 byte length, then the episode's replay bytes (see replay-format.ts).

import { type ReplayCheck, verifyReplay } from "./replay.js";
import { decodeReplay, encodeReplay, type Replay, ReplayError } from "./replay-format.js";

export const MATCH_REPLAY_MAGIC = "LGCM";
export const MATCH_REPLAY_VERSION = 1;

export function encodeMatchReplay(episodes: readonly Replay[]): Uint8Array<ArrayBuffer> {
  const parts = episodes.map(encodeReplay);
  const bytes = new Uint8Array(4 + 2 + 4 + parts.reduce((n, p) => n + 4 + p.length, 0));
  const v = new DataView(bytes.buffer);
  for (let i = 0; i < 4; i++) bytes[i] = MATCH_REPLAY_MAGIC.charCodeAt(i);
  v.setUint16(4, MATCH_REPLAY_VERSION, true);
  v.setUint32(6, parts.length, true);
  let at = 10;
  for (const p of parts) {
    v.setUint32(at, p.length, true);
    bytes.set(p, at + 4);
    at += 4 + p.length;
  }
  return bytes;
}

/** Throws ReplayError for a wrong magic or version, truncated or trailing bytes, or a bad episode. */
export function decodeMatchReplay(bytes: Uint8Array): Replay[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 10)
    throw new ReplayError(`match replay truncated: ${bytes.length} bytes, header needs 10`);
  const magic = String.fromCharCode(bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!);
  if (magic !== MATCH_REPLAY_MAGIC)
    throw new ReplayError(
      `not a car-soccer match replay: magic is ${JSON.stringify(magic)}, expected "${MATCH_REPLAY_MAGIC}"`,
    );
  const version = v.getUint16(4, true);
  if (version !== MATCH_REPLAY_VERSION)
    throw new ReplayError(
      `match replay version ${version} is not supported; this build reads version ${MATCH_REPLAY_VERSION}`,
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
  if (at !== bytes.length)
    throw new ReplayError(`bad match replay length: ${bytes.length - at} unexpected bytes at offset ${at}`);
  return episodes;
}

/** Verifies every episode; `ok` only when all re-simulate to their stored hashes. */
export function verifyMatchReplay(episodes: readonly Replay[]): { ok: boolean; episodes: ReplayCheck[] } {
  const checks = episodes.map(verifyReplay);
  return { ok: checks.every((c) => c.ok), episodes: checks };
}
