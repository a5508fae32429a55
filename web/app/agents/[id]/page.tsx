import type { Metadata } from "next";
import Link from "next/link";
import { getAgent, getHeadToHead, getRatingHistory, getRecentMatches, publicServerPort } from "@/lib/api";
import { LineChart } from "../../components/charts";
import { FailureLog } from "../../components/failure-log";
import { MatchList } from "../../components/match-list";
import { fmt, load, ServerProblem } from "../../components/problem";
import { versionLabel } from "../../components/version-label";
import { ChallengePanel } from "./challenge-panel";
import { HeadToHeadTables } from "./head-to-head";
import { ManifestSummary } from "./manifest-summary";
import { RewardInsight } from "./reward-insight";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { id } = await params;
  const result = await load(() => getAgent(id));
  return { title: result.data ? `Agent ${result.data.name}` : "Agent" };
}

export default async function AgentPage({ params }: Props) {
  const { id } = await params;
  const result = await load(() => getAgent(id));
  if (result.problem !== null) return <ServerProblem problem={result.problem} />;
  const agent = result.data;
  const rated = agent.versions.flatMap((v) => v.ratings.map((r) => ({ version: v, rating: r })));
  const histories = await load(() =>
    Promise.all(rated.map(({ version, rating }) => getRatingHistory(version.id, rating.leagueId))),
  );
  const [matches, h2h] = await Promise.all([
    load(() => getRecentMatches(10, agent.id)),
    load(() => getHeadToHead(agent.id)),
  ]);
  const leagues = [...new Set(rated.map((r) => r.rating.leagueId))];
  const manifest = agent.versions[0]?.manifest as Record<string, unknown> | null | undefined;
  const newest = agent.versions[0];
  return (
    <>
      <section className="hero">
        <p className="crumbs">
          <Link href="/">Leagues</Link> / agents / {agent.name}
        </p>
        <h1>{agent.name}</h1>
        <p>
          {agent.kind} agent by{" "}
          <Link href={`/owners/${encodeURIComponent(agent.owner.name)}`} prefetch={false}>
            {agent.owner.name}
          </Link>
          {agent.description ? ` — ${agent.description}` : ""}
        </p>
      </section>

      <section aria-label="Versions">
        <h2>Versions</h2>
        <div className="table-wrap">
          <table className="board">
            <thead>
              <tr>
                <th>Version</th>
                <th>League</th>
                <th>Status</th>
                <th className="num">Ordinal</th>
                <th className="num">μ ± σ</th>
                <th className="num">Games</th>
              </tr>
            </thead>
            <tbody>
              {agent.versions.map((v) =>
                (v.ratings.length ? v.ratings : [null]).map((r) => (
                  <tr key={`${v.id}-${r?.leagueId ?? "none"}`}>
                    <td>{versionLabel(v.version, agent.owner.name, agent.kind)}</td>
                    <td>
                      {r ? (
                        <Link href={`/leagues/${r.leagueId}`} prefetch={false}>
                          {r.leagueId}
                        </Link>
                      ) : (
                        v.envId
                      )}
                    </td>
                    <td>
                      <span
                        className={`status status-${v.status}`}
                        title={
                          v.status === "reserve"
                            ? "beyond the agent's cap of active versions: still plays, at a lower rate"
                            : undefined
                        }
                      >
                        {v.status}
                      </span>
                      {v.failureLog && <FailureLog log={v.failureLog} />}
                    </td>
                    <td className="num">{r ? fmt(r.ordinal) : "–"}</td>
                    <td className="num">{r ? `${fmt(r.mu)} ± ${fmt(r.sigma)}` : "–"}</td>
                    <td className="num">{r?.games ?? 0}</td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        </div>
      </section>

      <ChallengePanel
        serverPort={publicServerPort()}
        carSoccer={agent.versions.some((v) => v.envId.startsWith("car-soccer-"))}
        versions={agent.versions
          .filter((v) => v.status === "active" || v.status === "reserve")
          .map((v) => ({ id: v.id, version: v.version }))}
      />

      <section aria-label="Head to head">
        <h2>Head to head</h2>
        {h2h.problem !== null ? (
          <ServerProblem problem={h2h.problem} />
        ) : h2h.data.items.length === 0 ? (
          <div className="notice">No finished matches yet.</div>
        ) : (
          <HeadToHeadTables rows={h2h.data.items} />
        )}
      </section>

      <section aria-label="Rating history">
        <h2>Rating history</h2>
        {histories.problem !== null ? (
          <ServerProblem problem={histories.problem} />
        ) : histories.data.every((h) => h.points.length === 0) ? (
          <div className="notice">No rated matches yet.</div>
        ) : (
          leagues.map((leagueId) => {
            const series = histories.data
              .map((h, i) => ({ history: h, version: rated[i]!.version }))
              .filter(({ history }) => history.leagueId === leagueId && history.points.length > 0);
            if (series.length === 0) return null;
            return (
              <div key={leagueId} className="league-history" data-league={leagueId}>
                <h3>{leagueId}</h3>
                <LineChart
                  xLabel="rated matches"
                  yLabel="ordinal (μ − 3σ)"
                  series={series.map(({ history, version }) => ({
                    name: versionLabel(version.version, agent.owner.name, agent.kind),
                    points: history.points.map((p, k) => ({ x: k + 1, y: p.ordinal })),
                  }))}
                />
              </div>
            );
          })
        )}
      </section>

      {matches.data && matches.data.items.length > 0 && (
        <section aria-label="Recent matches">
          <h2>Recent matches</h2>
          <MatchList matches={matches.data.items} showLeague />
        </section>
      )}

      {newest && agent.kind === "model" && newest.envId.startsWith("car-soccer") && (
        <section aria-label="What its reward pays for">
          <h2>What its reward pays for</h2>
          <RewardInsight
            analysis={(newest as { rewardAnalysis?: unknown }).rewardAnalysis}
            version={newest.version}
          />
        </section>
      )}

      {manifest && (
        <section aria-label="How it was made">
          <h2>How v{agent.versions[0]!.version} was made</h2>
          <ManifestSummary manifest={manifest} />
          <details>
            <summary className="muted">agent.json</summary>
            <pre className="code">{JSON.stringify(manifest, null, 2)}</pre>
          </details>
        </section>
      )}
    </>
  );
}
