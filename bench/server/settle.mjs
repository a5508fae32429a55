// bench/server --part settle: the car-soccer-1v1 ladder alone, at full speed with its headless
// pool, until every active version's σ is below 3 (or --settle-seconds run out); reports how many
// matches and seconds that took and the settled leaderboard (ordinal μ − 3σ, W/D/L per version),
// so a shipped agent's place on the ladder is measured, not assumed (issue 17).
import { Ladder } from "@league/server";

const LEAGUE = "car-soccer-1v1";

export async function measureSettle({ prisma, pool, seconds, log }) {
  const errors = [];
  const ladder = new Ladder(prisma, null, {
    intervalMs: 0,
    seed: 17,
    pool,
    sweepIntervalMs: 0,
    leagues: [LEAGUE],
    onError: (error, league) => errors.push(`${league}: ${error.message}`),
  });
  const board = () =>
    prisma.rating.findMany({
      where: { leagueId: LEAGUE, version: { status: "active" } },
      orderBy: { ordinal: "desc" },
      include: { version: { include: { agent: true } } },
    });
  const t0 = performance.now();
  ladder.start();
  let rows = await board();
  let settled = null;
  let lastLog = 0;
  while (performance.now() - t0 < seconds * 1000) {
    await new Promise((r) => setTimeout(r, 500));
    rows = await board();
    const worst = Math.max(...rows.map((r) => r.sigma));
    const matches = await prisma.match.count({ where: { leagueId: LEAGUE, status: "finished" } });
    const elapsed = (performance.now() - t0) / 1000;
    if (elapsed - lastLog >= 10) {
      lastLog = elapsed;
      log(
        `settle: ${matches} matches in ${elapsed.toFixed(0)} s, largest σ ${worst.toFixed(2)} (target < 3)`,
      );
    }
    if (worst < 3) {
      settled = { matches, seconds: Number(elapsed.toFixed(1)) };
      break;
    }
  }
  await ladder.stop();
  rows = await board();
  const leaderboard = rows.map((r, i) => ({
    rank: i + 1,
    agent: `${r.version.agent.name} v${r.version.version}`,
    ordinal: Number(r.ordinal.toFixed(2)),
    mu: Number(r.mu.toFixed(2)),
    sigma: Number(r.sigma.toFixed(2)),
    games: r.games,
    wins: r.wins,
    draws: r.draws,
    losses: r.losses,
  }));
  for (const row of leaderboard)
    log(
      `settle: ${String(row.rank).padStart(2)}. ${row.agent.padEnd(24)} ordinal ${row.ordinal.toFixed(2).padStart(6)}  σ ${row.sigma.toFixed(2)}  ${row.wins}/${row.draws}/${row.losses}`,
    );
  return { league: LEAGUE, seconds, settled, leaderboard, errors: errors.slice(0, 5) };
}
