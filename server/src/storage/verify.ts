// Checking a result before it is stored: a car-soccer replay must re-simulate to every stored
// hash and reproduce the score and goals the match recorded; a duplicate match's returns must be
// recomputed from its seeds and the seats' recorded choices. A check that fails is recorded on the
// match (verified false, the reason in `error`), never silently stored. The re-simulation runs in
// a worker thread (verify-worker.ts) so that a 5-minute match's half second of physics does not
// hold the event loop of a server with live rooms.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type DuplicateChoices, type DuplicateResult, recomputeDuplicate } from "@league/agents";
import { compareWithRecorded, decodeMatchReplay, summarizeMatchReplay } from "@league/envs";
import { WorkerPool } from "../match/worker-pool.js";

/** What storing writes: Match.verified, Match.verification, and the reason for Match.error. */
export interface StoredCheck {
  verified: boolean;
  verification: Record<string, unknown>;
  error: string | null;
}

export interface CarSoccerCheckJob {
  kind: "car-soccer";
  replay: Uint8Array;
  recorded: { score: { blue: number; orange: number }; goals: { team: "blue" | "orange"; second: number }[] };
}

export interface DuplicateCheckJob {
  kind: "duplicate";
  outcome: DuplicateResult;
  choices: DuplicateChoices;
}

export type CheckJob = CarSoccerCheckJob | DuplicateCheckJob;

/** Re-simulates a car-soccer match replay and compares it with the recorded score and goals. */
export function checkCarSoccerReplay(job: CarSoccerCheckJob): StoredCheck {
  let summary: ReturnType<typeof summarizeMatchReplay>;
  try {
    summary = summarizeMatchReplay(decodeMatchReplay(job.replay));
  } catch (error) {
    const reason = `replay unreadable: ${(error as Error).message}`;
    return { verified: false, verification: { kind: "car-soccer-replay", ok: false, reason }, error: reason };
  }
  const differences = compareWithRecorded(summary, job.recorded);
  const m = summary.firstMismatch;
  const reasons = [
    ...(m
      ? [
          `replay does not reproduce its hashes: episode ${m.episode + 1}, ${m.hashIndex === -1 ? "final hash" : `hash ${m.hashIndex + 1}`} at ${m.second.toFixed(2)} s of play (tick ${m.tick} of the episode)`,
        ]
      : []),
    ...(m ? [] : differences),
  ];
  const verified = reasons.length === 0;
  return {
    verified,
    verification: {
      kind: "car-soccer-replay",
      ok: verified,
      episodes: summary.episodes.length,
      hashesChecked: summary.episodes.reduce((n, c) => n + c.hashesChecked, 0),
      durationSeconds: summary.durationSeconds,
      replayedScore: summary.score,
      replayedGoals: summary.goals.map(({ team, second }) => ({ team, second })),
      firstMismatch: m,
      resultDifferences: differences,
    },
    error: verified ? null : reasons.join("; "),
  };
}

/** Replays each seat's recorded choices on its seeded instances and compares returns and regrets. */
export function checkDuplicateResult(job: DuplicateCheckJob): StoredCheck {
  let recomputed: ReturnType<typeof recomputeDuplicate>;
  try {
    recomputed = recomputeDuplicate(job.choices);
  } catch (error) {
    const reason = `recorded choices unusable: ${(error as Error).message}`;
    return {
      verified: false,
      verification: { kind: "duplicate-recompute", ok: false, reason },
      error: reason,
    };
  }
  const differences: string[] = [];
  const { outcome } = job;
  if (recomputed.length !== outcome.entries.length)
    differences.push(`${recomputed.length} seats recomputed, ${outcome.entries.length} recorded`);
  for (const [slot, entry] of outcome.entries.entries()) {
    const again = recomputed[slot];
    if (!again) continue;
    for (const [i, seed] of outcome.seeds.entries()) {
      const close = (a: number | undefined, b: number) =>
        a !== undefined && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
      if (!close(again.returns[i], entry.returns[i]!) || !close(again.regrets[i], entry.regrets[i]!))
        differences.push(
          `seat ${slot} (${entry.name}), seed ${seed}: recomputed return ${again.returns[i]} and regret ${again.regrets[i]}, recorded ${entry.returns[i]} and ${entry.regrets[i]}`,
        );
    }
  }
  const verified = differences.length === 0;
  return {
    verified,
    verification: {
      kind: "duplicate-recompute",
      ok: verified,
      seats: recomputed.length,
      seeds: outcome.seeds.length,
      steps: recomputed.reduce((n, r) => n + r.steps, 0),
      differences: differences.slice(0, 20),
    },
    error: verified
      ? null
      : `result not reproduced from the recorded choices: ${differences.slice(0, 3).join("; ")}`,
  };
}

export function runCheck(job: CheckJob): StoredCheck {
  return job.kind === "car-soccer" ? checkCarSoccerReplay(job) : checkDuplicateResult(job);
}

let pool: WorkerPool<CheckJob, StoredCheck> | null | undefined;

/** The verify-worker script beside this module, or the built one when running from the sources. */
function workerScript(): URL | null {
  for (const url of [
    new URL("./verify-worker.js", import.meta.url),
    new URL("../../dist/storage/verify-worker.js", import.meta.url),
  ])
    if (existsSync(fileURLToPath(url))) return url;
  return null;
}

/** Runs a check in a worker thread (one, created on first use; it does not keep the process alive). */
export async function checkBeforeStoring(job: CheckJob): Promise<StoredCheck> {
  if (pool === undefined) {
    const script = workerScript();
    pool = script ? new WorkerPool<CheckJob, StoredCheck>(script, { size: 1 }) : null;
  }
  // Without a built worker script (sources only, no dist), the check runs here rather than not at all.
  return pool ? pool.run(job) : runCheck(job);
}
