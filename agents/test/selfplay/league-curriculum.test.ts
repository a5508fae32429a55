// The machinery of a curriculum that generalises: a pool of every built-in bot plus snapshots
// drawn by PFSP, stages that change the opponent mix, and validation against every bot.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Rng } from "@league/envs";
import { afterAll, describe, expect, it } from "vitest";
import { selectBackend } from "../../src/ppo/backend.js";
import { MetricsLog } from "../../src/report/metrics-log.js";
import { parseCarSoccerTrainConfig } from "../../src/selfplay/config.js";
import type { VsBotResult } from "../../src/selfplay/evaluate.js";
import { LEAGUE_BOTS, OpponentPool } from "../../src/selfplay/pool.js";
import { trainCarSoccer } from "../../src/selfplay/train.js";

const options = { weighting: "hard" as const, power: 2, latestShare: 0.1, maxSnapshots: 4, window: 100 };

/** Every built-in bot, beaten at rates 0.95 … 0.05, and two snapshots. */
function leaguePool() {
  const pool = new OpponentPool<string>({ ...options, scriptedShare: 0.5 });
  LEAGUE_BOTS.forEach((bot, i) => {
    pool.addScripted(bot, bot);
    const rate = 0.95 - (0.9 * i) / (LEAGUE_BOTS.length - 1);
    for (let g = 0; g < 100; g++) pool.record(`bot:${bot}`, g < rate * 100 ? 1 : 0);
  });
  pool.addSnapshot("snapshot-10", "a");
  pool.addSnapshot("snapshot-20", "b");
  return pool;
}

function draw(pool: OpponentPool<string>, seed: number, draws: number): Record<string, number> {
  const rng = new Rng(seed);
  const counts: Record<string, number> = {};
  for (let i = 0; i < draws; i++) {
    const id = pool.sample(rng).id;
    counts[id] = (counts[id] ?? 0) + 1;
  }
  return counts;
}

describe("a pool of every built-in bot", () => {
  it("draws every bot, in proportion to PFSP on its win rate (seeded, 40,000 draws)", () => {
    const pool = leaguePool();
    const draws = 40_000;
    const counts = draw(pool, 3, draws);
    // latest 0.1; bots-only 0.5 by PFSP among the bots; the other 0.4 by PFSP over bots and snapshots.
    const bots = pool.pastProbabilities((e) => e.kind === "scripted");
    const past = pool.pastProbabilities();
    const expected: Record<string, number> = { latest: 0.1 };
    for (const { entry, probability } of past) expected[entry.id] = 0.4 * probability;
    for (const { entry, probability } of bots) expected[entry.id]! += 0.5 * probability;
    for (const bot of LEAGUE_BOTS) expect(counts[`bot:${bot}`], bot).toBeGreaterThan(0);
    for (const [id, p] of Object.entries(expected))
      expect(Math.abs((counts[id] ?? 0) / draws - p), id).toBeLessThan(0.012);
    // f_hard: the bot beaten least is drawn most.
    expect(counts[`bot:${LEAGUE_BOTS.at(-1)}`]!).toBeGreaterThan(counts[`bot:${LEAGUE_BOTS[0]}`]! * 10);
    // Seeded: the same seed draws the same sequence.
    expect(draw(pool, 3, 500)).toEqual(draw(pool, 3, 500));
  });

  it("draws only a stage's bots once its mix names them, snapshots still in the PFSP share", () => {
    const pool = leaguePool();
    pool.setMix({ latestShare: 0.2, scriptedShare: 0.3, scripted: ["defender", "random"] });
    const counts = draw(pool, 9, 20_000);
    const drawnBots = Object.keys(counts).filter((id) => id.startsWith("bot:"));
    expect(drawnBots.sort()).toEqual(["bot:defender", "bot:random"]);
    expect(counts["snapshot-10"]! + counts["snapshot-20"]!).toBeGreaterThan(0);
    expect(Math.abs(counts.latest! / 20_000 - 0.2)).toBeLessThan(0.012);
    expect(() => pool.setMix({ latestShare: 0.8, scriptedShare: 0.3, scripted: null })).toThrow(
      /latestShare \+ scriptedShare <= 1/,
    );
  });

  it("refuses a stage mix naming a bot outside the pool, or shares over 1", () => {
    const config = (opponents: unknown) => () =>
      parseCarSoccerTrainConfig(
        {
          env: "car-soccer-1v1",
          out: "x",
          totalSteps: 10,
          selfplay: { scripted: ["ball-chaser", "defender"] },
          curriculum: [{ name: "a", opponents }],
        },
        "run.json",
      );
    expect(config({ scripted: ["random"] })).toThrow(
      /run.json: curriculum\[0\]\.opponents\.scripted\[0\]: "random" is not in selfplay.scripted/,
    );
    expect(config({ latestShare: 0.7, scriptedShare: 0.5 })).toThrow(
      /curriculum\[0\]\.opponents: latestShare \+ scriptedShare must be <= 1/,
    );
    expect(config({ scripted: ["defender"], scriptedShare: 0.5 })).not.toThrow();
    expect(() =>
      parseCarSoccerTrainConfig({
        env: "car-soccer-1v1",
        out: "x",
        totalSteps: 10,
        evaluation: { bots: ["ball-chaser", "goalie"] },
      }),
    ).toThrow(/evaluation\.bots\[1\]: unknown bot/);
  });
});

