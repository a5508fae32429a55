import type { Metadata } from "next";
import Link from "next/link";
import { getLeaderboard, getLeague, getLeagueMatches, publicServerPort } from "@/lib/api";
import { SkillChart } from "../../components/charts";
import { LiveRefresh } from "../../components/live-refresh";
import { MatchList } from "../../components/match-list";
import { ago, load, ServerProblem } from "../../components/problem";
import { Board } from "./board";

export const dynamic = "force-dynamic";

const FEED_EVENTS = ["match.finished", "rating.changed"];

type Props = { params: Promise<{ id: string }>; searchParams: Promise<{ cursor?: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Leaderboard ${(await params).id}` };
}

export default async function LeaguePage({ params, searchParams }: Props) {
  const { id } = await params;
  const { cursor } = await searchParams;
  const result = await load(() =>
    Promise.all([getLeague(id), getLeaderboard(id, cursor), getLeagueMatches(id, { limit: 8 })]),
  );
  if (result.problem !== null) return <ServerProblem problem={result.problem} />;
  const [league, board, matches] = result.data;
  return (
    <>
      <section className="hero">
        <p className="crumbs">
          <Link href="/">Leagues</Link> / {league.id}
        </p>
        <h1>{league.title}</h1>
        <p>
          {league.description} Rated with OpenSkill {league.rating.model}; ordered by the ordinal μ − 3σ.
        </p>
      </section>

      <section aria-label="Leaderboard">
        <h2>
          Leaderboard <LiveRefresh serverPort={publicServerPort()} league={league.id} events={FEED_EVENTS} />
        </h2>
        {board.items.length === 0 ? (
          <div className="notice">No rated agents yet.</div>
        ) : (
          <Board entries={board.items} />
        )}
        <nav className="pager">
          {cursor && <Link href={`/leagues/${id}`}>← First page</Link>}
          {board.nextCursor && <Link href={`/leagues/${id}?cursor=${board.nextCursor}`}>Next page →</Link>}
        </nav>
        {board.items.length > 0 && (
          <SkillChart
            entries={board.items
              .slice(0, 15)
              .map((e) => ({ label: `${e.rank}. ${e.agent.name}`, mu: e.mu, sigma: e.sigma }))}
          />
        )}
      </section>

      <section aria-label="Recent matches">
        <h2>Recent matches</h2>
        <MatchList matches={matches.items} />
        {matches.items[0] && <p className="muted">Last match finished {ago(matches.items[0].finishedAt)}.</p>}
      </section>
    </>
  );
}
