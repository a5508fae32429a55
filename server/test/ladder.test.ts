import { createTestDatabase, probePostgres, type TestDatabase } from "@league/db/testing";
import { Rng } from "@league/envs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FeedEvents, PlatformEvents } from "../src/feed.js";
import { buildApp, seedLeagues } from "../src/index.js";
import { registerBuiltinAgents } from "../src/league/builtins.js";
import { Ladder } from "../src/league/ladder.js";
import {
  type Candidate,
  planDuplicateMatch,
  planTeamMatch,
  playPriority,
  RESERVE_PRIORITY_FACTOR,
} from "../src/league/scheduler.js";
import type { RatingParams } from "../src/ratings.js";

const PARAMS: RatingParams = { model: "plackettLuce", mu: 25, sigma: 25 / 3, beta: 25 / 6, tau: 25 / 300 };
const candidate = (id: string, mu: number, sigma: number, games: number, agentId = id): Candidate => ({
  versionId: id,
  agentId,
  mu,
  sigma,
  games,
});

describe("scheduler", () => {
  it("gives new and uncertain versions more games", () => {
    expect(playPriority(candidate("new", 25, 8.3, 0), PARAMS)).toBeGreaterThan(
      playPriority(candidate("old", 25, 2, 200), PARAMS),
    );
    const rng = new Rng(1);
    const field = [
      candidate("new", 25, 8.3, 0),
      ...Array.from({ length: 9 }, (_, i) => candidate(`old${i}`, 25, 1.5, 300)),
    ];
    let newcomerPicked = 0;
    for (let i = 0; i < 400; i++)
      if (planDuplicateMatch(field, PARAMS, rng, 2)!.some((c) => c.versionId === "new")) newcomerPicked++;
    // Uniform choice would include it in 20% of matches; its priority should at least double that.
    expect(newcomerPicked / 400).toBeGreaterThan(0.4);
    expect(planDuplicateMatch([candidate("alone", 25, 8, 0)], PARAMS, rng)).toBeNull();
  });

  it("prefers even opponents, never pairs an agent with itself, and balances teams", () => {
    const rng = new Rng(2);
    const field = [
      candidate("a", 30, 1, 50),
      candidate("b", 29.5, 1, 50),
      candidate("c", 10, 1, 50),
      candidate("a2", 30, 1, 50, "a"),
    ];
    let even = 0;
    for (let i = 0; i < 300; i++) {
      const [[x], [y]] = planTeamMatch(field, PARAMS, rng, 1) as [[Candidate], [Candidate]];
      expect(x.agentId).not.toBe(y.agentId);
      if (Math.abs(x.mu - y.mu) < 1) even++;
    }
    expect(even / 300).toBeGreaterThan(0.5);
    const teams = planTeamMatch(
      [
        candidate("s1", 40, 1, 9),
        candidate("s2", 39, 1, 9),
        candidate("w1", 12, 1, 9),
        candidate("w2", 11, 1, 9),
      ],
      PARAMS,
      rng,
      2,
    )!;
    // The even split puts one strong and one weak player on each side.
    for (const team of teams) expect(team.map((c) => c.versionId[0]).sort()).toEqual(["s", "w"]);
    expect(planTeamMatch(field.slice(0, 2), PARAMS, rng, 2)).toBeNull();
  });

  it("keeps reserve versions playing, measurably less often than active ones with the same rating", () => {
    const active = candidate("twin", 25, 3, 40);
    const reserve: Candidate = { ...candidate("reserve", 25, 3, 40), reserve: true };
    expect(playPriority(reserve, PARAMS)).toBeCloseTo(RESERVE_PRIORITY_FACTOR * playPriority(active, PARAMS));
    const field = [
      ...Array.from({ length: 8 }, (_, i) => candidate(`other${i}`, 20 + i, 3, 40)),
      active,
      reserve,
    ];
    const draws = 4000;
    const plans = {
      "1v1": (rng: Rng) => planTeamMatch(field, PARAMS, rng, 1)!.flat(),
      "duplicate of 3": (rng: Rng) => planDuplicateMatch(field, PARAMS, rng, 3)!,
    };
    for (const [format, plan] of Object.entries(plans)) {
      const rng = new Rng(7);
      let twin = 0;
      let reserved = 0;
      for (let i = 0; i < draws; i++) {
        const players = plan(rng);
        if (players.includes(active)) twin++;
        if (players.includes(reserve)) reserved++;
      }
      // Both as the focal version and as an opponent its weight is a quarter (about 0.26 of the
      // active twin's matches with this seed); the margins leave room either side.
      expect(reserved, format).toBeGreaterThan(0.1 * twin);
      expect(reserved, format).toBeLessThan(0.5 * twin);
      expect(twin, format).toBeGreaterThan(draws / 20);
    }
  });

  it("puts a new version in each of its first placement matches, then back to normal priority", () => {
    const placementGames = 5;
    const plans = {
      "1v1": (field: Candidate[], rng: Rng, placement: number) =>
        planTeamMatch(field, PARAMS, rng, 1, { placementGames: placement })!.flat(),
      "duplicate of 2": (field: Candidate[], rng: Rng, placement: number) =>
        planDuplicateMatch(field, PARAMS, rng, 2, { placementGames: placement })!,
    };
    for (const [format, plan] of Object.entries(plans)) {
      // Soft priority alone (no placement burst) leaves the newcomer out of some early match for
      // some seeds; with the burst it is in every one of its first matches, for every seed.
      let softAlwaysIn = 0;
      for (let seed = 1; seed <= 40; seed++) {
        for (const placement of [0, placementGames]) {
          const rng = new Rng(seed);
          const field = [
            candidate("new", 25, 25 / 3, 0),
            ...Array.from({ length: 7 }, (_, i) => candidate(`old${i}`, 22 + i, 2, 30)),
          ];
          const newcomer = field[0]!;
          const history: boolean[] = [];
          for (let i = 0; i < 60; i++) {
            const players = plan(field, rng, placement);
            history.push(players.includes(newcomer));
            // Each game makes a player's rating more certain, down to the field's.
            for (const p of players) {
              p.games++;
              p.sigma = Math.max(2, p.sigma * 0.9);
            }
          }
          const first = history.slice(0, placementGames);
          if (placement === 0) {
            if (first.every(Boolean)) softAlwaysIn++;
            continue;
          }
          expect(first, `${format}, seed ${seed}`).toEqual(Array(placementGames).fill(true));
          // Placement done, normal priority: it sits out some matches (it would be in all of them
          // if the burst went on).
          const after = history.slice(placementGames);
          expect(after.filter(Boolean).length, `${format}, seed ${seed}`).toBeLessThan(0.8 * after.length);
        }
      }
      expect(softAlwaysIn, format).toBeLessThan(40);
    }
    // Reserve versions get no placement burst.
    const rng = new Rng(3);
    const field = [
      { ...candidate("old-reserve", 25, 25 / 3, 0), reserve: true },
      ...Array.from({ length: 7 }, (_, i) => candidate(`old${i}`, 22 + i, 2, 30)),
    ];
    let reserveIn = 0;
    for (let i = 0; i < 20; i++)
      if (planDuplicateMatch(field, PARAMS, rng, 2, { placementGames })!.includes(field[0]!)) reserveIn++;
    expect(reserveIn).toBeLessThan(20);
  });
});

