#!/usr/bin/env node
// `npm test`: lint, type-check, then every package's tests and the whole-platform tests, through
// Turborepo (in dependency order, cached); ends with one line summing up every test run.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// The whole-platform tests live in tests/ at the root.
const parts = ["envs", "agents", "prisma", "server", "web", "tests"];
const reports = parts.map((part) => path.join(root, part, "test-artifacts", "vitest.json"));
for (const report of reports) rmSync(report, { force: true });

function run(command, args) {
  console.log(`\n$ ${[command, ...args].join(" ")}`);
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1", NEXT_TELEMETRY_DISABLED: "1" },
  });
  return result.status ?? 1;
}

const bin = (name) => path.join(root, "node_modules", ".bin", name);
const lint = run(bin("biome"), ["check", "."]);
const tasks = run(bin("turbo"), [
  "run",
  "typecheck",
  "test",
  "test:e2e",
  "--continue",
  "--output-logs=new-only",
]);

let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
const failures = [];
const retried = [];
const firstLines = (text) => (text ?? "").split("\n").slice(0, 3).join("\n    ");
for (const [i, report] of reports.entries()) {
  if (!existsSync(report)) {
    missing.push(parts[i]);
    continue;
  }
  const json = JSON.parse(readFileSync(report, "utf8"));
  passed += json.numPassedTests;
  failed += json.numFailedTests;
  skipped += json.numPendingTests + json.numTodoTests;
  // Name every failure again at the end, where a CI log's tail shows it.
  for (const file of json.testResults) {
    if (file.status === "failed" && file.assertionResults.every((t) => t.status !== "failed"))
      failures.push(`${path.relative(root, file.name)}: ${firstLines(file.message)}`);
    for (const test of file.assertionResults.filter((t) => t.status === "passed" && t.failureMessages.length))
      retried.push(
        `${path.relative(root, file.name)} > ${test.fullName}: ${firstLines(test.failureMessages[0])}`,
      );
    for (const test of file.assertionResults.filter((t) => t.status === "failed"))
      failures.push(
        `${path.relative(root, file.name)} > ${test.fullName}: ${firstLines(test.failureMessages.join("\n"))}`,
      );
  }
}
if (missing.length) console.error(`no test report from: ${missing.join(", ")}`);
if (lint !== 0) console.error("lint failed: run `npm run format` to fix what can be fixed");
for (const flake of retried) console.error(`\nPASSED ON RETRY (failed first) ${flake}`);
for (const failure of failures) console.error(`\nFAILED ${failure}`);
console.log(`\nTests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(lint || tasks || (missing.length > 0 ? 1 : 0));
