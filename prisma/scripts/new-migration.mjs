#!/usr/bin/env node
// Writes a new migration for whatever schema.prisma has that the committed migrations lack.
// Prisma computes the SQL (`migrate diff`, replaying the migrations on an in-memory PGlite shadow
// database); `migrate dev` is not used because its data-loss check needs a shadow database factory
// that the WebAssembly engine cannot get from a PGlite adapter.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const prismaCli = require.resolve("prisma/build/index.js");
const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const name = process.argv[2];
const checkOnly = name === "--check";
if (!checkOnly && (!name || !/^[a-z0-9_]+$/.test(name))) {
  console.error("usage: npm run migrate:new -w prisma -- <name>   (lower-case letters, digits and _)");
  console.error(
    "       npm run migrate:new -w prisma -- --check   (fails when schema.prisma needs a migration)",
  );
  process.exit(2);
}

const diff = spawnSync(
  process.execPath,
  [
    prismaCli,
    "migrate",
    "diff",
    "--from-migrations",
    "migrations",
    "--to-schema-datamodel",
    "schema.prisma",
    "--script",
    "--exit-code",
  ],
  { cwd: dir, encoding: "utf8" },
);
if (diff.status === 0) {
  console.log("schema.prisma and the committed migrations agree: no migration needed");
  process.exit(0);
}
if (diff.status !== 2) {
  console.error(diff.stderr || diff.stdout);
  process.exit(1);
}
if (checkOnly) {
  console.error(`schema.prisma has changes no migration holds:\n${diff.stdout}`);
  process.exit(1);
}
const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
const folder = path.join(dir, "migrations", `${stamp}_${name}`);
mkdirSync(folder);
writeFileSync(path.join(folder, "migration.sql"), diff.stdout);
console.log(`wrote ${path.relative(process.cwd(), folder)}/migration.sql; read it, then commit it`);
