// Replay bytes. Little-endian throughout:
//   magic "LGCS" | u16 format version | u16 spec version | u8 spec id length, spec id (ASCII)
//   f64 seed | u8 team size | u16 tickSkip | u32 steps
//   u32 snapshot length, snapshot bytes (the arena's state after reset: ball, cars, arena, controls, rng)
//   steps × cars × 8 f32: the parsed controls of every car at every decision step
//   u32 hash count, u32 hashes (FNV-1a of the state after each step that crossed a multiple of 120 ticks)
//   u32 hash of the final state

export const REPLAY_MAGIC = "LGCS";
export const REPLAY_FORMAT_VERSION = 1;

export class ReplayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReplayError";
  }
}

export interface Replay {
  formatVersion: number;
  specId: string;
  specVersion: number;
  seed: number;
  teamSize: number;
  tickSkip: number;
  numSteps: number;
  /** Arena state after the reset (CarSoccerState.snapshotArena), so any state setter replays. */
  initialState: Uint8Array;
  /** numSteps × numCars × 8 parsed controls. */
  controls: Float32Array;
  /** State hash after each step that crossed a multiple of 120 ticks. */
  hashes: Uint32Array;
  finalHash: number;
}

export function encodeReplay(r: Replay): Uint8Array {
  if (!/^[\x20-\x7e]{1,255}$/.test(r.specId))
    throw new ReplayError(`spec id must be 1-255 ASCII characters: "${r.specId}"`);
  const numCars = r.teamSize * 2;
  if (r.controls.length !== r.numSteps * numCars * 8)
    throw new ReplayError(`controls hold ${r.controls.length} numbers, expected ${r.numSteps * numCars * 8}`);
  const size =
    4 +
    2 +
    2 +
    1 +
    r.specId.length +
    8 +
    1 +
    2 +
    4 +
    4 +
    r.initialState.length +
    r.controls.length * 4 +
    4 +
    r.hashes.length * 4 +
    4;
  const bytes = new Uint8Array(size);
  const v = new DataView(bytes.buffer);
  let at = 0;
  for (let i = 0; i < 4; i++) bytes[at++] = REPLAY_MAGIC.charCodeAt(i);
  v.setUint16(at, r.formatVersion, true);
  at += 2;
  v.setUint16(at, r.specVersion, true);
  at += 2;
  bytes[at++] = r.specId.length;
  for (let i = 0; i < r.specId.length; i++) bytes[at++] = r.specId.charCodeAt(i);
  v.setFloat64(at, r.seed, true);
  at += 8;
  bytes[at++] = r.teamSize;
  v.setUint16(at, r.tickSkip, true);
  at += 2;
  v.setUint32(at, r.numSteps, true);
  at += 4;
  v.setUint32(at, r.initialState.length, true);
  at += 4;
  bytes.set(r.initialState, at);
  at += r.initialState.length;
  for (let i = 0; i < r.controls.length; i++, at += 4) v.setFloat32(at, r.controls[i]!, true);
  v.setUint32(at, r.hashes.length, true);
  at += 4;
  for (let i = 0; i < r.hashes.length; i++, at += 4) v.setUint32(at, r.hashes[i]!, true);
  v.setUint32(at, r.finalHash >>> 0, true);
  return bytes;
}

/**
 * Reads replay bytes. Throws ReplayError for a wrong magic, an unknown format version, truncated
 * bytes or trailing bytes. Checking the spec and the hashes is `verifyReplay`'s job.
 */
export function decodeReplay(bytes: Uint8Array): Replay {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const need = (n: number, what: string) => {
    if (at + n > bytes.length)
      throw new ReplayError(
        `replay truncated: ${what} needs ${n} bytes at offset ${at}, only ${bytes.length - at} left (${bytes.length} bytes in all)`,
      );
  };
  need(4, "the magic");
  const magic = String.fromCharCode(bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!);
  if (magic !== REPLAY_MAGIC)
    throw new ReplayError(
      `not a car-soccer replay: magic is ${JSON.stringify(magic)}, expected "${REPLAY_MAGIC}"`,
    );
  at = 4;
  need(4, "the versions");
  const formatVersion = v.getUint16(at, true);
  if (formatVersion !== REPLAY_FORMAT_VERSION)
    throw new ReplayError(
      `replay format version ${formatVersion} is not supported; this build reads version ${REPLAY_FORMAT_VERSION}`,
    );
  const specVersion = v.getUint16(at + 2, true);
  at += 4;
  need(1, "the spec id length");
  const idLength = bytes[at++]!;
  need(idLength, "the spec id");
  let specId = "";
  for (let i = 0; i < idLength; i++) specId += String.fromCharCode(bytes[at++]!);
  need(8 + 1 + 2 + 4 + 4, "the header");
  const seed = v.getFloat64(at, true);
  at += 8;
  const teamSize = bytes[at++]!;
  const tickSkip = v.getUint16(at, true);
  at += 2;
  const numSteps = v.getUint32(at, true);
  at += 4;
  const snapshotLength = v.getUint32(at, true);
  at += 4;
  if (!(teamSize >= 1 && teamSize <= 3)) throw new ReplayError(`bad team size ${teamSize} in replay header`);
  if (tickSkip < 1) throw new ReplayError("bad tickSkip 0 in replay header");
  need(snapshotLength, "the initial state");
  const initialState = bytes.slice(at, at + snapshotLength);
  at += snapshotLength;
  const numControls = numSteps * teamSize * 2 * 8;
  need(numControls * 4, `the controls of ${numSteps} steps`);
  const controls = new Float32Array(numControls);
  for (let i = 0; i < numControls; i++, at += 4) controls[i] = v.getFloat32(at, true);
  need(4, "the hash count");
  const numHashes = v.getUint32(at, true);
  at += 4;
  need(numHashes * 4 + 4, `${numHashes} state hashes and the final hash`);
  const hashes = new Uint32Array(numHashes);
  for (let i = 0; i < numHashes; i++, at += 4) hashes[i] = v.getUint32(at, true);
  const finalHash = v.getUint32(at, true);
  at += 4;
  if (at !== bytes.length)
    throw new ReplayError(
      `bad replay length: ${bytes.length - at} unexpected bytes after the end at offset ${at}`,
    );
  return {
    formatVersion,
    specId,
    specVersion,
    seed,
    teamSize,
    tickSkip,
    numSteps,
    initialState,
    controls,
    hashes,
    finalHash,
  };
}
