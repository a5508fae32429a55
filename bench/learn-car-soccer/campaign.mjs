// learn-car-soccer --campaign NAME: the same recipe trained from several fresh seeds per variant
// (one process per member, as many at once as --parallel, default every core), each member tested
// against every built-in bot in league-rule games on held-out seeds (member.mjs). Every member's
// log is kept in <out>; each finished member appends its row to the results file at once (so a
// campaign cut short keeps what it finished), then a summary per variant: mean and spread of the
// per-opponent win rates and of the reward's EPIC distance to goals, and how many members met the
// issue's bar (more wins than losses against every bot, at least 80% wins against random).
// A campaign short of the issue's (60 minutes, 5 seeds, 100 games) is headed SMOKE RUN.
import { execFileSync, spawn } from "node:child_process";
import { appendFile, mkdir, open, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { LEAGUE_BOTS } from "@league/agents";

const here = path.dirname(fileURLToPath(import.meta.url));
const CAMPAIGNS_HEADING = "## Campaigns (issue 17: generalist agents, KRC against a weighted sum)";

/** The campaigns: variants of one recipe, each a run config of this folder. */
export const CAMPAIGNS = {
  "krc-vs-sum": [
    { variant: "krc", run: path.join(here, "run-krc.json") },
    { variant: "sum", run: path.join(here, "run-sum.json") },
  ],
};

/** The issue's bar for one member: more wins than losses against every bot, >= 80% wins against random. */
export function meetsBar(test) {
  return (
    LEAGUE_BOTS.every((bot) => test[bot].wins > test[bot].losses) &&
    test.random.wins >= 0.8 * (test.random.wins + test.random.draws + test.random.losses)
  );
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs) =>
  xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1));
const winRate = (r) => r.wins / (r.wins + r.draws + r.losses);

export function memberRow(variant, m) {
  const wdl = LEAGUE_BOTS.map((bot) => `${m.test[bot].wins}/${m.test[bot].draws}/${m.test[bot].losses}`);
  return `| ${variant} | ${m.seed} | ${m.globalStep.toLocaleString("en")} | ${m.trainMinutes} | ${wdl.join(" | ")} | ${m.rewardDistance.epic.toFixed(3)} | ${meetsBar(m.test) ? "yes" : "no"} |`;
}

export function summaryRows(byVariant) {
  const rows = [];
  for (const [variant, members] of Object.entries(byVariant)) {
    if (members.length === 0) continue;
    const rates = LEAGUE_BOTS.map((bot) => {
      const xs = members.map((m) => winRate(m.test[bot]));
      return `${mean(xs).toFixed(2)} ± ${sd(xs).toFixed(2)}`;
    });
    const epic = members.map((m) => m.rewardDistance.epic);
    const met = members.filter((m) => meetsBar(m.test)).length;
    rows.push(
      `| ${variant} (mean ± sd of win rates, ${members.length} seeds) | | | | ${rates.join(" | ")} | ${mean(epic).toFixed(3)} ± ${sd(epic).toFixed(3)} | ${met} of ${members.length} |`,
    );
  }
  return rows;
}

/**
 * Every full-budget member row of campaign `name` in the results file so far (tables headed
 * PARTIAL or plain, not SMOKE RUN), one per variant and seed (the latest), parsed back into the
 * shape summaryRows reads: seeds run in separate sessions pool into one verdict. Only tables of
 * league `env` pool (each table's command line names its league).
 */
export function pooledMembers(text, name, env = "car-soccer-1v1") {
  const byKey = new Map();
  let inCampaign = false;
  let tableEnv = null;
  let botColumns = null;
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) {
      inCampaign =
        line.startsWith("### ") && !line.includes("SMOKE RUN") && line.includes(`campaign ${name},`);
      tableEnv = null;
      botColumns = null;
      continue;
    }
    const league = /` — (car-soccer-[\w-]+), seeds /.exec(line);
    if (league) tableEnv = league[1];
    if (!inCampaign || tableEnv !== env || !line.startsWith("| ")) continue;
    const cells = line
      .split("|")
      .slice(1, -1)
      .map((c) => c.trim());
    // The table's own header says which bot each W/D/L column is.
    if (cells[0] === "variant") {
      botColumns = new Map(
        cells.flatMap((c, i) => (c.endsWith(" W/D/L") ? [[c.slice(0, -" W/D/L".length), i]] : [])),
      );
      continue;
    }
    if (!botColumns || !/^\d+$/.test(cells[1] ?? "") || cells.length < 4 + botColumns.size + 2) continue;
    const test = {};
    for (const [bot, i] of botColumns) {
      const [wins, draws, losses] = cells[i].split("/").map(Number);
      test[bot] = { wins, draws, losses };
    }
    byKey.set(`${cells[0]}:${cells[1]}`, {
      variant: cells[0],
      seed: Number(cells[1]),
      test,
      rewardDistance: { epic: Number(cells.at(-2)) },
    });
  }
  const byVariant = {};
  for (const m of byKey.values()) {
    byVariant[m.variant] ??= [];
    byVariant[m.variant].push(m);
  }
  return byVariant;
}

function header({ name, seeds, firstSeed, minutes, games, env, smoke, partial, command }) {
  let commit = "unknown";
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: here }).toString().trim();
  } catch {}
  const columns = LEAGUE_BOTS.map((b) => `${b} W/D/L`).join(" | ");
  return [
    "",
    `### ${smoke ? "SMOKE RUN (machinery check only, not a result): " : partial ? `PARTIAL (${seeds} of the issue's 5 seeds per variant): ` : ""}campaign ${name}, ${new Date().toISOString().slice(0, 16)} UTC, commit ${commit}`,
    "",
    `\`${command}\` — ${env}, seeds ${firstSeed}–${firstSeed + seeds - 1}, ${minutes} min of training per member, ${games} test games per bot (league rules: 300 s, goals counted, jittered kickoffs, sides alternating, seeds 1,000,000 + 1000·seed onward), EPIC to the goal reward on scripted play (ball-chaser vs defender).`,
    "",
    `| variant | seed | steps | minutes | ${columns} | EPIC | bar met |`,
    `|---|---|---|---|${LEAGUE_BOTS.map(() => "---").join("|")}|---|---|`,
  ].join("\n");
}

