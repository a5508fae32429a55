// `league replay verify <file>` and `league replay show <file>`: check a downloaded car-soccer
// match replay (GET /api/v1/matches/:id/replay) without the server — every episode re-simulated
// to its stored hashes, and the score and goals it reproduces set against what the league recorded.
import { readFile } from "node:fs/promises";
import {
  compareWithRecorded,
  decodeMatchReplayFile,
  type MatchReplayMetadata,
  type MatchReplaySummary,
  type Replay,
  ReplayError,
  summarizeMatchReplay,
} from "@league/envs";
import { UsageError } from "./players.js";

export const REPLAY_HELP = `league replay verify <file>
league replay show <file>

<file> is a car-soccer match replay as the league serves it (GET /api/v1/matches/<id>/replay,
match-<id>.lgcm; envs/README.md, "The match replay file").
verify  re-simulates every episode with this build's physics and checks each stored state hash,
        then sets the score and goals it reproduces against the ones the file says the league
        recorded. Prints "verified" and exits 0, or names the first episode, hash and second of
        play that does not reproduce (or the score or goal that differs) and exits 1.
show    prints the players, the score and every goal with its time (seconds of play), as
        re-simulated, and whether the replay verified.`;

async function load(file: string | undefined): Promise<{
  episodes: Replay[];
  metadata: MatchReplayMetadata | null;
  version: number;
}> {
  if (!file) throw new UsageError("replay: give a replay file, e.g. league replay verify match.lgcm");
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (error) {
    throw new UsageError(
      `replay: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  try {
    return decodeMatchReplayFile(bytes);
  } catch (error) {
    if (error instanceof ReplayError)
      throw new Error(`${file} is not a readable match replay: ${error.message}`);
    throw error;
  }
}

const clock = (second: number) => `${Math.floor(second / 60)}:${(second % 60).toFixed(1).padStart(4, "0")}`;

function mismatchLine(summary: MatchReplaySummary): string | null {
  const m = summary.firstMismatch;
  if (!m) return null;
  const which = m.hashIndex === -1 ? "its final state hash" : `state hash ${m.hashIndex + 1}`;
  return `episode ${m.episode + 1} does not reproduce ${which}: at tick ${m.tick} of the episode, ${clock(m.second)} of play`;
}

export async function replayCommand(args: string[], _values: Record<string, unknown>): Promise<void> {
  const [sub, file, ...extra] = args;
  if (sub !== "verify" && sub !== "show")
    throw new UsageError(`replay: unknown subcommand "${sub ?? ""}"; try: league replay --help`);
  if (extra.length) throw new UsageError(`replay ${sub} takes one file, got also "${extra[0]}"`);
  const { episodes, metadata, version } = await load(file);
  let summary: MatchReplaySummary;
  try {
    summary = summarizeMatchReplay(episodes);
  } catch (error) {
    // A replay of another environment version, or a team size its spec does not have.
    if (error instanceof ReplayError) throw new Error(`${file}: ${error.message}`);
    throw error;
  }
  const differences = metadata?.recorded && summary.ok ? compareWithRecorded(summary, metadata.recorded) : [];
  const problem = mismatchLine(summary) ?? differences[0] ?? null;
  const hashes = summary.episodes.reduce((n, c) => n + c.hashesChecked, 0);

  if (sub === "show") {
    const name = (team: "blue" | "orange") =>
      metadata?.players
        .filter((p) => p.team === team)
        .map((p) => p.name)
        .join(" + ") || team;
    if (metadata?.matchId)
      console.log(`match ${metadata.matchId}${metadata.leagueId ? ` (${metadata.leagueId})` : ""}`);
    console.log(
      `${episodes[0]?.specId ?? "car soccer"}, ${clock(summary.durationSeconds)} of play, ${episodes.length} episodes`,
    );
    console.log(`blue: ${name("blue")}`);
    console.log(`orange: ${name("orange")}`);
    console.log(`score: blue ${summary.score.blue} – ${summary.score.orange} orange`);
    for (const [i, g] of summary.goals.entries())
      console.log(`goal ${i + 1}: ${clock(g.second)} ${g.team} (${name(g.team)})`);
    if (summary.goals.length === 0) console.log("no goals");
  }
  if (problem) {
    if (sub === "show") console.log(`NOT VERIFIED: ${problem}`);
    throw new Error(`${file} does not verify: ${problem}`);
  }
  console.log(
    `verified: ${episodes.length} episodes, ${hashes} state hashes re-simulated${metadata?.recorded ? ", score and goals as recorded" : version === 1 ? " (a version 1 file: no recorded result to compare)" : ""}`,
  );
}
