"use client";

import Link from "next/link";
import { useState } from "react";
import type { LeaderboardEntry } from "@/lib/api";
import { versionLabel } from "../../components/version-label";

type Key = "rank" | "ordinal" | "mu" | "games" | "winRate" | "trend";

const COLUMNS: { key: Key; label: string; numeric: boolean; title?: string }[] = [
  { key: "rank", label: "#", numeric: false },
  {
    key: "ordinal",
    label: "Ordinal",
    numeric: true,
    title: "μ − 3σ: the conservative skill the board orders by",
  },
  { key: "mu", label: "μ ± σ", numeric: true, title: "estimated skill μ and its uncertainty σ" },
  { key: "games", label: "Games", numeric: true, title: "rated games played in this league" },
  { key: "winRate", label: "Win rate", numeric: true, title: "wins / games" },
  { key: "trend", label: "Trend", numeric: true, title: "change of the ordinal over the last 5 rated games" },
];

const fmt = (x: number, digits = 2) => x.toFixed(digits);

/** Why a provisional row is not ranked yet, in words. */
export function provisionalReason(e: LeaderboardEntry): string {
  if (e.games === 0) return "no rated games yet";
  return `in placement: ${e.games} of ${e.games + e.placementGamesLeft} games played`;
}

/**
 * The leaderboard page's rows, re-sortable by any column (within the page). Provisional versions
 * (no games, or still in placement) come after every ranked one, marked, with the reason.
 */
export function Board({ entries, duplicate }: { entries: LeaderboardEntry[]; duplicate: boolean }) {
  const [sort, setSort] = useState<{ key: Key; descending: boolean }>({ key: "rank", descending: false });
  const value = (e: LeaderboardEntry) => (sort.key === "winRate" ? (e.winRate ?? -1) : e[sort.key]);
  // Sorting never lifts a provisional row above the ranked ones.
  const rows = [...entries].sort(
    (a, b) =>
      Number(a.provisional) - Number(b.provisional) ||
      (sort.descending ? value(b) - value(a) : value(a) - value(b)),
  );
  const header = (key: Key, label: string, numeric: boolean, title?: string) => (
    <th
      key={key}
      className={numeric ? "num" : undefined}
      title={title}
      aria-sort={sort.key === key ? (sort.descending ? "descending" : "ascending") : "none"}
    >
      <button
        type="button"
        className="sort"
        onClick={() => setSort((s) => ({ key, descending: s.key === key ? !s.descending : key !== "rank" }))}
      >
        {label}
        {sort.key === key ? (sort.descending ? " ▾" : " ▴") : ""}
      </button>
    </th>
  );
  return (
    <>
      <div className="table-wrap">
        <table className="board" data-testid="leaderboard">
          <thead>
            <tr>
              {header("rank", "#", false)}
              <th>Agent</th>
              {COLUMNS.slice(1).map((c) => header(c.key, c.label, c.numeric, c.title))}
              <th className="num" title="wins / draws / losses in rated games">
                W / D / L
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((e, i) => (
              <tr
                key={e.versionId}
                data-version={e.versionId}
                data-provisional={e.provisional ? "true" : undefined}
                className={[
                  e.provisional ? "provisional-row" : "",
                  e.provisional && !rows[i - 1]?.provisional && i > 0 ? "tier-break" : "",
                ]
                  .filter(Boolean)
                  .join(" ")}
              >
                <td title={e.provisional ? "provisional: listed after every ranked version" : undefined}>
                  {e.rank}
                </td>
                <td className="agent-cell">
                  <Link href={`/agents/${e.agent.id}`} prefetch={false}>
                    {e.agent.name}
                  </Link>{" "}
                  <span className="muted">
                    {versionLabel(e.version, e.owner.name, e.agent.kind)} ·{" "}
                    <Link
                      href={`/owners/${encodeURIComponent(e.owner.name)}`}
                      prefetch={false}
                      className="owner"
                    >
                      {e.owner.name}
                    </Link>
                  </span>
                  {e.provisional && (
                    <div className="provisional-note">
                      <span className="badge badge-provisional">provisional</span>{" "}
                      <span className="badge-reason">{provisionalReason(e)}</span>
                    </div>
                  )}
                </td>
                <td className="num strong">{fmt(e.ordinal)}</td>
                <td className="num">
                  {fmt(e.mu)} ± {fmt(e.sigma)}
                </td>
                <td className="num">{e.games}</td>
                <td className="num">{e.winRate === null ? "–" : `${Math.round(100 * e.winRate)}%`}</td>
                <td className={`num ${e.trend > 0.005 ? "up" : e.trend < -0.005 ? "down" : "muted"}`}>
                  {e.trend > 0.005 ? "▲" : e.trend < -0.005 ? "▼" : "•"} {fmt(Math.abs(e.trend))}
                </td>
                <td className="num">
                  {e.wins} / {e.draws} / {e.losses}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="muted small table-note" data-testid="board-legend">
        <b>Ordinal</b> = μ − 3σ, a cautious skill estimate (the true skill is very likely above it); the board
        orders by it. <b>Trend</b>: how much the ordinal moved over the version&apos;s last 5 rated games (▲
        up, ▼ down). <b>W / D / L</b>: rated wins, draws and losses.{" "}
        {duplicate
          ? "In these multi-player duplicate matches every seat plays the same seeded instances: a win is finishing first alone by mean return, a draw sharing first place, a loss any lower place. "
          : "A draw is a level score at full time. "}
        <b>Provisional</b> versions have no rated games yet or are still in their placement games: they are
        listed after every ranked version until placement is over.
      </p>
    </>
  );
}
