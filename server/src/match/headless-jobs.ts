// Headless matches as plain data in, plain data out, so that the same function plays them on the
// main thread or in a worker thread (headless-worker.ts): the job carries the seats' stored
// versions (manifest and model bytes, or a built-in bot's name in the manifest) and the seed; the
// result carries what storing needs (score, goals, per-seat counts, the encoded replay). Nothing
// here touches the database or the event loop of the server.
import { type DuplicateChoices, DuplicateMatch, type DuplicateResult } from "@league/agents";
import { getEnvSpec } from "@league/envs";
import { CarSoccerMatch } from "./car-soccer-match.js";
import { playToEnd } from "./headless.js";
import { carSoccerController, duplicatePlayer, type StoredVersion } from "./players.js";
import { builtScript, WorkerPool } from "./worker-pool.js";

/** A stored version as plain, structured-cloneable data. */
export type VersionData = StoredVersion;

/** Only what a player is built from: a database row carries more than a thread needs copied. */
export function versionData(v: StoredVersion): VersionData {
  return {
    id: v.id,
    version: v.version,
    envId: v.envId,
    manifest: v.manifest,
    artifact: v.artifact,
    agent: { name: v.agent.name },
  };
}

export interface CarSoccerJob {
  kind: "car-soccer";
  specId: string;
  /** The engine's seed (a float64 integer); car k's bot is seeded with seed + k. */
  seed: number;
  durationSeconds: number;
  /** One per car, blue first. */
  seats: VersionData[];
}

export interface DuplicateJob {
  kind: "duplicate";
  envId: string;
  seeds: number[];
  /** One per seat. */
  seats: VersionData[];
}

export type HeadlessJob = CarSoccerJob | DuplicateJob;

/** A car-soccer match played to its final whistle, as storing needs it. */
export interface PlayedCarSoccer {
  kind: "car-soccer";
  score: { blue: number; orange: number };
  goals: { team: "blue" | "orange"; second: number }[];
  durationSeconds: number;
  episodes: number;
  teamSize: number;
  /** Per car: its controller's name and the decisions on which it threw. */
  controllers: string[];
  controllerErrors: number[];
  /** The match replay container (encodeMatchReplay). */
  replay: Uint8Array<ArrayBuffer>;
}

export interface PlayedDuplicate {
  kind: "duplicate";
  outcome: DuplicateResult;
  /** Every seat's choices: storing recomputes the outcome from them and keeps them as the replay. */
  choices: DuplicateChoices;
}

export type HeadlessResult = PlayedCarSoccer | PlayedDuplicate;

/** What storing needs of a finished CarSoccerMatch (played here or in a live room). */
export function summarizeCarSoccer(match: CarSoccerMatch, controllers: readonly string[]): PlayedCarSoccer {
  return {
    kind: "car-soccer",
    score: match.score,
    goals: match.goals.map((g) => ({ ...g })),
    durationSeconds: match.durationSeconds,
    episodes: match.replays.length,
    teamSize: match.teamSize,
    controllers: [...controllers],
    controllerErrors: [...match.controllerErrors],
    replay: match.encodeReplay(),
  };
}

/**
 * Plays a headless car-soccer match: no pauses (frozen time only a spectator would notice), and a
 * controller that throws (a model over its inference budget included) fails the match.
 */
export async function playCarSoccerJob(job: CarSoccerJob): Promise<PlayedCarSoccer> {
  const spec = getEnvSpec(job.specId);
  const controllers = [];
  for (let car = 0; car < job.seats.length; car++)
    controllers.push(await carSoccerController(job.seats[car]!, job.seed + car));
  const match = new CarSoccerMatch({
    spec,
    seed: job.seed,
    controllers,
    durationSeconds: job.durationSeconds,
    goalPauseSeconds: 0,
    kickoffPauseSeconds: 0,
    failOnControllerError: true,
  });
  await playToEnd(match);
  return summarizeCarSoccer(
    match,
    controllers.map((c) => c.name),
  );
}

export async function playDuplicateJob(job: DuplicateJob): Promise<PlayedDuplicate> {
  const policies = [];
  for (const seat of job.seats) policies.push(await duplicatePlayer(seat));
  const match = new DuplicateMatch({ env: job.envId, policies, seeds: job.seeds }).playToEnd();
  return { kind: "duplicate", outcome: match.result(), choices: match.choices() };
}

export function playHeadlessJob(job: HeadlessJob): Promise<HeadlessResult> {
  return job.kind === "car-soccer" ? playCarSoccerJob(job) : playDuplicateJob(job);
}

/** A pool of worker threads playing headless jobs. */
export type HeadlessPool = WorkerPool<HeadlessJob, HeadlessResult>;

/** The headless-match pool: `size` threads (default: cores − 1, at least 1). */
export function createHeadlessPool(options: { size?: number } = {}): HeadlessPool {
  return new WorkerPool<HeadlessJob, HeadlessResult>(
    builtScript("headless-worker.js", import.meta.url),
    options,
  );
}

/** Plays a job in the pool, or on this thread when there is none. */
export function playHeadless(
  pool: HeadlessPool | null | undefined,
  job: HeadlessJob,
): Promise<HeadlessResult> {
  return pool ? pool.run(job) : playHeadlessJob(job);
}
