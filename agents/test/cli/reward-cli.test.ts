import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { league, trainTinyCar } from "./league.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "league-reward-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("league reward analyse", () => {
  it("plays episodes with a spec and writes the analysis as JSON and SVG", async () => {
    const spec = path.join(dir, "spec.json");
    await writeFile(
      spec,
      JSON.stringify({
        reward: {
          weightedSum: [
            { node: { term: "goal" }, weight: 1 },
            { node: { term: "concede" }, weight: -1 },
            { node: { term: "velocity_player_to_ball" }, weight: 0.1 },
          ],
        },
      }),
    );
    const out = path.join(dir, "spec-out");
    const r = await league([
      "reward",
      "analyse",
      "--spec",
      spec,
      "--orange",
      "idle",
      "--episodes",
      "2",
      "--seconds",
      "15",
      "--out",
      out,
    ]);
    expect(r.stderr).toContain("reward analyse");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ball-chaser \(blue\) vs idle \(orange\), 2 episodes/);
    expect(r.stdout).toMatch(/EPIC \d\.\d{3} on \d+ sampled transitions .*STARC \d\.\d{3} on \d+ states/);
    const json = JSON.parse(await readFile(path.join(out, "analysis.json"), "utf8"));
    expect(json.episodes.statistics.components.map((c: { name: string }) => c.name)).toEqual([
      "goal",
      "concede",
      "velocity_player_to_ball",
    ]);
    expect(json.episodes.distanceToGoals.epic).toBeGreaterThan(0);
    expect(await readFile(path.join(out, "analysis.svg"), "utf8")).toMatch(
      /^<svg[\s\S]*velocity_player_to_ball/,
    );
  });

  it("adds an RND novelty bonus with --novelty and reports it as a component", async () => {
    const out = path.join(dir, "novelty-out");
    const args = ["reward", "analyse", "--orange", "idle", "--episodes", "2", "--seconds", "10"];
    const r = await league([...args, "--novelty", "0.2", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("novelty (RND)");
    const json = JSON.parse(await readFile(path.join(out, "analysis.json"), "utf8"));
    const names = json.episodes.statistics.components.map((c: { name: string }) => c.name);
    expect(names.at(-1)).toBe("novelty (RND)");
    expect(json.episodes.statistics.components.at(-1).perStep.mean).toBeGreaterThan(0);
    expect(json.episodes.novelty).toMatchObject({ coef: 0.2, seed: 1 });
    const bad = await league([...args, "--novelty", "lots", "--out", out]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('league: --novelty must be a positive number, got "lots"');
  });

  it("checks a run's metrics for reward hacking", async () => {
    const run = path.join(dir, "run");
    await mkdir(run, { recursive: true });
    const lines = Array.from({ length: 16 }, (_, i) =>
      JSON.stringify({
        global_step: (i + 1) * 512,
        "charts/episodic_return": i * 2,
        "charts/win_rate": 0.9 - i * 0.05,
      }),
    );
    await writeFile(path.join(run, "metrics.jsonl"), `${lines.join("\n")}\n`);
    const r = await league(["reward", "analyse", run]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/WARNING: shaped return rises .* while the outcome falls/);
    const json = JSON.parse(await readFile(path.join(run, "analysis.json"), "utf8"));
    expect(json.run).toMatchObject({ outcome: "charts/win_rate", points: 16, hacking: { flagged: true } });
    expect(await readFile(path.join(run, "run-trend.svg"), "utf8")).toContain("possible reward hacking");
  });

  it("judges a self-play run by its win rate against a scripted bot, not against its own pool", async () => {
    const run = path.join(dir, "selfplay-run");
    await mkdir(run, { recursive: true });
    // As selfplay/train.ts logs: the pool strengthens with the learner, so its win rate stays flat
    // while the one against the fixed ball-chaser falls; a stage change row carries no returns.
    const lines = Array.from({ length: 16 }, (_, i) =>
      JSON.stringify({
        global_step: (i + 1) * 512,
        "charts/episodic_return": i * 2,
        "charts/win_rate_vs_pool": 0.5,
        "charts/win_rate_vs_ball-chaser": i === 0 ? null : 0.9 - i * 0.05,
        "curriculum/stage_name": "kickoff",
      }),
    );
    lines.splice(8, 0, JSON.stringify({ global_step: 4100, "curriculum/stage_change": { from: 0, to: 1 } }));
    await writeFile(path.join(run, "metrics.jsonl"), `${lines.join("\n")}\n`);
    const r = await league(["reward", "analyse", run]);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(await readFile(path.join(run, "analysis.json"), "utf8"));
    expect(json.run).toMatchObject({
      outcome: "charts/win_rate_vs_ball-chaser",
      points: 15,
      hacking: { flagged: true },
    });
    const byPool = await league(["reward", "analyse", run, "--outcome", "charts/win_rate_vs_pool"]);
    expect(byPool.code, byPool.stderr).toBe(0);
    const pooled = JSON.parse(await readFile(path.join(run, "analysis.json"), "utf8"));
    expect(pooled.run).toMatchObject({ outcome: "charts/win_rate_vs_pool", hacking: { flagged: false } });
    const text = await league(["reward", "analyse", run, "--outcome", "curriculum/stage_name"]);
    expect(text.code).toBe(2);
    expect(text.stderr).toMatch(/no numeric outcome metric "curriculum\/stage_name"/);
  });

  it("analyses a real `league train` car-soccer run: its outcome and its checkpoint's reward", async () => {
    const run = path.join(dir, "car-run");
    const trained = await trainTinyCar(path.join(dir, "car.json"), run);
    expect(trained.code, trained.stderr).toBe(0);
    const r = await league(["reward", "analyse", run, "--episodes", "1", "--seconds", "5"]);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(await readFile(path.join(run, "analysis.json"), "utf8"));
    expect(json.run.outcome).toBe("charts/win_rate_vs_ball-chaser");
    expect(json.run.hacking.flagged).toBe(false);
    // The checkpoint (named by its config) played blue under the reward it was trained with.
    expect(json.episodes.players.blue).toBe("tiny-car");
    expect(json.episodes.statistics.components.length).toBeGreaterThan(1);
    expect(await readFile(path.join(run, "analysis.svg"), "utf8")).toMatch(/^<svg/);
  });

  it("rejects bad arguments with one clear line and exit code 2", async () => {
    const badSpec = path.join(dir, "bad.json");
    await writeFile(badSpec, JSON.stringify({ reward: { krc: [{ term: "goal" }] } }));
    const noOutcome = path.join(dir, "no-outcome");
    await mkdir(noOutcome, { recursive: true });
    await writeFile(
      path.join(noOutcome, "metrics.jsonl"),
      `${JSON.stringify({ global_step: 1, "charts/episodic_return": 1 })}\n`,
    );
    const cases: [string[], RegExp][] = [
      [["reward"], /unknown subcommand ""/],
      [["reward", "analyse", "--episodes", "0"], /--episodes must be a positive integer, got "0"/],
      [["reward", "analyse", "--spec", badSpec, "--out", dir], /bad\.json: reward spec: reward\.krc: /],
      [
        ["reward", "analyse", "--env", "bandit-lsd-10", "--out", dir],
        /bandit-lsd-10 is not a car-soccer environment/,
      ],
      [["reward", "analyse", path.join(dir, "missing")], /no such run folder/],
      [["reward", "analyse", noOutcome], /no numeric outcome metric .* pass --outcome/],
    ];
    for (const [args, message] of cases) {
      const r = await league(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    const help = await league(["reward", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("EPIC and STARC");
  });
});
