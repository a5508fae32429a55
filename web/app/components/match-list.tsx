import Link from "next/link";
import type { MatchView } from "@/lib/api";
import { ago } from "./problem";
import { TeamLine, teamsOf } from "./team-line";

/** One line per match: who played, in finishing order, with scores. */
export function MatchList({ matches, showLeague = false }: { matches: MatchView[]; showLeague?: boolean }) {
  if (matches.length === 0) return <div className="notice">No matches yet.</div>;
  return (
    <ul className="match-list">
      {matches.map((m) => {
        const ordered = [...m.participants].sort(
          (a, b) => (a.rank ?? 99) - (b.rank ?? 99) || a.slot - b.slot,
        );
        const teams = teamsOf(m.participants);
        return (
          <li key={m.id}>
            <Link href={`/matches/${m.id}`} className="match-link" prefetch={false}>
              {showLeague && <code className="match-league">{m.leagueId}</code>}
              <span className="match-players">
                {teams ? <TeamLine teams={teams} /> : null}
                {!teams &&
                  ordered.map((p, i) => (
                    <span key={p.slot} className={p.rank === 1 ? "winner" : undefined}>
                      {i > 0 && <span className="muted"> · </span>}
                      {p.agent.name}
                      {p.score !== null && (
                        <span className="muted">
                          {" "}
                          {Number.isInteger(p.score) ? p.score : p.score.toFixed(1)}
                        </span>
                      )}
                    </span>
                  ))}
              </span>
              <span className="muted">{m.status === "running" ? "live now" : ago(m.finishedAt)}</span>
            </Link>
          </li>
        );
      })}
    </ul>
  );
}