describe("training with stages of opponent mixes and validation against every bot", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("moves to the next stage's mix and plays every bot the configured games at each validation", async () => {
    const runtime = await selectBackend({ prefer: ["wasm", "cpu"] });
    const out = await mkdtemp(path.join(tmpdir(), "league-curriculum-"));
    dirs.push(out);
    const config = parseCarSoccerTrainConfig({
      env: "car-soccer-1v1",
      out,
      name: "tiny-league",
      totalSteps: 4 * 16 * 4,
      numEnvs: 4,
      seed: 5,
      episodeSeconds: 1,
      ppo: { numSteps: 16, hidden: [16], numMinibatches: 2, updateEpochs: 1 },
      selfplay: { latestShare: 0, scriptedShare: 1, scripted: [...LEAGUE_BOTS] },
      evaluation: { every: 2, games: 2, bots: [...LEAGUE_BOTS], seconds: 5, seed: 900 },
      curriculum: [
        {
          name: "chaser only",
          opponents: { scripted: ["ball-chaser"] },
          // Any one game against the chaser ends this stage.
          advanceWhen: { winRate: 0, games: 1, opponent: "bot:ball-chaser" },
        },
        { name: "every bot", opponents: { latestShare: 0.2, scriptedShare: 0.8 } },
      ],
    });
    const result = await trainCarSoccer(runtime, config, { stream: { write: () => true } });
    expect(result.stageChanges.map((c) => c.toName)).toEqual(["every bot"]);
    expect(result.pool.currentMix).toEqual({ latestShare: 0.2, scriptedShare: 0.8, scripted: null });
    // Before the change only the chaser was drawn; games against the others came after it.
    const evals = (await MetricsLog.read(result.metricsFile)).filter(
      (m) => typeof m["eval/worst_win_rate"] === "number",
    );
    expect(evals.map((m) => m.global_step)).toEqual([128, 256]);
    for (const m of evals) {
      for (const bot of LEAGUE_BOTS) expect(typeof m[`eval/win_rate_vs_${bot}`]).toBe("number");
      const rates = LEAGUE_BOTS.map((bot) => m[`eval/win_rate_vs_${bot}`] as number);
      expect(m["eval/worst_win_rate"]).toBe(Math.min(...rates));
    }
    const best = JSON.parse(await readFile(path.join(out, "best", "evaluation.json"), "utf8")) as {
      results: Record<string, VsBotResult>;
      result: VsBotResult;
      select: string;
      rank: number[];
    };
    expect(best.select).toBe("worst");
    expect(Object.keys(best.results).sort()).toEqual([...LEAGUE_BOTS].sort());
    for (const bot of LEAGUE_BOTS) expect(best.results[bot]!.games).toBe(2);
    expect(best.result.games).toBe(2 * LEAGUE_BOTS.length);
    expect(best.rank[0]).toBe(Math.min(...LEAGUE_BOTS.map((b) => best.results[b]!.winRate)));
  });
});
