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
    await expect.poll(() => page.locator("[data-league]").count()).toBeGreaterThanOrEqual(10);
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
    // The clock's text, or "ended" once the match is over and the page has turned into its result.
    const clockNow = async () =>
      (await clock.count()) === 0 ? "ended" : ((await clock.textContent({ timeout: 1_000 })) ?? "");
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
    await page.locator("input[aria-label=position]").fill("300");
    await expect.poll(() => time.textContent()).toMatch(/^0:10 \//);
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
      const page = await openPage();
      await page.goto(`http://127.0.0.1:${port}/leagues/bandit-lsd-10`);
      expect(await page.locator(".notice-error").textContent()).toMatch(
        /cannot be shown right now: the league server at .* is not answering/,
      );
      await page.goto(`http://127.0.0.1:${port}/`);
      expect(await page.locator(".notice-error").textContent()).toMatch(/is not answering/);
      await page.screenshot({ path: path.join(SHOTS, "server-down.png") });
      await page.close();
    } finally {
      lonely.kill("SIGTERM");
    }
  });
});
