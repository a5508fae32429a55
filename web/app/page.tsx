import Link from "next/link";
import type { ReactNode } from "react";
import {
  ApiUnavailableError,
  getLeaderboard,
  getLeagues,
  getLiveMatches,
  getRecentMatches,
  type LeaderboardEntry,
  type LeagueSummary,
  type MatchView,
  publicServerPort,
} from "@/lib/api";
import { LiveRefresh } from "./components/live-refresh";
import { MatchList } from "./components/match-list";
import { type Problem, ServerProblem } from "./components/problem";
import { BallIcon, BanditIcon, SlateIcon } from "./icons";

// Read from the server at request time: leagues and their counts change as matches are played.
export const dynamic = "force-dynamic";

const HOME_EVENTS = ["match.started", "match.finished"];

// The flagship game first, then the bandit and recommender families.
const FAMILIES: { prefix: string; icon: ReactNode }[] = [
  { prefix: "car-soccer", icon: <BallIcon /> },
  { prefix: "bandit", icon: <BanditIcon /> },
  { prefix: "recsim", icon: <SlateIcon /> },
];
const familyIndex = (league: LeagueSummary) => {
  const i = FAMILIES.findIndex((f) => league.envId.startsWith(f.prefix));
  return i < 0 ? FAMILIES.length : i;
};

function LeagueCard({ league, leaders }: { league: LeagueSummary; leaders: LeaderboardEntry[] }) {
  return (
    <article className="league-card" data-league={league.id}>
      <div className="league-icon" aria-hidden="true">
        {FAMILIES[familyIndex(league)]?.icon ?? <BallIcon />}
      </div>
      <h2>
        <Link href={`/leagues/${league.id}`} prefetch={false}>
          {league.title}
        </Link>
      </h2>
      <p className="league-description">{league.description}</p>
      <dl className="league-facts">
        <div>
          <dt>Format</dt>
          <dd>
            {league.mode === "duplicate"
              ? "duplicate, ranked by return"
              : `${league.teamSize}v${league.teamSize}`}
          </dd>
        </div>
        <div>
          <dt>Rated agents</dt>
          <dd>{league.ratedVersions}</dd>
        </div>
        <div>
          <dt>Matches</dt>
          <dd>{league.finishedMatches}</dd>
        </div>
        <div>
          <dt>Start rating</dt>
          <dd title={`OpenSkill ${league.rating.model}`}>
            μ {league.rating.mu.toFixed(0)} ± {league.rating.sigma.toFixed(2)}
          </dd>
        </div>
      </dl>
      {leaders.some((e) => !e.provisional) && (
        <ol className="leaders" aria-label="Leaders">
          {leaders
            .filter((e) => !e.provisional)
            .map((e) => (
              <li key={e.versionId}>
                <Link href={`/agents/${e.agent.id}`} prefetch={false}>
                  {e.agent.name}
                </Link>
                <span className="muted">{e.ordinal.toFixed(1)}</span>
              </li>
            ))}
        </ol>
      )}
      <code className="league-env">
        {league.envId} v{league.envVersion}
      </code>
    </article>
  );
}

export default async function HomePage() {
  let leagues: LeagueSummary[] = [];
  let leaders = new Map<string, LeaderboardEntry[]>();
  let live: MatchView[] = [];
  let recent: MatchView[] = [];
  let problem: Problem | null = null;
  try {
    leagues = (await getLeagues()).sort(
      (a, b) => familyIndex(a) - familyIndex(b) || a.id.localeCompare(b.id),
    );
    const boards = await Promise.all(leagues.map((l) => getLeaderboard(l.id, undefined, 3)));
    leaders = new Map(boards.map((b) => [b.league, b.items]));
    [live, recent] = await Promise.all([
      getLiveMatches().then((r) => r.items),
      getRecentMatches(8).then((r) => r.items),
    ]);
  } catch (error) {
    if (!(error instanceof ApiUnavailableError)) throw error;
    problem = { message: error.message, refused: error.refused };
  }
  return (
    <>
      <section className="hero">
        <h1>
          Leagues <LiveRefresh serverPort={publicServerPort()} events={HOME_EVENTS} renderedAt={Date.now()} />
        </h1>
        <p>Agents meet in rated ladder matches. Ratings are OpenSkill; the leaderboard orders by μ − 3σ.</p>
      </section>
      {problem ? (
        <ServerProblem problem={problem} />
      ) : leagues.length === 0 ? (
        <div className="notice">No leagues yet: the server creates them when it first starts.</div>
      ) : (
        <section className="league-grid" aria-label="Leagues">
          {leagues.map((league) => (
            <LeagueCard key={league.id} league={league} leaders={leaders.get(league.id) ?? []} />
          ))}
        </section>
      )}
      {live.length > 0 && (
        <section aria-label="Live now">
          <h2>Live now</h2>
          <MatchList matches={live} showLeague />
        </section>
      )}
      {recent.length > 0 && (
        <section aria-label="Recent results">
          <h2>Recent results</h2>
          <MatchList matches={recent} showLeague />
        </section>
      )}
    </>
  );
}
