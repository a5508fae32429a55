// bench/server-fuzz: the long run of the API's property-based fuzzing (server/test/api-fuzz.test.ts):
// `--runs` cases per route of the OpenAPI document (default 10,000; multipart submissions get
// twice as many) on PGlite and PostgreSQL (PostgreSQL skipped when it does not answer), seeded
// with `--seed`. It fails on the first 5xx, error outside the documented shape, or row stored by a
// refused write, and shrinks that case to a minimal one. Progress goes to stderr; the last line of
// stdout is one JSON object: cases and status codes per route and database, wall time, the machine.
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "10000" },
    seed: { type: "string", default: "21" },
  },
});
const runs = Number(values.runs);
const seed = Number(values.seed);
if (!Number.isInteger(runs) || runs < 1)
  throw new Error(`--runs must be a positive integer, got ${values.runs}`);
if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`);

const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../server");
const dir = await mkdtemp(path.join(os.tmpdir(), "league-fuzz-"));
const report = path.join(dir, "report.json");
const started = performance.now();
const run = spawnSync("npx", ["vitest", "run", "test/api-fuzz.test.ts", "--reporter=dot"], {
  cwd: serverDir,
  env: { ...process.env, FUZZ_RUNS: String(runs), FUZZ_SEED: String(seed), FUZZ_REPORT: report },
  stdio: ["ignore", "inherit", "inherit"],
});
const seconds = (performance.now() - started) / 1000;
const { statuses } = JSON.parse(await readFile(report, "utf8").catch(() => '{"statuses":{}}'));
await rm(dir, { recursive: true, force: true });

const routes = Object.fromEntries(
  Object.entries(statuses).map(([route, byStatus]) => [
    route,
    { cases: Object.values(byStatus).reduce((a, b) => a + b, 0), statuses: byStatus },
  ]),
);
const all = Object.values(routes);
const count = (test) =>
  all.reduce(
    (sum, r) =>
      sum + Object.entries(r.statuses).reduce((s, [code, n]) => s + (test(Number(code)) ? n : 0), 0),
    0,
  );
console.log(
  JSON.stringify({
    bench: "server-fuzz",
    passed: run.status === 0,
    cases: count(() => true),
    status2xx: count((s) => s < 300),
    status4xx: count((s) => s >= 400 && s < 500),
    status5xx: count((s) => s >= 500),
    seconds: Number(seconds.toFixed(1)),
    routes,
    parameters: { runsPerRoute: runs, multipartRuns: runs * 2, seed },
    machine: { cores: os.cpus().length, node: process.version },
  }),
);
process.exit(run.status ?? 1);
