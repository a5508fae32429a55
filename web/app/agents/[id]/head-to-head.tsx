import Link from "next/link";
import type { HeadToHead } from "@/lib/api";

const signed = (x: number, digits: number) =>
  `${x > 0 ? "+" : x < 0 ? "−" : "±"}${Math.abs(x).toFixed(digits)}`;

/**
 * Results against each opponent, one table per league: games, wins, draws, losses and the score
 * difference — goals in car soccer, summed mean return in the duplicate (bandit, recommender) leagues.
 */
export function HeadToHeadTables({ rows }: { rows: HeadToHead[] }) {
  const leagues = [...new Set(rows.map((r) => r.leagueId))];
  return (
    <>
      {leagues.map((leagueId) => {
        const goals = leagueId.startsWith("car-soccer");
        return (
          <div key={leagueId} className="h2h" data-league={leagueId}>
            <h3>
              <Link href={`/leagues/${leagueId}`} prefetch={false}>
                {leagueId}
              </Link>
            </h3>
            <div className="table-wrap">
              <table className="board" data-testid="head-to-head">
                <thead>
                  <tr>
                    <th>Opponent</th>
                    <th className="num">Games</th>
                    <th className="num">W</th>
                    <th className="num">D</th>
                    <th className="num">L</th>
                    <th
                      className="num"
                      title={
                        goals
                          ? "goals scored minus goals conceded"
                          : "this agent's summed mean return minus the opponent's, over the matches they shared"
                      }
                    >
                      {goals ? "Goal diff." : "Return diff."}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {rows
                    .filter((r) => r.leagueId === leagueId)
                    .map((r) => {
                      const diff = r.scoreFor - r.scoreAgainst;
                      return (
                        <tr key={r.opponent.id}>
                          <td>
                            <Link href={`/agents/${r.opponent.id}`} prefetch={false}>
                              {r.opponent.name}
                            </Link>{" "}
                            <span className="muted">
                              ·{" "}
                              <Link
                                href={`/owners/${encodeURIComponent(r.opponent.owner.name)}`}
                                prefetch={false}
                              >
                                {r.opponent.owner.name}
                              </Link>
                            </span>
                          </td>
                          <td className="num">{r.games}</td>
                          <td className="num">{r.wins}</td>
                          <td className="num">{r.draws}</td>
                          <td className="num">{r.losses}</td>
                          <td className={`num ${diff > 0 ? "up" : diff < 0 ? "down" : "muted"}`}>
                            {goals ? `${signed(diff, 0)} (${r.scoreFor}–${r.scoreAgainst})` : signed(diff, 1)}
                          </td>
                        </tr>
                      );
                    })}
                </tbody>
              </table>
            </div>
          </div>
        );
      })}
    </>
  );
}