/** Runs one member in its own process; its stderr goes to its log file. */
async function runMember({ run, seed, out, minutes, games, env, log }) {
  await mkdir(out, { recursive: true });
  const logFile = await open(path.join(out, "train.log"), "w");
  const args = [
    path.join(here, "member.mjs"),
    "--run",
    run,
    "--seed",
    String(seed),
    "--out",
    out,
    "--minutes",
    String(minutes),
    "--games",
    String(games),
    ...(env ? ["--env", env] : []),
  ];
  try {
    return await new Promise((resolve, reject) => {
      const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", logFile.fd] });
      let stdout = "";
      child.stdout.on("data", (d) => {
        stdout += d;
      });
      child.on("error", reject);
      child.on("close", (code) => {
        const last = stdout.trim().split("\n").at(-1);
        if (code !== 0 || !last)
          reject(new Error(`member seed ${seed} exited with ${code}; see ${out}/train.log`));
        else resolve(JSON.parse(last));
      });
    });
  } finally {
    await logFile.close();
    log(`member ${path.basename(run)} seed ${seed} done (log ${path.join(out, "train.log")})`);
  }
}

export async function runCampaign({
  name,
  seeds,
  firstSeed,
  minutes,
  games,
  env,
  parallel,
  out,
  results,
  command,
  log,
}) {
  const variants = CAMPAIGNS[name];
  if (!variants) throw new Error(`unknown campaign "${name}"; known: ${Object.keys(CAMPAIGNS).join(", ")}`);
  // Short training or few test games only check the machinery; fewer seeds at full budget are a
  // real but partial result (the campaign can be completed later with --seed N for the rest).
  const smoke = minutes < 60 || games < 100;
  const partial = !smoke && seeds < 5;
  // Campaign tables go under their own heading at the end of the results file, oldest first.
  const existing = await readFile(results, "utf8").catch(() => "");
  if (!existing.includes(CAMPAIGNS_HEADING))
    await appendFile(
      results,
      `\n${CAMPAIGNS_HEADING}\n\nTables appended by \`--campaign\` (campaign.mjs), one per campaign, each member's row written as it finished, then mean ± sd per variant. W/D/L: wins, draws, losses in league-rule test games against each built-in bot. A table headed SMOKE RUN only checked the machinery.\n`,
    );
  await appendFile(
    results,
    `${header({ name, seeds, firstSeed, minutes, games, env: env ?? "car-soccer-1v1", smoke, partial, command })}\n`,
  );
  const queue = variants.flatMap(({ variant, run }) =>
    Array.from({ length: seeds }, (_, i) => ({ variant, run, seed: firstSeed + i })),
  );
  const byVariant = Object.fromEntries(variants.map((v) => [v.variant, []]));
  const failures = [];
  const worker = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      const dir = path.join(out, `${job.variant}-seed-${job.seed}`);
      log(`member ${job.variant} seed ${job.seed}: training ${minutes} min into ${dir}`);
      try {
        const m = await runMember({ ...job, out: dir, minutes, games, env, log });
        byVariant[job.variant].push(m);
        await appendFile(results, `${memberRow(job.variant, m)}\n`);
      } catch (error) {
        failures.push({ variant: job.variant, seed: job.seed, error: String(error) });
        await appendFile(
          results,
          `| ${job.variant} | ${job.seed} | failed: ${String(error).replaceAll("|", "/")} |\n`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, worker));
  await appendFile(results, `${summaryRows(byVariant).join("\n")}\n`);
  if (!smoke) {
    // Seeds run in earlier partial campaigns pool with these into one verdict so far.
    const pooled = pooledMembers(await readFile(results, "utf8"), name, env ?? "car-soccer-1v1");
    const seedsOf = (v) =>
      (pooled[v] ?? [])
        .map((m) => m.seed)
        .sort((a, b) => a - b)
        .join(", ");
    await appendFile(
      results,
      `\nAll full-budget ${env ?? "car-soccer-1v1"} tables of campaign ${name} so far, pooled (seeds ${Object.keys(
        pooled,
      )
        .map((v) => `${v}: ${seedsOf(v)}`)
        .join(
          "; ",
        )}):\n\n| pooled | | | | ${LEAGUE_BOTS.map((b) => `${b} win rate`).join(" | ")} | EPIC | bar met |\n|---|---|---|---|${LEAGUE_BOTS.map(() => "---").join("|")}|---|---|\n${summaryRows(pooled).join("\n")}\n`,
    );
  }
  return { campaign: name, smoke, partial, byVariant, failures, results };
}

/** Where a campaign's members go when no --out is given. */
export const defaultCampaignOut = (name) => path.join(os.tmpdir(), `learn-car-soccer-${name}-${Date.now()}`);
