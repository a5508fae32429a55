// bench/server --part ladder: ladder throughput with its headless pool. The ladder runs at full
// speed (no pause between matches) over every league for a bounded time while a new version — a
// copy of the shipped ppo-selfplay model under a new agent, or (--newcomer bot) a scripted
// forward, submitted pending — is validated,
// plays its placement burst and more; reports matches per minute per league, and how many games
// and seconds the newcomer needed to reach σ < 3 in car-soccer-1v1 (or its σ when time ran out);
// the run stops there, so `seconds` is an upper bound.
import { Ladder } from "@league/server";

const NEWCOMER = "bench-newcomer";

/**
 * `newcomerKind`: "model" submits the shipped ppo-selfplay again (its inference counts against its
 * 50 ms budget), "bot" a scripted forward under a new agent (the ladder's pace alone).
 */
export async function measureLadder({ prisma, pool, seconds, newcomerKind = "model", log }) {
  const owner = await prisma.owner.upsert({
    where: { name: "bench" },
    create: { name: "bench" },
    update: {},
  });
  let newcomer;
  if (newcomerKind === "bot") {
    const agent = await prisma.agent.create({
      data: { ownerId: owner.id, name: NEWCOMER, kind: "scripted" },
    });
    newcomer = await prisma.agentVersion.create({
      data: {
        agentId: agent.id,
        version: 1,
        envId: "car-soccer-1v1",
        manifest: { kind: "scripted", bot: "forward", env: "car-soccer-1v1", description: "bench newcomer" },
        status: "pending",
      },
    });
  } else {
    const shipped = await prisma.agentVersion.findFirst({
      where: { envId: "car-soccer-1v1", agent: { name: "ppo-selfplay" } },
      orderBy: { version: "desc" },
    });
    if (!shipped)
      throw new Error("the shipped ppo-selfplay model is not registered (server/builtins missing?)");
    const agent = await prisma.agent.create({ data: { ownerId: owner.id, name: NEWCOMER, kind: "model" } });
    newcomer = await prisma.agentVersion.create({
      data: {
        agentId: agent.id,
        version: 1,
        envId: shipped.envId,
        manifest: shipped.manifest,
        artifact: shipped.artifact,
        artifactSize: shipped.artifactSize,
        artifactSha256: shipped.artifactSha256,
        status: "pending",
      },
    });
  }
  const leagues = (await prisma.league.findMany({ where: { active: true }, orderBy: { id: "asc" } })).map(
    (l) => l.id,
  );
  const finishedBefore = await finishedByLeague(prisma);
  const errors = [];
  const ladder = new Ladder(prisma, null, {
    intervalMs: 0,
    seed: 7,
    pool,
    sweepIntervalMs: 0,
    onError: (error, league) => errors.push(`${league}: ${error.message}`),
  });
  const t0 = performance.now();
  ladder.start();
  let reached = null;
  let last = null;
  // The window ends early once the newcomer is settled: what is left to learn is throughput.
  while (!reached && performance.now() - t0 < seconds * 1000) {
    await new Promise((r) => setTimeout(r, 250));
    last = await prisma.rating.findUnique({
      where: { versionId_leagueId: { versionId: newcomer.id, leagueId: "car-soccer-1v1" } },
    });
    if (!reached && last && last.sigma < 3) {
      reached = { games: last.games, seconds: Number(((performance.now() - t0) / 1000).toFixed(1)) };
      log(`ladder: ${NEWCOMER} reached σ ${last.sigma.toFixed(2)} after ${last.games} games`);
    }
  }
  await ladder.stop();
  const elapsedMinutes = (performance.now() - t0) / 60_000;
  const finishedAfter = await finishedByLeague(prisma);
  const perMinute = Object.fromEntries(
    leagues.map((id) => [
      id,
      Number((((finishedAfter[id] ?? 0) - (finishedBefore[id] ?? 0)) / elapsedMinutes).toFixed(1)),
    ]),
  );
  log(`ladder: matches per minute ${JSON.stringify(perMinute)}`);
  const status = (await prisma.agentVersion.findUnique({ where: { id: newcomer.id } })).status;
  return {
    seconds: Number((elapsedMinutes * 60).toFixed(1)),
    poolThreads: pool?.size ?? 0,
    matchesPerMinute: perMinute,
    totalMatchesPerMinute: Number(
      Object.values(perMinute)
        .reduce((a, b) => a + b, 0)
        .toFixed(1),
    ),
    newcomer: {
      kind: newcomerKind,
      status,
      sigmaBelow3: reached,
      gamesPlayed: last?.games ?? 0,
      sigmaAtEnd: last ? Number(last.sigma.toFixed(2)) : null,
    },
    errors: errors.slice(0, 5),
  };
}

async function finishedByLeague(prisma) {
  const rows = await prisma.match.groupBy({
    by: ["leagueId"],
    where: { status: "finished", live: false },
    _count: { _all: true },
  });
  return Object.fromEntries(rows.map((r) => [r.leagueId, r._count._all]));
}
