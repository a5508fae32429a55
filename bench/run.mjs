#!/usr/bin/env node
// `npm run bench -- <name>` runs bench/<name>/index.mjs (or bench/<name>.mjs); each prints one
// JSON object as the last line of its output. Benchmarks never run as part of `npm test`.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here, { withFileTypes: true })
  .filter(
    (e) =>
      (e.isDirectory() && existsSync(path.join(here, e.name, "index.mjs"))) ||
      (e.isFile() && e.name.endsWith(".mjs") && e.name !== "run.mjs"),
  )
  .map((e) => e.name.replace(/\.mjs$/, ""))
  .sort();

const [name, ...args] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  const list = available.length ? available.join(", ") : "none yet";
  console.error(`${name ? `unknown benchmark "${name}"` : "which benchmark?"}; available: ${list}`);
  console.error("usage: npm run bench -- <name> [options]");
  process.exit(2);
}
const file = existsSync(path.join(here, name, "index.mjs"))
  ? path.join(here, name, "index.mjs")
  : path.join(here, `${name}.mjs`);
const result = spawnSync(process.execPath, [file, ...args], { stdio: "inherit" });
process.exit(result.status ?? 1);
