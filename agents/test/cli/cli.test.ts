import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { league, trainTinyCar } from "./league.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "league-cli-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("league CLI", () => {
  it("answers bad arguments with one clear line and exit code 2", async () => {
    const none = await league([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toContain("league train <config.json>");
    const cases: [string[], RegExp][] = [
      [["frob"], /^league: unknown command "frob"; commands: train, eval, play, submit/],
      [["eval", "ucb1"], /^league: eval needs two agents/],
      [
        ["eval", "ucb1", "--vs", "random", "--games", "many"],
        /^league: --games must be an integer, got "many"/,
      ],
      [["eval", "ucb1", "--vs", "random", "--env", "chess"], /^league: unknown environment "chess"/],
      [["eval", "--nope"], /^league: eval: Unknown option '--nope'/],
      [
        ["eval", "alphago", "--vs", "random"],
        /^league: "alphago" is neither a checkpoint folder, a built-in agent nor a bot of bandit-bernoulli-10; bots: .*thompson-bernoulli.*; built-in agents: ppo-history/,
      ],
      // A shipped agent's env is its checkpoint's; the bots named must be that env's.
      [
        ["play", "ppo-selfplay", "--vs", "ucb1"],
        /^league: "ucb1" is neither a checkpoint folder, a built-in agent nor a bot of car-soccer-1v1; bots: ball-chaser, defender, .*; built-in agents: ppo-selfplay/,
      ],
      [
        ["eval", "ppo-selfplay", "--vs", "ppo-history"],
        /^league: ppo-history plays bandit-bernoulli-10, not car-soccer-1v1/,
      ],
      [
        ["eval", "ppo-selfplay", "--vs", "ball-chaser", "--env", "car-soccer-2v2"],
        /^league: ppo-selfplay plays car-soccer-1v1, not car-soccer-2v2/,
      ],
      [["submit", dir], /^league: submit needs --server URL/],
    ];
    for (const [args, message] of cases) {
      const result = await league(args);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    }
    expect((await league(["eval", "--help"])).stdout).toMatch(/duplicate play/);
  });

  it("explains every command with --help", async () => {
    for (const [command, usage] of [
      ["train", /league train <config.json>/],
      ["eval", /league eval <agent> --vs <agent>/],
      ["play", /league play <agent>/],
      ["submit", /league submit <checkpoint> --server URL --key KEY/],
      ["connect", /league connect <checkpoint> --server URL --key KEY/],
      ["reward", /league reward analyse/],
    ] as const) {
      const help = await league([command, "--help"]);
      expect(help.code, command).toBe(0);
      expect(help.stdout, command).toMatch(usage);
    }
  });

  it("plays one episode with a summary: a bandit's return and regret, a car-soccer game's score", async () => {
    const bandit = await league(["play", "ucb1", "--env", "bandit-bernoulli-10", "--seed", "3"]);
    expect(bandit.code).toBe(0);
    const line =
      /ucb1 on bandit-bernoulli-10 \(seed 3\): return ([\d.]+), regret (-?[\d.]+) against the oracle's ([\d.]+)/.exec(
        bandit.stdout,
      );
    expect(line).not.toBeNull();
    const [ret, regret, oracle] = line!.slice(1).map(Number) as [number, number, number];
    expect(ret).toBeGreaterThan(0);
    expect(regret).toBeGreaterThan(0);
    expect(oracle).toBeGreaterThan(ret);
    // The same seed plays the same episode.
    expect((await league(["play", "ucb1", "--env", "bandit-bernoulli-10", "--seed", "3"])).stdout).toBe(
      bandit.stdout,
    );

    // Car soccer under league rules: five minutes, goals counted, kickoff after each, the score as it goes.
    const car = await league(["play", "ball-chaser", "--vs", "random", "--seed", "1"]);
    expect(car.code, car.stderr).toBe(0);
    expect(car.stdout).toMatch(
      /^ball-chaser \(blue\) vs random \(orange\) on car-soccer-1v1: 300 s, seed 1$/m,
    );
    expect(car.stdout).toMatch(/^0:30 {2}blue \d+ – \d+ orange {2}ball \(-?\d+, -?\d+, \d+\)$/m);
    expect(car.stdout).toMatch(/^5:00 {2}blue \d+ – \d+ orange/m);
    const goals = [
      ...car.stdout.matchAll(
        /^\d:\d\d {2}goal (blue|orange) \((ball-chaser|random)\) {2}blue (\d+) – (\d+) orange$/gm,
      ),
    ];
    const final = /^ball-chaser \(blue\) (\d+) – (\d+) random \(orange\) after 300 s: (draw|\S+ wins)$/m.exec(
      car.stdout,
    );
    expect(final).not.toBeNull();
    // The ball-chaser scores on the random bot more than once in five minutes; each goal line counts one more.
    expect(Number(final![1])).toBeGreaterThan(1);
    expect(goals.length).toBe(Number(final![1]) + Number(final![2]));
    goals.forEach((g, i) => {
      expect(Number(g[3]) + Number(g[4])).toBe(i + 1);
      expect(g[2]).toBe(g[1] === "blue" ? "ball-chaser" : "random");
    });
  });

  it("plays and evaluates the shipped agents by name, in their checkpoint's environment", async () => {
    const car = await league(["play", "ppo-selfplay", "--vs", "defender", "--seconds", "30"]);
    expect(car.code, car.stderr).toBe(0);
    expect(car.stdout).toMatch(/^ppo-selfplay \(blue\) vs defender \(orange\) on car-soccer-1v1: 30 s/m);
    expect(car.stdout).toMatch(/^ppo-selfplay \(blue\) \d+ – \d+ defender \(orange\) after 30 s/m);
    const evaluated = await league([
      "eval",
      "ppo-selfplay",
      "--vs",
      "ball-chaser",
      "--games",
      "2",
      "--seconds",
      "20",
    ]);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(evaluated.stdout).toMatch(
      /^ppo-selfplay vs ball-chaser on car-soccer-1v1: \d+ wins, \d+ draws, \d+ losses in 2 games/m,
    );
    const bandit = await league(["eval", "ppo-history", "--vs", "ucb1", "--games", "2"]);
    expect(bandit.code, bandit.stderr).toBe(0);
    expect(bandit.stdout).toMatch(/^ppo-history\s+return [\d.]+/m);
    expect(bandit.stdout).toMatch(/^ucb1\s+return [\d.]+/m);
  });

  it("evaluates bandit baselines by duplicate play and car-soccer bots by games", async () => {
    const bandit = await league(["eval", "thompson-bernoulli", "--vs", "random", "--games", "3"]);
    expect(bandit.code).toBe(0);
    expect(bandit.stdout).toMatch(/thompson-bernoulli\s+return [\d.]+ ± [\d.]+\s+regret [\d.]+\s+rank 1/);
    // Two car-soccer bots play car soccer without --env.
    const cars = await league(["eval", "ball-chaser", "--vs", "random", "--games", "4"]);
    expect(cars.code).toBe(0);
    expect(cars.stdout).toMatch(
      /ball-chaser vs random on car-soccer-1v1: \d+ wins, \d+ draws, \d+ losses in 4 games/,
    );
    expect(cars.stderr).toMatch(/eval .* 100\.0%/);
    // League rules by default: a chaser scores on a random car more than once in 300 s, which a
    // game ending at its first goal cannot show; --rules first-goal still ends there.
    const goals = (out: string) =>
      out
        .match(/goals (\d+)–(\d+)/)!
        .slice(1)
        .map(Number);
    const [forLeague = 0] = goals(cars.stdout);
    expect(forLeague).toBeGreaterThan(4);
    const firstGoal = await league([
      "eval",
      "ball-chaser",
      "--vs",
      "random",
      "--games",
      "4",
      "--rules",
      "first-goal",
    ]);
    expect(firstGoal.code, firstGoal.stderr).toBe(0);
    const [forFirst = 0, againstFirst = 0] = goals(firstGoal.stdout);
    expect(forFirst + againstFirst).toBeLessThanOrEqual(4);
    expect(
      (await league(["eval", "ball-chaser", "--vs", "random", "--rules", "golden-goal"])).stderr,
    ).toMatch(/--rules must be league or first-goal/);
  });

  it("trains, checkpoints, resumes the step count and evaluates the checkpoint", async () => {
    const config = path.join(dir, "train.json");
    const out = path.join(dir, "run");
    await writeFile(
      config,
      JSON.stringify({
        env: "bandit-bernoulli-10",
        out,
        name: "tiny",
        totalSteps: 2048,
        numEnvs: 8,
        seed: 2,
        checkpointEvery: 1,
        ppo: { numSteps: 64, hidden: [16] },
      }),
    );
    const first = await league(["train", config]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/tfjs backend: (wasm|cpu|tensorflow)/);
    const manifest = JSON.parse(await readFile(path.join(out, "latest", "agent.json"), "utf8"));
    expect(manifest).toMatchObject({
      name: "tiny",
      env: "bandit-bernoulli-10",
      actionParser: "discrete",
      training: { globalStep: 2048 },
    });
    expect((await readFile(path.join(out, "metrics.jsonl"), "utf8")).trim().split("\n").length).toBe(4);
    expect(await readFile(path.join(out, "summary.svg"), "utf8")).toMatch(/^<svg/);

    // totalSteps is the run's: at its total a resume has nothing left; raised, it goes on to it.
    const done = await league(["train", config, "--resume", "latest"]);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toContain("already has 2048 of the run's 2048 steps");
    const longer = JSON.parse(await readFile(config, "utf8"));
    await writeFile(config, JSON.stringify({ ...longer, totalSteps: 4096 }));
    const resumed = await league(["train", config, "--resume", "latest"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain("resuming from");
    expect(
      JSON.parse(await readFile(path.join(out, "latest", "agent.json"), "utf8")).training.globalStep,
    ).toBe(4096);
    expect((await readFile(path.join(out, "metrics.jsonl"), "utf8")).trim().split("\n").length).toBe(8);

    const evaluated = await league(["eval", path.join(out, "latest"), "--vs", "random", "--games", "2"]);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(evaluated.stdout).toMatch(/^tiny\s+return/m);
  });

  it("names the bad field of a training config", async () => {
    const config = path.join(dir, "bad.json");
    await writeFile(config, JSON.stringify({ env: "bandit-lsd-10", out: dir, totalSteps: -5 }));
    const result = await league(["train", config]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/bad\.json: totalSteps: /);
    await writeFile(
      config,
      JSON.stringify({ env: "car-soccer-1v1", out: dir, totalSteps: 5, selfplay: { latestShare: 2 } }),
    );
    const carSoccer = await league(["train", config]);
    expect(carSoccer.code).toBe(2);
    expect(carSoccer.stderr).toMatch(/bad\.json: selfplay\.latestShare: /);
  });

  it("trains car soccer by self-play into a checkpoint that plays the ball-chaser", async () => {
    const out = path.join(dir, "car-run");
    const trained = await trainTinyCar(path.join(dir, "car.json"), out);
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.stderr).toMatch(/win vs pool/);
    expect(trained.stdout).toMatch(/charts: .*summary\.svg, .*ratings\.svg/);
    const evaluated = await league([
      "eval",
      path.join(out, "latest"),
      "--vs",
      "ball-chaser",
      "--env",
      "car-soccer-1v1",
      "--games",
      "2",
    ]);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(evaluated.stdout).toMatch(
      /vs ball-chaser on car-soccer-1v1: \d+ wins, \d+ draws, \d+ losses in 2 games/,
    );
  });

  it("submits a checkpoint folder as multipart files with the key, and reports a refusal", async () => {
    const received: { auth?: string; body: string }[] = [];
    let refuse = false;
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString("latin1")));
      req.on("end", () => {
        received.push({ auth: req.headers.authorization, body });
        res.setHeader("content-type", "application/json");
        if (refuse) {
          res.statusCode = 422;
          res.end(
            JSON.stringify({
              error: {
                code: "unknown_layer",
                message: "model.json uses layer types the league does not run: Lambda",
              },
            }),
          );
        } else {
          res.statusCode = 201;
          res.end(JSON.stringify({ agentId: "a1", versionId: "v1", version: 3, status: "pending" }));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const ckpt = path.join(dir, "run", "latest");
      const ok = await league(["submit", ckpt, "--server", url, "--key", "al_abcdefghij_secret"]);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(/submitted version 3 \(pending\)/);
      // The new agent's page on the web site: the server's host on port 3000, or --web.
      expect(ok.stdout).toMatch(/^agent page: http:\/\/127\.0\.0\.1:3000\/agents\/a1$/m);
      const web = await league([
        "submit",
        ckpt,
        "--server",
        url,
        "--key",
        "al_abcdefghij_secret",
        "--web",
        "https://league.example/",
      ]);
      expect(web.stdout).toMatch(/^agent page: https:\/\/league\.example\/agents\/a1$/m);
      expect(received[0]!.auth).toBe("Bearer al_abcdefghij_secret");
      for (const file of ["agent.json", "model.json", "weights.bin"])
        expect(received[0]!.body).toContain(`filename="${file}"`);
      expect(received[0]!.body).toMatch(/name="agent"\r\n\r\ntiny\r\n/);
      refuse = true;
      const refused = await league(["submit", ckpt, "--server", url], { LEAGUE_KEY: "al_abcdefghij_secret" });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        /the server refused the submission \(422 unknown_layer\): model\.json uses layer types/,
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
