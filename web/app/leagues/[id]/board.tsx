"use client";

import Link from "next/link";
import { useState } from "react";
import type { LeaderboardEntry } from "@/lib/api";

type Key = "rank" | "ordinal" | "mu" | "games" | "winRate" | "trend";

const COLUMNS: { key: Key; label: string; numeric: boolean }[] = [
  { key: "rank", label: "#", numeric: false },
  { key: "ordinal", label: "Ordinal", numeric: true },
  { key: "mu", label: "μ ± σ", numeric: true },
  { key: "games", label: "Games", numeric: true },
  { key: "winRate", label: "Win rate", numeric: true },
  { key: "trend", label: "Trend", numeric: true },
];

const fmt = (x: number, digits = 2) => x.toFixed(digits);

/** The leaderboard page's rows, re-sortable by any column (within the page). */
export function Board({ entries }: { entries: LeaderboardEntry[] }) {
  const [sort, setSort] = useState<{ key: Key; descending: boolean }>({ key: "rank", descending: false });
  const value = (e: LeaderboardEntry) => (sort.key === "winRate" ? (e.winRate ?? -1) : e[sort.key]);
  const rows = [...entries].sort((a, b) => (sort.descending ? value(b) - value(a) : value(a) - value(b)));
  const header = (key: Key, label: string, numeric: boolean) => (
    <th
      className={numeric ? "num" : undefined}
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
    <div className="table-wrap">
      <table className="board">
        <thead>
          <tr>
            {header("rank", "#", false)}
            <th>Agent</th>
            {COLUMNS.slice(1).map((c) => header(c.key, c.label, c.numeric))}
            <th className="num">W / D / L</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((e) => (
            <tr key={e.versionId} data-version={e.versionId}>
              <td>{e.rank}</td>
              <td>
                <Link href={`/agents/${e.agent.id}`}>{e.agent.name}</Link>{" "}
                <span className="muted">
                  v{e.version} · {e.owner.name}
                </span>
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
  );
}
