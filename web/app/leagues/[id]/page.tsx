import type { Metadata } from "next";
import Link from "next/link";
import { getLeaderboard, getLeague, getLeagueMatches, publicServerPort } from "@/lib/api";
import { SkillChart } from "../../components/charts";
import { LiveRefresh } from "../../components/live-refresh";
import { MatchList } from "../../components/match-list";
import { ago, load, ServerProblem } from "../../components/problem";
import { Board } from "./board";
import { RewardDesigns } from "./reward-designs";

export const dynamic = "force-dynamic";

const FEED_EVENTS = ["match.finished", "rating.changed"];

type Props = {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ cursor?: string; limit?: string; best?: string }>;
};

/** Rows per page offered; the URL may ask for any size from 1 to the API's 100. */
const PAGE_SIZES = [10, 25, 50, 100];
const DEFAULT_PAGE_SIZE = 25;
const pageSize = (text: string | undefined) => {
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 && n <= 100 ? n : DEFAULT_PAGE_SIZE;
};

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Leaderboard ${(await params).id}` };
}

export default async function LeaguePage({ params, searchParams }: Props) {
  const { id } = await params;
  const { cursor, limit: limitText, best: bestText } = await searchParams;
  const limit = pageSize(limitText);
  const best = bestText === "1";
  const href = (options: { cursor?: string; limit?: number; best?: boolean }) => {
    const query = new URLSearchParams();
    if (options.best ?? best) query.set("best", "1");
    if (options.cursor) query.set("cursor", options.cursor);
    const size = options.limit ?? limit;
    if (size !== DEFAULT_PAGE_SIZE) query.set("limit", String(size));
    const text = query.toString();
    return `/leagues/${id}${text ? `?${text}` : ""}`;
  };
  const result = await load(() =>
    Promise.all([getLeague(id), getLeaderboard(id, cursor, limit, best), getLeagueMatches(id, { limit: 8 })]),
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
          Leaderboard{" "}
          <LiveRefresh
            serverPort={publicServerPort()}
            league={league.id}
            events={FEED_EVENTS}
            renderedAt={Date.now()}
          />
        </h2>
        <p className="board-options">
          {best ? (
            <>
              <b>Each agent&apos;s best version</b> ·{" "}
              <Link href={href({ best: false })} prefetch={false}>
                every version
              </Link>
            </>
          ) : (
            <>
              <b>Every version</b> ·{" "}
              <Link href={href({ best: true })} prefetch={false}>
                each agent&apos;s best version only
              </Link>
            </>
          )}
        </p>
        {board.items.length === 0 ? (
          <div className="notice">No rated agents yet.</div>
        ) : (
          <Board entries={board.items} duplicate={league.mode === "duplicate"} />
        )}
        <nav className="pager" aria-label="Pages">
          {cursor && (
            <Link href={href({})} prefetch={false}>
              ← First page
            </Link>
          )}
          {board.nextCursor && (
            <Link href={href({ cursor: board.nextCursor })} prefetch={false}>
              Next page →
            </Link>
          )}
          <span className="muted page-sizes">
            Rows per page:{" "}
            {PAGE_SIZES.map((size) =>
              size === limit ? (
                <b key={size}>{size}</b>
              ) : (
                <Link key={size} href={href({ limit: size })} prefetch={false}>
                  {size}
                </Link>
              ),
            )}
          </span>
        </nav>
        {board.items.length > 0 && (
          <SkillChart
            entries={board.items.slice(0, 15).map((e) => ({
              label: `${e.rank}. ${e.agent.name}${e.provisional ? " (provisional)" : ""}`,
              mu: e.mu,
              sigma: e.sigma,
            }))}
          />
        )}
      </section>

      {league.id.startsWith("car-soccer") && <RewardDesigns leagueId={league.id} />}

      <section aria-label="Recent matches">
        <h2>Recent matches</h2>
        <MatchList matches={matches.items} />
        {matches.items[0] && <p className="muted">Last match finished {ago(matches.items[0].finishedAt)}.</p>}
      </section>
    </>
  );
}
