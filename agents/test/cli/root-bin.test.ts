import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../../..");

describe("npx league", () => {
  it("is the root package's own bin, which runs the built CLI", async () => {
    const root = JSON.parse(await readFile(path.join(ROOT, "package.json"), "utf8"));
    const bin = path.resolve(ROOT, root.bin.league);
    expect(statSync(bin).isFile()).toBe(true);
    const run = spawnSync(process.execPath, [bin, "--help"], { cwd: ROOT, encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^league — train, evaluate, play and submit/);
    expect(run.stdout).toContain("league play <agent>");
    // Commands and their exit codes pass through.
    const bad = spawnSync(process.execPath, [bin, "frob"], { cwd: ROOT, encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^league: unknown command "frob"/);
  });

  it("leaves the workspace's own bin executable, for `npm exec -w @league/agents -- league`", async () => {
    const agents = JSON.parse(await readFile(path.join(ROOT, "agents/package.json"), "utf8"));
    const mode = statSync(path.join(ROOT, "agents", agents.bin.league)).mode;
    expect(mode & 0o111).not.toBe(0);
  });
});
