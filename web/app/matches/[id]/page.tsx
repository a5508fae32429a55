import type { Metadata } from "next";
import { headers } from "next/headers";
import Link from "next/link";
import { getLiveRoom, getMatch, publicApiUrl, publicServerPort } from "@/lib/api";
import { ago, fmt, load, ServerProblem } from "../../components/problem";
import { matchTitle } from "../../components/team-line";
import { versionLabel } from "../../components/version-label";
import { DuplicateCharts } from "./duplicate-charts";
import { DuplicateLiveView } from "./duplicate-live-view";
import { LiveView, ReplayPlayer } from "./field-views";
import { VerificationNote } from "./verification-note";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ id: string }> };

export const metadata: Metadata = { title: "Match" };

interface DuplicateEntry {
  slot: number;
  name: string;
  meanReturn: number;
  meanRegret: number;
  returns: number[];
  regrets: number[];
}

/** What a match played live stores beside the duplicate result: its curves, sampled along the way. */
interface DuplicateCurves {
  stepsPerSecond: number;
  episodeSteps?: number;
  steps: number[];
  seats: { totalReturn: number[]; totalRegret: number[]; counts: number[] }[];
}

const ordinal = (mu: number, sigma: number) => mu - 3 * sigma;

export default async function MatchPage({ params }: Props) {
  const { id } = await params;
  const result = await load(() => getMatch(id));
  if (result.problem !== null) return <ServerProblem problem={result.problem} />;
  const match = result.data;
  // Not live (any more) is not an error here: the page then shows the result.
  const live =
    match.status === "running" && match.live ? await getLiveRoom(match.id).catch(() => null) : null;
  const participants = [...match.participants].sort(
    (a, b) => (a.rank ?? 99) - (b.rank ?? 99) || a.slot - b.slot,
  );
  const duplicate =
    (match.result as { format?: string; seeds?: number[]; entries?: DuplicateEntry[] } | null)?.format ===
    "duplicate"
      ? (match.result as { seeds: number[]; entries: DuplicateEntry[]; curves?: DuplicateCurves })
      : null;
  const family = match.leagueId.startsWith("recsim") ? "recommender" : "bandit";
  const request = await headers();
  const base = publicApiUrl(request.get("host"), request.get("x-forwarded-proto"));
  return (
    <>
      <section className="hero">
        <p className="crumbs">
          <Link href="/">Leagues</Link> /{" "}
          <Link href={`/leagues/${match.leagueId}`} prefetch={false}>
            {match.leagueId}
          </Link>{" "}
          / match
        </p>
        <h1>{matchTitle(match.participants)}</h1>
        <p>
          {match.status === "finished"
            ? `Finished ${ago(match.finishedAt)}`
            : match.status === "running"
              ? "Being played now"
              : match.status === "aborted"
                ? `Aborted: ${match.error ?? "no reason given"}`
                : "Waiting to be played"}
          {" · "}seed <code>{match.seed}</code>
        </p>
      </section>

      {live && (
        <section aria-label="Live view">
          <h2>Live</h2>
          {live.roomName === "duplicate" ? (
            <DuplicateLiveView
              serverPort={publicServerPort()}
              roomId={live.roomId}
              matchId={match.id}
              leagueId={match.leagueId}
            />
          ) : (
            <LiveView
              serverPort={publicServerPort()}
              roomId={live.roomId}
              matchId={match.id}
              leagueId={match.leagueId}
            />
          )}
        </section>
      )}

      {duplicate?.curves && (
        <section aria-label="Curves">
          <h2>How it went</h2>
          <p className="muted">
            Played live at {duplicate.curves.stepsPerSecond} steps a second: every seat&apos;s running return
            and regret over the {duplicate.seeds.length} episodes, and what it chose.
          </p>
          <DuplicateCharts
            names={duplicate.entries.map((e) => e.name)}
            steps={duplicate.curves.steps}
            returns={duplicate.curves.seats.map((s) => s.totalReturn)}
            regrets={duplicate.curves.seats.map((s) => s.totalRegret)}
            counts={duplicate.curves.seats.map((s) => s.counts)}
            family={family}
            {...(duplicate.curves.episodeSteps ? { episodeSteps: duplicate.curves.episodeSteps } : {})}
          />
        </section>
      )}

      {match.hasReplay && match.status === "finished" && match.leagueId.startsWith("car-soccer") && (
        <section aria-label="Replay">
          <h2>Replay</h2>
          <ReplayPlayer
            serverPort={publicServerPort()}
            matchId={match.id}
            names={[...match.participants].sort((a, b) => a.slot - b.slot).map((p) => p.agent.name)}
          />
        </section>
      )}

      <section aria-label="Result">
        <h2>Result</h2>
        <VerificationNote
          verified={(match as { verified?: boolean | null }).verified}
          verification={(match as { verification?: unknown }).verification}
          error={match.error}
        />
        <div className="table-wrap">
          <table className="board">
            <thead>
              <tr>
                <th>Rank</th>
                <th>Agent</th>
                <th className="num">Score</th>
                <th className="num">Ordinal before → after</th>
                <th className="num">Change</th>
              </tr>
            </thead>
            <tbody>
              {participants.map((p) => {
                const before = p.rating ? ordinal(p.rating.muBefore, p.rating.sigmaBefore) : null;
                const after = p.rating ? ordinal(p.rating.muAfter, p.rating.sigmaAfter) : null;
                const delta = before !== null && after !== null ? after - before : null;
                return (
                  <tr key={p.slot} className={p.rank === 1 ? "winner-row" : undefined}>
                    <td>{p.rank ?? "–"}</td>
                    <td>
                      <Link href={`/agents/${p.agent.id}`} prefetch={false}>
                        {p.agent.name}
                      </Link>{" "}
                      <span className="muted">
                        {versionLabel(p.version, p.owner.name)} ·{" "}
                        <Link href={`/owners/${encodeURIComponent(p.owner.name)}`} prefetch={false}>
                          {p.owner.name}
                        </Link>
                      </span>
                    </td>
                    <td className="num">
                      {p.score === null ? "–" : fmt(p.score, Number.isInteger(p.score) ? 0 : 2)}
                    </td>
                    <td className="num">
                      {before !== null && after !== null ? `${fmt(before)} → ${fmt(after)}` : "–"}
                    </td>
                    <td className={`num ${delta !== null && delta >= 0 ? "up" : "down"}`}>
                      {delta === null ? "–" : `${delta >= 0 ? "+" : ""}${fmt(delta)}`}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </section>

      {duplicate && (
        <section aria-label="Episodes">
          <h2>Episodes</h2>
          <p className="muted">
            Every player met the same seeded instances; return per episode, and regret against the oracle.
            {match.hasReplay && (
              <>
                {" "}
                <a href={`${base}/api/v1/matches/${match.id}/replay`} download data-testid="replay-download">
                  Download every seat&apos;s choices
                </a>{" "}
                to recompute them.
              </>
            )}
            {!duplicate.curves &&
              " Played headless by the ladder, faster than real time: only these per-episode totals are kept (matches played live keep their curves)."}
          </p>
          <div className="table-wrap">
            <table className="board">
              <thead>
                <tr>
                  <th>Agent</th>
                  {duplicate.seeds.map((s) => (
                    <th key={s} className="num">
                      seed {s}
                    </th>
                  ))}
                  <th className="num">Mean return</th>
                  <th className="num">Mean regret</th>
                </tr>
              </thead>
              <tbody>
                {duplicate.entries.map((e) => (
                  <tr key={e.slot}>
                    <td>{e.name}</td>
                    {e.returns.map((r, i) => (
                      <td key={duplicate.seeds[i]} className="num">
                        {fmt(r, 0)}
                      </td>
                    ))}
                    <td className="num strong">{fmt(e.meanReturn, 1)}</td>
                    <td className="num">{fmt(e.meanRegret, 1)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </>
  );
}
