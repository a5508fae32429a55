// What a person sees, in a real browser: Debian's Chromium driven by playwright-core.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { descendants, freePort, type Platform, ROOT, startPlatform } from "./platform.js";

const CHROMIUM = "/usr/bin/chromium";
const available = existsSync(CHROMIUM);
if (!available) {
  if (process.env.CI === "true")
    throw new Error(`${CHROMIUM} is missing; under CI=true the browser tests must run (.ci/run installs it)`);
  console.warn(`skipping browser tests: ${CHROMIUM} is not installed (apt-get install -y chromium)`);
}
const SHOTS = path.join(ROOT, "tests", "test-artifacts", "screenshots");

/** Whether a URL is served by this machine (the only hosts a page may ask). */
const isLocal = (url: string) => {
  if (!/^(https?|wss?):/.test(url)) return true; // data:, blob:, about:
  return ["127.0.0.1", "localhost", "[::1]"].includes(new URL(url).hostname);
};

describe.skipIf(!available)("in Chromium", () => {
  let platform: Platform;
  let browser: Browser;
  // Every request any page made to a host other than this machine (fonts, scripts, analytics…).
  const outside: string[] = [];
  let requests = 0;
  const openPage = async (options: Parameters<Browser["newPage"]>[0]) => {
    const page = await browser.newPage(options);
    page.on("request", (r) => {
      requests++;
      if (!isLocal(r.url())) outside.push(r.url());
    });
    page.on("websocket", (w) => {
      if (!isLocal(w.url())) outside.push(w.url());
    });
    return page;
  };
  let dataDir: string;
  let web: string;
  let api: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "league-browser-"));
    const [serverPort, webPort] = [await freePort(), await freePort()];
    platform = startPlatform({
      LEAGUE_DATA_DIR: dataDir,
      SERVER_PORT: String(serverPort),
      WEB_PORT: String(webPort),
      LADDER_INTERVAL_MS: "300",
      // Short live matches, so that one finishes (and leaves a replay) while the tests run.
      LIVE_MATCH_SECONDS: "12",
      // A live bandit match of 4 × 1,000 steps lasts about 27 s: watched live, then finished.
      LIVE_DUPLICATE_STEPS_PER_SECOND: "150",
      // Longer placement than the default 5, so that leagues show ranked and provisional versions
      // side by side for a while.
      PLACEMENT_GAMES: "12",
    });
    await platform.waitForOutput("Press Ctrl-C to stop.", 90_000);
    web = `http://127.0.0.1:${webPort}`;
    api = `http://127.0.0.1:${serverPort}`;
    await mkdir(SHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // As ../shared/STACK.md says; SwiftShader gives WebGL without a GPU.
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--use-angle=swiftshader",
        "--enable-unsafe-swiftshader",
      ],
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    if (platform) {
      const family = descendants(platform.process.pid!);
      platform.process.kill("SIGTERM");
      await platform.exited;
      for (const pid of family) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // Already stopped.
        }
      }
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it("shows the leagues, and a leaderboard of agents the ladder rated", async () => {
    const page = await openPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(web);
    // The first page after start waits for the server's first answers: slow on a loaded machine.
    await expect
      .poll(() => page.locator("[data-league]").count(), { timeout: 30_000 })
      .toBeGreaterThanOrEqual(10);
    await page.screenshot({ path: path.join(SHOTS, "home.png"), fullPage: true });
    // Wait until the ladder has rated some games in this league.
    await expect
      .poll(
        async () =>
          ((await (await fetch(`${api}/api/v1/leagues/bandit-lsd-10`)).json()) as { finishedMatches: number })
            .finishedMatches,
        { timeout: 30_000 },
      )
      .toBeGreaterThan(0);
    await page.goto(`${web}/leagues/bandit-lsd-10`);
    const rows = page.locator("table.board tbody tr");
    expect(await rows.count()).toBeGreaterThanOrEqual(5);
    await expect
      .poll(async () => Number(await rows.first().locator("td").nth(4).textContent()))
      .toBeGreaterThan(0);
    expect(await page.locator("figure.chart svg").count()).toBe(1);
    // Sortable: by games, most first.
    await page.getByRole("button", { name: "Games" }).click();
    const games = (await rows.locator("td:nth-child(5)").allTextContents()).map(Number);
    expect(games).toEqual([...games].sort((a, b) => b - a));
    // The page subscribes to the live feed for this league.
    await page.locator(".live-dot.on").waitFor({ timeout: 15_000 });
    // As the ladder plays on, the games column grows on this page without a reload.
    const url = page.url();
    const totalGames = async () =>
      (await rows.locator("td:nth-child(5)").allTextContents()).map(Number).reduce((a, b) => a + b, 0);
    const before = await totalGames();
    await expect.poll(totalGames, { timeout: 45_000 }).toBeGreaterThan(before);
    expect(page.url()).toBe(url);
    await page.screenshot({ path: path.join(SHOTS, "leaderboard.png"), fullPage: true });
    // Paged by 3: the next page goes on from rank 4, and the first page comes back.
    await page.goto(`${web}/leagues/bandit-lsd-10?limit=3`);
    const ranks = () => rows.locator("td:first-child").allTextContents();
    expect(await ranks()).toEqual(["1", "2", "3"]);
    await page.getByRole("link", { name: "Next page →" }).click();
    await page.waitForURL(/cursor=.*limit=3|limit=3.*cursor=/);
    expect((await ranks())[0]).toBe("4");
    await page.getByRole("link", { name: "← First page" }).click();
    await page.waitForURL((u) => !u.search.includes("cursor"));
    expect(await ranks()).toEqual(["1", "2", "3"]);
    // Rows per page offered as links.
    await page.getByRole("link", { name: "10", exact: true }).click();
    await page.waitForURL(/limit=10/);
    expect(await rows.count()).toBeGreaterThan(3);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(SHOTS, "leaderboard-phone.png"), fullPage: true });
    await page.close();
  });

  it("lists recent results on the home page, and shows an agent's page and the API page", async () => {
    const page = await openPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(web);
    const recent = page.locator("section[aria-label='Recent results'] .match-list li");
    await expect.poll(() => recent.count(), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await recent.first().locator(".match-league").textContent()).toMatch(/^[a-z0-9-]+$/);
    // From a leaderboard to the leader's page: its versions, rating history and recent matches.
    await page.goto(`${web}/leagues/bandit-lsd-10`);
    const leader = page.locator("table.board tbody tr").first().locator("a").first();
    const name = (await leader.textContent())!.trim();
    await leader.click();
    await page.waitForURL(/\/agents\//);
    expect((await page.locator("h1").textContent())!.trim()).toBe(name);
    expect(await page.locator("section[aria-label='Versions'] table.board tbody tr").count()).toBeGreaterThan(
      0,
    );
    // At least its latest rating is drawn, even after a single rated match.
    await page.locator("section[aria-label='Rating history'] figure.chart svg circle").first().waitFor();
    expect(await page.locator("section[aria-label='Recent matches'] .match-list li").count()).toBeGreaterThan(
      0,
    );
    await page.screenshot({ path: path.join(SHOTS, "agent.png"), fullPage: true });
    // The API page lists the endpoints from the server's OpenAPI document.
    await page.goto(`${web}/api`);
    const endpoints = await page.locator("section[aria-label='Endpoints'] code").allTextContents();
    expect(endpoints).toContain("/api/v1/leagues/{id}/leaderboard");
    expect(endpoints).toContain("/api/v1/matches");
    await page.screenshot({ path: path.join(SHOTS, "api.png"), fullPage: true });
    await page.close();
  });

  it("draws a live match in 3D and its clock advances", async () => {
    const page = await openPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    let live: { id: string; leagueId: string; live: boolean }[] = [];
    const clock = page.locator("[data-testid=clock]");
    // The clock's text, or "ended" once the match is over and the page has turned into its result
    // (which can happen between counting the clock and reading it).
    const clockNow = async () => {
      if ((await clock.count()) === 0) return "ended";
      try {
        return (await clock.textContent({ timeout: 2_000 })) ?? "";
      } catch {
        return (await clock.count()) === 0 ? "ended" : "";
      }
    };
    const until = async (ok: (text: string) => boolean, ms: number): Promise<string | null> => {
      for (const end = Date.now() + ms; Date.now() < end; await page.waitForTimeout(250)) {
        const text = await clockNow();
        if (ok(text)) return text;
      }
      return null;
    };
    // A 12 s match may end while a loaded machine opens its page: then watch the next one.
    let advanced = false;
    for (let attempt = 0; attempt < 3 && !advanced; attempt++) {
      const seen = new Set(live.map((m) => m.id));
      await expect
        .poll(
          async () => {
            const all = (await (await fetch(`${api}/api/v1/matches/live`)).json()) as { items: typeof live };
            // Live car soccer: bandit/recommender matches are live too, and ladder matches run headless.
            live = all.items.filter(
              (m) => m.live && m.leagueId.startsWith("car-soccer") && (attempt === 0 || !seen.has(m.id)),
            );
            return live.length;
          },
          { timeout: 30_000 },
        )
        .toBeGreaterThan(0);
      await page.goto(`${web}/matches/${live[0]!.id}`);
      const canvas = page.locator(".live-canvas canvas");
      // The live view, or the result if the match ended on the way.
      await canvas.or(page.locator("[data-testid=replay-time]")).first().waitFor();
      if ((await canvas.count()) === 0) continue;
      const box = await canvas.boundingBox();
      expect(box!.width).toBeGreaterThan(600);
      // A clock, or null when none shows within 15 s (a match that ended as the page joined).
      const first = await until((t) => /^(\d+:\d\d|ended)$/.test(t), 15_000);
      if (first === null || first === "ended") continue;
      advanced = ((await until((t) => t !== first, 15_000)) ?? "ended") !== "ended";
    }
    expect(advanced, "a live match's clock advanced while watched").toBe(true);
    await page.getByRole("button", { name: "ball cam" }).click();
    await page.screenshot({ path: path.join(SHOTS, "live.png") });
    // Watched to the end (12 s matches here): the same page turns into the result and its replay.
    const url = page.url();
    await page.locator("[data-testid=replay-time]").waitFor({ timeout: 60_000 });
    expect(page.url()).toBe(url);
    expect(await page.locator("[data-testid=clock]").count()).toBe(0);
    expect(await page.locator("section[aria-label='Live view']").count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("draws a live bandit match's curves and arm pulls, its step counter advancing, then its stored curves", async () => {
    const page = await openPage({ viewport: { width: 1280, height: 1400 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    type Listed = { id: string; leagueId: string; live: boolean; startedAt: string; participants: unknown[] };
    let match: Listed | undefined;
    await expect
      .poll(
        async () => {
          const all = (await (await fetch(`${api}/api/v1/matches/live`)).json()) as { items: Listed[] };
          // A live bandit match with most of its ~27 s still to play.
          match = all.items.find(
            (m) =>
              m.live &&
              m.leagueId.startsWith("bandit-") &&
              Date.now() - new Date(m.startedAt).getTime() < 12_000,
          );
          return match !== undefined;
        },
        { timeout: 60_000, interval: 250 },
      )
      .toBe(true);
    const seats = match!.participants.length;
    // The home page lists it among the live matches, and links to it.
    await page.goto(web);
    await page.locator(`section[aria-label="Live now"] a[href="/matches/${match!.id}"]`).click();
    await page.waitForURL(`**/matches/${match!.id}`);
    const step = page.locator("[data-testid=step]");
    await expect.poll(() => step.textContent(), { timeout: 15_000 }).toMatch(/^step \d+ \/ 4000$/);
    const first = Number((await step.textContent())!.split(" ")[1]);
    await expect
      .poll(async () => Number((await step.textContent())!.split(" ")[1]), { timeout: 10_000 })
      .toBeGreaterThan(first + 50);
    // Two charts (return, regret) with a line per seat, and a bar per arm per seat.
    const view = page.locator(".duplicate-live");
    expect(await view.locator("figure.chart polyline").count()).toBe(2 * seats);
    await expect.poll(() => view.locator(".pull-bar rect").count()).toBe(10 * seats);
    const points = (await view.locator("figure.chart polyline").first().getAttribute("points"))!.split(" ");
    expect(points.length).toBeGreaterThan(2);
    await page.screenshot({ path: path.join(SHOTS, "live-bandit.png"), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(SHOTS, "live-bandit-phone.png"), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 1400 });

    // Once finished, the page refreshes itself and draws the curves the match stored.
    const curves = page.locator("section[aria-label=Curves]");
    await curves.waitFor({ timeout: 45_000 });
    expect(
      ((await (await fetch(`${api}/api/v1/matches/${match!.id}`)).json()) as { status: string }).status,
    ).toBe("finished");
    expect(await curves.locator("figure.chart polyline").count()).toBe(2 * seats);
    expect(await curves.locator(".pull-bar rect").count()).toBe(10 * seats);
    expect(await page.locator("[data-testid=step]").count()).toBe(0);
    await page.screenshot({ path: path.join(SHOTS, "bandit-finished.png"), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("replays a finished match by re-simulating it, and can pause and scrub", async () => {
    let finished: { items: { id: string; hasReplay: boolean }[] } = { items: [] };
    await expect
      .poll(
        async () => {
          finished = (await (
            await fetch(`${api}/api/v1/leagues/car-soccer-1v1/matches?limit=1`)
          ).json()) as typeof finished;
          return finished.items[0]?.hasReplay ?? false;
        },
        { timeout: 45_000 },
      )
      .toBe(true);
    const page = await openPage({ viewport: { width: 1280, height: 1100 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${web}/matches/${finished.items[0]!.id}`);
    const time = page.locator("[data-testid=replay-time]");
    // A live (12 s) or ladder (5 min) match: the player shows its length once re-simulated, then plays.
    await expect.poll(() => time.textContent(), { timeout: 15_000 }).toMatch(/^\d+:\d\d \/ (0:1[12]|5:00)$/);
    const first = await time.textContent();
    await expect.poll(() => time.textContent(), { timeout: 10_000 }).not.toBe(first);
    await page.getByRole("button", { name: "Pause" }).click();
    // The clock counts down, as the live one does: 10 s in, the time left is the length less 10 s.
    const length = (await time.textContent())!.split(" / ")[1]!;
    const seconds = (clock: string) => Number(clock.split(":")[0]) * 60 + Number(clock.split(":")[1]);
    await page.locator("input[aria-label=position]").fill("300");
    await expect
      .poll(async () => seconds((await time.textContent())!.split(" / ")[0]!))
      .toBe(seconds(length) - 10);
    const paused = await time.textContent();
    await page.waitForTimeout(500);
    expect(await time.textContent()).toBe(paused);
    await page.screenshot({ path: path.join(SHOTS, "replay.png") });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("signs up, shows the server's reason when a checkpoint is refused, and follows an accepted one's placement", async () => {
    const page = await openPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(`${web}/submit`);
    await page.fill("input[name=name]", "browser-lab");
    await page.click("button:has-text('Sign up')");
    const key = await page.locator("[data-testid=new-key] code").textContent({ timeout: 15_000 });
    expect(key).toMatch(/^al_[a-z0-9]{10}_/);
    expect(await page.inputValue("input[name=key]")).toBe(key);

    // A checkpoint whose model uses a layer the league does not run.
    const dir = path.join(dataDir, "bad-checkpoint");
    await mkdir(dir, { recursive: true });
    const manifest = {
      name: "bad",
      kind: "model",
      format: 1,
      env: "bandit-bernoulli-10",
      observationBuilder: "default",
      actionParser: "discrete",
      tickSkip: 1,
      observationSize: 12,
      actionCount: 10,
      observationNormalization: null,
    };
    const model = {
      format: "layers-model",
      modelTopology: { class_name: "Sequential", config: { layers: [{ class_name: "Lambda", config: {} }] } },
      weightsManifest: [{ paths: ["weights.bin"], weights: [] }],
    };
    await writeFile(path.join(dir, "agent.json"), JSON.stringify(manifest));
    await writeFile(path.join(dir, "model.json"), JSON.stringify(model));
    await writeFile(path.join(dir, "weights.bin"), new Uint8Array(0));
    await page.fill("input[name=agent]", "bad-agent");
    await page.setInputFiles(
      "input[name=files]",
      ["agent.json", "model.json", "weights.bin"].map((f) => path.join(dir, f)),
    );
    await page.click("button:has-text('Submit')");
    const reason = await page.locator("[data-testid=upload-error]").textContent({ timeout: 15_000 });
    expect(reason).toContain("model.json uses layer types the league does not run: Lambda");
    await page.screenshot({ path: path.join(SHOTS, "submit-refused.png"), fullPage: true });

    // A checkpoint the upload checks pass but that cannot play: its weights' shapes do not fit its
    // layers. The page follows it, without a reload, from pending to failed, and shows the log.
    const misfit = path.join(dataDir, "misfit-checkpoint");
    await mkdir(misfit, { recursive: true });
    const dense = {
      format: "layers-model",
      modelTopology: {
        class_name: "Sequential",
        config: {
          name: "misfit",
          layers: [
            {
              class_name: "Dense",
              config: {
                name: "d",
                units: 10,
                activation: "linear",
                use_bias: true,
                batch_input_shape: [null, 12],
              },
            },
          ],
        },
      },
      weightsManifest: [
        {
          paths: ["weights.bin"],
          weights: [
            { name: "d/kernel", shape: [12, 5], dtype: "float32" },
            { name: "d/bias", shape: [20], dtype: "float32" },
          ],
        },
      ],
    };
    await writeFile(path.join(misfit, "agent.json"), JSON.stringify({ ...manifest, name: "misfit" }));
    await writeFile(path.join(misfit, "model.json"), JSON.stringify(dense));
    await writeFile(path.join(misfit, "weights.bin"), new Uint8Array(new Float32Array(80).fill(0.01).buffer));
    await page.fill("input[name=agent]", "misfit-agent");
    await page.setInputFiles(
      "input[name=files]",
      ["agent.json", "model.json", "weights.bin"].map((f) => path.join(misfit, f)),
    );
    await page.click("button:has-text('Submit')");
    const followed = page.locator("[data-testid=submitted]");
    await followed.waitFor({ timeout: 15_000 });
    const url = page.url();
    await expect
      .poll(() => followed.locator("[data-testid=submitted-status]").textContent(), { timeout: 60_000 })
      .toBe("failed");
    expect(page.url()).toBe(url);
    const log = followed.locator("[data-testid=failure-log] pre");
    expect(await log.textContent()).toMatch(/^validation match failed: .*Shape mismatch/);
    // Monospace and wrapped inside its box, not one line that widens the page.
    expect(await log.evaluate((e) => getComputedStyle(e).whiteSpace)).toBe("pre-wrap");
    expect(await log.evaluate((e) => getComputedStyle(e).fontFamily)).toMatch(/mono/i);
    await page.screenshot({ path: path.join(SHOTS, "submit-failed.png"), fullPage: true });
    // The owner page, reached from the submit page, lists it as failed with the same log.
    await followed.getByRole("link", { name: "all your agents" }).click();
    await page.waitForURL(/\/owners\/browser-lab$/);
    const misfitRow = page.locator("section[data-agent=misfit-agent] tbody tr").first();
    expect(await misfitRow.locator(".status").textContent()).toBe("failed");
    expect(await misfitRow.locator("[data-testid=failure-log] pre").textContent()).toMatch(/Shape mismatch/);
    await page.goto(`${web}/submit`);
    await page.fill("input[name=key]", key!);

    // A real checkpoint folder, as `league train` writes it: validated, then placement games.
    await page.fill("input[name=agent]", "browser-ppo");
    await page.setInputFiles("input[name=files]", []);
    await page.setInputFiles("input[name=folder]", path.join(ROOT, "server", "builtins", "ppo-selfplay-1v1"));
    await page.click("button:has-text('Submit')");
    const submitted = page.locator("[data-testid=submitted]");
    await submitted.waitFor({ timeout: 15_000 });
    expect(await page.locator("[data-testid=upload-error]").count()).toBe(0);
    await expect.poll(() => submitted.locator(".status").textContent(), { timeout: 60_000 }).toBe("active");
    await expect
      .poll(() => submitted.textContent(), { timeout: 90_000 })
      .toMatch(/car-soccer-1v1: [1-9]\d* placement games? so far/);
    await page.screenshot({ path: path.join(SHOTS, "submit-accepted.png"), fullPage: true });
    await page.close();
  });

  it("keeps provisional versions below the ranked ones, saying why, and can show each agent's best version", async () => {
    type Entry = { provisional: boolean; games: number };
    // Placement is 12 games here: wait for a league with versions on both sides of it.
    const leagues = [
      "car-soccer-2v2",
      "car-soccer-3v3",
      "bandit-lsd-10",
      "bandit-bernoulli-10",
      "car-soccer-1v1",
    ];
    const mixed = async () => {
      for (const league of leagues) {
        const board = (await (
          await fetch(`${api}/api/v1/leagues/${league}/leaderboard?limit=100`)
        ).json()) as {
          items: Entry[];
        };
        if (board.items.some((e) => e.provisional) && board.items.some((e) => !e.provisional)) return league;
      }
      return null;
    };
    let league: string | null = null;
    await expect
      .poll(async () => (league = await mixed()), { timeout: 60_000, interval: 500 })
      .not.toBeNull();
    const page = await openPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${web}/leagues/${league}?limit=100`);
    // The leaderboard's rows (a car-soccer league page also tables its agents' reward designs).
    const rows = page.locator("table[data-testid=leaderboard] tbody tr");
    const tiers = await rows.evaluateAll((trs) => trs.map((tr) => tr.hasAttribute("data-provisional")));
    expect(tiers.length).toBeGreaterThan(1);
    // Every provisional row comes after every ranked one, whatever their ordinals.
    expect(tiers).toEqual([...tiers].sort((a, b) => Number(a) - Number(b)));
    const provisional = page.locator("tr[data-provisional]");
    if ((await provisional.count()) > 0) {
      expect(await provisional.first().locator(".badge-provisional").textContent()).toBe("provisional");
      expect(await provisional.first().locator(".badge-reason").textContent()).toMatch(
        /^(no rated games yet|in placement: \d+ of 12 games played)$/,
      );
    }
    // Sorting by ordinal, highest first, still lists the provisional rows last.
    await page.getByRole("button", { name: "Ordinal" }).click();
    const sorted = await rows.evaluateAll((trs) => trs.map((tr) => tr.hasAttribute("data-provisional")));
    expect(sorted).toEqual([...sorted].sort((a, b) => Number(a) - Number(b)));
    // Trend and W / D / L are explained under the table; built-in bots show no per-league counter.
    const legend = await page.locator("[data-testid=board-legend]").textContent();
    expect(legend).toMatch(/Trend: how much the ordinal moved/);
    expect(legend).toMatch(/W \/ D \/ L: rated wins, draws and losses/);
    if (league!.startsWith("bandit")) expect(legend).toMatch(/a win is finishing first alone by mean return/);
    const agents = await rows.locator(".agent-cell").allTextContents();
    expect(agents).toContainEqual(expect.stringMatching(/built-in · league/));
    expect(agents.filter((a) => /\bv\d+ · league/.test(a) && !/built-in/.test(a))).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, "leaderboard-provisional.png"), fullPage: true });
    // Each agent's best version only: no agent twice.
    await page.getByRole("link", { name: "each agent's best version only" }).click();
    await page.waitForURL(/best=1/);
    const names = await rows.locator("td.agent-cell > a").allTextContents();
    expect(names.length).toBeGreaterThan(0);
    expect(new Set(names).size).toBe(names.length);
    await page.close();
  });

  it("shows an agent's results against each opponent, and its owner's page from the owner's name", async () => {
    const page = await openPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${web}/leagues/car-soccer-1v1`);
    // The first version that has played (ranked ones come first).
    const board = page.locator("table[data-testid=leaderboard] tbody tr");
    const games = (await board.locator("td:nth-child(5)").allTextContents()).map(Number);
    const played = games.findIndex((g) => g > 0);
    expect(played).toBeGreaterThanOrEqual(0);
    await board.nth(played).locator("td.agent-cell > a").click();
    await page.waitForURL(/\/agents\//);
    const agentId = page.url().split("/agents/")[1]!;
    const table = page.locator("section[aria-label='Head to head'] [data-league=car-soccer-1v1] table");
    expect(await table.locator("thead th").allTextContents()).toEqual([
      "Opponent",
      "Games",
      "W",
      "D",
      "L",
      "Goal diff.",
    ]);
    const rows = await table
      .locator("tbody tr")
      .evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "")),
      );
    expect(rows.length).toBeGreaterThan(0);
    // The table is the API's tally: games = W + D + L, and the goal difference is goals for − against.
    const api1 = (await (await fetch(`${api}/api/v1/agents/${agentId}/head-to-head`)).json()) as {
      items: {
        leagueId: string;
        opponent: { name: string };
        games: number;
        wins: number;
        scoreFor: number;
        scoreAgainst: number;
      }[];
    };
    for (const [name, games, w, d, l, diff] of rows) {
      expect(Number(games)).toBe(Number(w) + Number(d) + Number(l));
      const tally = api1.items.find(
        (i) => i.leagueId === "car-soccer-1v1" && name!.startsWith(i.opponent.name),
      )!;
      expect(tally.wins).toBe(Number(w));
      expect(diff).toContain(`(${tally.scoreFor}–${tally.scoreAgainst})`);
    }
    // One rating chart per league the agent plays.
    const charts = page.locator("section[aria-label='Rating history'] .league-history");
    expect(await charts.count()).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(SHOTS, "agent-head-to-head.png"), fullPage: true });
    // The owner's name links to the owner page: its agents, each version with its status.
    const owner = page.locator(".hero a[href^='/owners/']");
    const ownerName = (await owner.textContent())!.trim();
    await owner.click();
    await page.waitForURL(new RegExp(`/owners/${ownerName}$`));
    expect((await page.locator("h1").textContent())!.trim()).toBe(ownerName);
    // The agent just left is among the owner's agents, with a status for each of its versions.
    const agents = await page
      .locator("section.owner-agent h2 a")
      .evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    expect(agents).toContain(`/agents/${agentId}`);
    const statuses = await page.locator("section.owner-agent .status").allTextContents();
    expect(statuses.length).toBeGreaterThanOrEqual(agents.length);
    for (const status of statuses)
      expect(["pending", "validating", "active", "reserve", "failed", "retired"]).toContain(status);
    await page.screenshot({ path: path.join(SHOTS, "owner.png"), fullPage: true });
    await page.close();
  });

  it("marks the goals on a replay's timeline and lists them, plays and pauses with Space, and downloads the replay", async () => {
    type Listed = { id: string; hasReplay: boolean; participants: { score: number | null }[] };
    let match: Listed | undefined;
    // A finished car-soccer match with goals (ladder matches are 5 minutes of play, live ones 12 s).
    await expect
      .poll(
        async () => {
          for (const league of ["car-soccer-1v1", "car-soccer-2v2"]) {
            const page = (await (await fetch(`${api}/api/v1/leagues/${league}/matches?limit=50`)).json()) as {
              items: Listed[];
            };
            match = page.items.find((m) => m.hasReplay && m.participants.some((p) => (p.score ?? 0) > 0));
            if (match) return true;
          }
          return false;
        },
        { timeout: 45_000 },
      )
      .toBe(true);
    const page = await openPage({ viewport: { width: 1280, height: 1100 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${web}/matches/${match!.id}`);
    const markers = page.locator("[data-testid=goal-marker]");
    await markers.first().waitFor({ timeout: 30_000 });
    // A marker and a list entry per goal: the final score's sum.
    const goals = await page.locator("ol[aria-label=Goals] li").count();
    expect(await markers.count()).toBe(goals);
    await page.locator("input[aria-label=position]").fill(String(1e6));
    await expect
      .poll(async () => {
        const [blue, orange] = ((await page.locator(".hud-score").textContent()) ?? "")
          .split("–")
          .map((x) => Number(x.trim()));
        return blue! + orange!;
      })
      .toBe(goals);
    // Space pauses and plays.
    const button = page.locator(".replay-controls button").first();
    const before = await button.textContent();
    await page.locator(".live-canvas").click();
    await page.keyboard.press("Space");
    await expect.poll(() => button.textContent()).not.toBe(before);
    await page.keyboard.press("Space");
    await expect.poll(() => button.textContent()).toBe(before);
    // Clicking a goal in the list jumps to a moment before it.
    await page.locator("ol[aria-label=Goals] li button").first().click();
    const time = await page.locator("[data-testid=replay-time]").textContent();
    expect(time).toMatch(/^\d+:\d\d \/ \d+:\d\d$/);
    await page.screenshot({ path: path.join(SHOTS, "replay-goals.png") });
    // The download is the API's replay file: a match replay container ("LGCM"), as an attachment.
    const href = (await page.locator("[data-testid=replay-download]").getAttribute("href"))!;
    expect(href).toMatch(new RegExp(`/api/v1/matches/${match!.id}/replay$`));
    const file = await fetch(href);
    expect(file.headers.get("content-disposition")).toMatch(/attachment; filename="match-.*\.lgcm"/);
    expect(
      Buffer.from(await file.arrayBuffer())
        .subarray(0, 4)
        .toString("latin1"),
    ).toBe("LGCM");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("answers an unknown or malformed address with the site's own 404 page", async () => {
    const page = await openPage({ viewport: { width: 1280, height: 800 } });
    for (const address of [
      "/agents/not-an-id",
      "/agents/00000000-0000-7000-8000-000000000000",
      "/matches/12345",
      "/leagues/NO_SUCH_LEAGUE",
      "/leagues/no-such-league",
      "/owners/nobody-by-this-name",
      "/no/such/page",
    ]) {
      const response = await page.goto(`${web}${address}`);
      expect(response!.status(), address).toBe(404);
      expect(await page.locator("[data-testid=not-found] h1").textContent()).toBe("Nothing here");
      // The site's header and footer, and no address of the API server.
      expect(await page.locator(".site-header").count()).toBe(1);
      expect(await page.content()).not.toContain(api);
    }
    await page.screenshot({ path: path.join(SHOTS, "not-found.png") });
    // A request the API refuses is not an outage.
    await page.goto(`${web}/leagues/car-soccer-1v1?cursor=forged`);
    const notice = await page.locator(".notice-error").textContent();
    expect(notice).toMatch(/refused this request \(400\)/);
    expect(notice).not.toMatch(/not answering|right now/);
    expect(notice).not.toContain("127.0.0.1");
    await page.close();
  });

  it("fits every page in a 390 px wide phone screen, wide tables scrolling inside their box", async () => {
    const page = await openPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    type Listed = { id: string; leagueId: string; participants: { agent: { id: string } }[] };
    let finished: Listed[] = [];
    const first = (family: string) => finished.find((m) => m.leagueId.startsWith(family));
    // A finished match of each kind (there are many by now when the whole file runs).
    await expect
      .poll(
        async () => {
          finished = ((await (await fetch(`${api}/api/v1/matches?limit=100`)).json()) as { items: Listed[] })
            .items;
          return first("car-soccer") !== undefined && first("bandit") !== undefined;
        },
        { timeout: 60_000 },
      )
      .toBe(true);
    const carSoccer = first("car-soccer")!;
    const bandit = first("bandit")!;
    const pages = [
      "/",
      "/leagues/car-soccer-1v1",
      "/leagues/bandit-lsd-10",
      `/agents/${carSoccer.participants[0]!.agent.id}`,
      "/owners/league",
      "/owners/browser-lab",
      `/matches/${carSoccer.id}`,
      `/matches/${bandit.id}`,
      "/submit",
      "/api",
      "/no/such/page",
    ];
    for (const address of pages) {
      await page.goto(`${web}${address}`);
      await page.waitForLoadState("networkidle").catch(() => undefined);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${address} is ${overflow} px wider than the screen`).toBeLessThanOrEqual(0);
      await page.screenshot({
        path: path.join(
          SHOTS,
          `phone-${address.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "") || "home"}.png`,
        ),
        fullPage: true,
      });
    }
    // The leaderboard is wider than the phone: it scrolls inside its box.
    await page.goto(`${web}/leagues/car-soccer-1v1`);
    const box = page.locator(".table-wrap").first();
    expect(await box.evaluate((e) => e.scrollWidth > e.clientWidth)).toBe(true);
    expect(await box.evaluate((e) => getComputedStyle(e).overflowX)).toBe("auto");
    await page.close();
  });

  it("refreshes an idle home page at most once every few seconds, without prefetching its links", async () => {
    const page = await openPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(web);
    await page.locator(".live-dot.on").waitFor({ timeout: 15_000 });
    let made = 0;
    page.on("request", () => made++);
    // The ladder finishes matches several times a second here; the page is left alone for 15 s.
    await page.waitForTimeout(15_000);
    // At most one refresh per 5 s (3 in 15 s, plus one in flight at the start); nothing else.
    expect(made).toBeLessThanOrEqual(4);
    await page.close();
  });

  it("asked no host but this machine on any page visited (fonts and scripts are bundled)", () => {
    // Pages were opened and watched: the check is over real traffic, not over nothing.
    expect(requests).toBeGreaterThan(50);
    expect(outside).toEqual([]);
  });

  it("says so when the server is down, rather than showing a blank page", async () => {
    // A second web process whose API address answers nothing.
    const port = await freePort();
    const nextBin = createRequire(path.join(ROOT, "web", "package.json")).resolve("next/dist/bin/next");
    const lonely = spawn(
      process.execPath,
      [nextBin, "start", "--port", String(port), "--hostname", "127.0.0.1"],
      {
        cwd: path.join(ROOT, "web"),
        env: {
          ...process.env,
          LEAGUE_API_URL: `http://127.0.0.1:${await freePort()}`,
          NEXT_TELEMETRY_DISABLED: "1",
        },
        stdio: "ignore",
      },
    );
    try {
      await expect
        .poll(
          () =>
            fetch(`http://127.0.0.1:${port}/`).then(
              (r) => r.status,
              () => 0,
            ),
          { timeout: 30_000 },
        )
        .toBe(200);
      const page = await openPage({});
      await page.goto(`http://127.0.0.1:${port}/leagues/bandit-lsd-10`);
      const notice = await page.locator(".notice-error").textContent();
      expect(notice).toMatch(/cannot be shown right now: the league server is not answering/);
      // The API's internal address is for the operator's log, not for visitors.
      expect(notice).not.toMatch(/127\.0\.0\.1|localhost/);
      await page.goto(`http://127.0.0.1:${port}/`);
      expect(await page.locator(".notice-error").textContent()).toMatch(/is not answering/);
      await page.screenshot({ path: path.join(SHOTS, "server-down.png") });
      await page.close();
    } finally {
      lonely.kill("SIGTERM");
    }
  });
});
