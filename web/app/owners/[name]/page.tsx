import type { Metadata } from "next";
import Link from "next/link";
import { getOwnerAgents } from "@/lib/api";
import { FailureLog } from "../../components/failure-log";
import { ago, fmt, load, ServerProblem } from "../../components/problem";
import { versionLabel } from "../../components/version-label";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ name: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Owner ${decodeURIComponent((await params).name)}` };
}

const STATUS_MEANING: Record<string, string> = {
  pending: "uploaded; waiting for its validation match",
  validating: "playing its validation match against a copy of itself",
  active: "validated: plays rated ladder matches",
  reserve: "beyond the agent's cap of active versions: still plays, at a lower rate",
  failed: "failed validation: never enters the ladder (the log says why)",
  retired: "no longer plays",
};

/** An owner's agents and every version's status: what a competitor checks after uploading. */
export default async function OwnerPage({ params }: Props) {
  const name = decodeURIComponent((await params).name);
  const result = await load(() => getOwnerAgents(name));
  if (result.problem !== null) return <ServerProblem problem={result.problem} />;
  const { owner, agents } = result.data;
  const versions = agents.reduce((n, a) => n + a.versions.length, 0);
  return (
    <>
      <section className="hero">
        <p className="crumbs">
          <Link href="/">Leagues</Link> / owners / {owner.name}
        </p>
        <h1>{owner.name}</h1>
        <p>
          {agents.length} agent{agents.length === 1 ? "" : "s"}, {versions} version{versions === 1 ? "" : "s"}{" "}
          · joined {ago(owner.createdAt)}
        </p>
      </section>
      {agents.length === 0 ? (
        <div className="notice">
          No agents yet. <Link href="/submit">Submit one</Link>.
        </div>
      ) : (
        agents.map((agent) => (
          <section
            key={agent.id}
            aria-label={`Agent ${agent.name}`}
            className="owner-agent"
            data-agent={agent.name}
          >
            <h2>
              <Link href={`/agents/${agent.id}`} prefetch={false}>
                {agent.name}
              </Link>{" "}
              <span className="muted small">{agent.kind}</span>
            </h2>
            {agent.description && <p className="muted">{agent.description}</p>}
            <div className="table-wrap">
              <table className="board">
                <thead>
                  <tr>
                    <th>Version</th>
                    <th>Environment</th>
                    <th>Status</th>
                    <th>Uploaded</th>
                    <th>Ratings</th>
                  </tr>
                </thead>
                <tbody>
                  {agent.versions.map((v) => (
                    <tr key={v.id} data-version={v.version}>
                      <td>{versionLabel(v.version, owner.name, agent.kind)}</td>
                      <td>
                        <code>{v.envId}</code>
                      </td>
                      <td className="status-cell">
                        <span className={`status status-${v.status}`} title={STATUS_MEANING[v.status]}>
                          {v.status}
                        </span>
                        {v.failureLog && <FailureLog log={v.failureLog} />}
                      </td>
                      <td className="muted">{ago(v.createdAt)}</td>
                      <td>
                        {v.ratings.length === 0
                          ? "–"
                          : v.ratings.map((r) => (
                              <div key={r.leagueId}>
                                <Link href={`/leagues/${r.leagueId}`} prefetch={false}>
                                  {r.leagueId}
                                </Link>{" "}
                                <span className="muted">
                                  ordinal {fmt(r.ordinal)} · {r.games} game{r.games === 1 ? "" : "s"} ·{" "}
                                  {r.wins}/{r.draws}/{r.losses}
                                </span>
                              </div>
                            ))}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        ))
      )}
    </>
  );
}