const postgres = await probePostgres();
describe.each([
  { kind: "pglite" as const, skip: false },
  { kind: "postgres" as const, skip: !postgres.available },
])("ladder on $kind", ({ kind, skip }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    if (skip) return;
    db = await createTestDatabase(kind);
    await seedLeagues(db.prisma);
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it.skipIf(skip)(
    "registers the built-in baselines once, each starting at the league's default rating",
    async () => {
      const first = await registerBuiltinAgents(db.prisma);
      expect(first.created).toBeGreaterThan(20);
      expect(await registerBuiltinAgents(db.prisma)).toEqual({ created: 0 });
      const lsd = await db.prisma.rating.findMany({
        where: { leagueId: "bandit-lsd-10" },
        include: { version: { include: { agent: true } } },
      });
      expect(lsd.map((r) => r.version.agent.name).sort()).toEqual(
        [
          "discounted-thompson",
          "epsilon-greedy",
          "greedy",
          "random",
          "state-thompson",
          "sw-ucb",
          "thompson-bernoulli",
          "ucb1",
        ].sort(),
      );
      expect(lsd.every((r) => r.mu === 25 && r.games === 0)).toBe(true);
    },
  );

  it.skipIf(skip)(
    "plays rated duplicate matches in which a strong baseline ends above a random one",
    async () => {
      const events = new PlatformEvents();
      const seen: Record<string, number> = { "match.started": 0, "match.finished": 0, "rating.changed": 0 };
      for (const name of ["match.started", "match.finished", "rating.changed"] as const) {
        events.on(name, () => {
          seen[name]!++;
        });
      }
      const errors: Error[] = [];
      const ladder = new Ladder(db.prisma, events, {
        intervalMs: 0,
        seed: 11,
        leagues: ["bandit-lsd-10"],
        onError: (e) => errors.push(e),
      });
      for (let i = 0; i < 24; i++) {
        const id = await ladder.playNext();
        expect(errors.map((e) => e.message)).toEqual([]);
        expect(id).not.toBeNull();
      }
      expect(errors).toEqual([]);
      expect(ladder.matchesPlayed).toBe(24);
      expect(await db.prisma.match.count({ where: { leagueId: "bandit-lsd-10", status: "finished" } })).toBe(
        24,
      );
      expect(seen["match.finished"]).toBe(24);
      expect(seen["rating.changed"]).toBe(
        await db.prisma.ratingEvent.count({ where: { leagueId: "bandit-lsd-10" } }),
      );

      const app = await buildApp({ db, version: "0.0.0-test" });
      const board = (
        await app.inject({ method: "GET", url: "/api/v1/leagues/bandit-lsd-10/leaderboard?limit=100" })
      ).json() as {
        items: { agent: { name: string }; ordinal: number; games: number }[];
      };
      await app.close();
      const ordinalOf = (name: string) => board.items.find((e) => e.agent.name === name)!.ordinal;
      expect(ordinalOf("state-thompson")).toBeGreaterThan(ordinalOf("random"));
      expect(board.items.at(-1)!.agent.name).toMatch(/^(random|greedy)$/);
      expect(board.items.reduce((n, e) => n + e.games, 0)).toBeGreaterThan(24 * 2);
    },
  );

  it.skipIf(skip)("runs on a timer and stops cleanly with no match left running", async () => {
    const ladder = new Ladder(db.prisma, null, { intervalMs: 10, seed: 5, leagues: ["bandit-bernoulli-10"] });
    const finished = new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (ladder.matchesPlayed >= 2) {
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });
    ladder.start();
    await finished;
    await ladder.stop();
    expect(await db.prisma.match.count({ where: { status: "running" } })).toBe(0);
  });
});

export type { FeedEvents };
