// A car-soccer league's reward designs side by side with the ratings they earned
// (GET /api/v1/leagues/:id/rewards): which rewards win. Server component.
import Link from "next/link";
import { apiGet } from "@/lib/api";
import type { RewardInsightView } from "../../agents/[id]/reward-insight";
import { fmt } from "../../components/problem";

interface RewardRow {
  versionId: string;
  version: number;
  agent: { id: string; name: string };
  owner: { name: string };
  rating: { mu: number; sigma: number; ordinal: number; games: number };
  rewardAnalysis: RewardInsightView;
}

/** The reward's three largest parts by share of what it paid. */
function topParts(a: RewardInsightView): string {
  return [...(a.components ?? [])]
    .sort((x, y) => y.shareOfMagnitude - x.shareOfMagnitude)
    .slice(0, 3)
    .map((c) => `${c.name} ${(100 * c.shareOfMagnitude).toFixed(0)}%`)
    .join(", ");
}

export async function RewardDesigns({ leagueId }: { leagueId: string }) {
  let rows: RewardRow[];
  try {
    rows = (await apiGet<{ items: RewardRow[] }>(`/api/v1/leagues/${encodeURIComponent(leagueId)}/rewards`))
      .items;
  } catch {
    // The leaderboard above already says when the server is away; this section just stays out.
    return null;
  }
  return (
    <section aria-label="Reward designs" data-testid="reward-designs">
      <h2>Reward designs</h2>
      {rows.length === 0 ? (
        <p className="muted">No rated agent here has shipped the reward spec it was trained on yet.</p>
      ) : (
        <>
          <p className="muted">
            The rewards the trained agents of this league were trained on, best rating first: what each pays
            for most, and how far it is from &ldquo;score goals&rdquo; (EPIC and STARC, 0 = the same
            objective), measured on the same seeded play for all.
          </p>
          <div className="table-wrap">
            <table className="board">
              <thead>
                <tr>
                  <th>Agent</th>
                  <th className="num">Ordinal</th>
                  <th className="num">Games</th>
                  <th>Pays most for</th>
                  <th className="num">EPIC</th>
                  <th className="num">STARC</th>
                  <th>Flags</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => {
                  const a = r.rewardAnalysis;
                  return (
                    <tr key={r.versionId}>
                      <td>
                        <Link href={`/agents/${r.agent.id}`} prefetch={false}>
                          {r.agent.name}
                        </Link>{" "}
                        <span className="muted">v{r.version}</span>
                      </td>
                      <td className="num">{fmt(r.rating.ordinal)}</td>
                      <td className="num">{r.rating.games}</td>
                      <td>{a.error ? <span className="muted">not analysed</span> : topParts(a)}</td>
                      <td className="num">{a.distanceToGoals ? a.distanceToGoals.epic.toFixed(3) : "–"}</td>
                      <td className="num">{a.distanceToGoals ? a.distanceToGoals.starc.toFixed(3) : "–"}</td>
                      <td>
                        {(a.flags ?? []).length === 0 ? (
                          <span className="verify good">none</span>
                        ) : (
                          <span className="verify bad" title={(a.flags ?? []).join("\n")}>
                            ⚠ {(a.flags ?? []).map((f) => f.split(":")[0]).join(", ")}
                          </span>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
