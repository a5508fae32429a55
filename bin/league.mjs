#!/usr/bin/env node
// `npx league` from the repository: the CLI of @league/agents. npm links a workspace's bin
// without its run bit, and `npx league` outside a project asks the public registry for a
// package of that name; this file is the root package's own bin, run by node, so neither happens.
// A checkout that was installed but never built builds envs and agents once, first.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const cli = fileURLToPath(new URL("../agents/dist/cli/main.js", import.meta.url));

if (!existsSync(cli)) {
  process.stderr.write("league: building @league/envs and @league/agents (first run)…\n");
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  for (const workspace of ["@league/envs", "@league/agents"]) {
    const built = spawnSync(npm, ["run", "build", "-w", workspace], { cwd: root, stdio: "inherit" });
    if (built.status !== 0) {
      process.stderr.write(`league: building ${workspace} failed; run \`npm run build\` and try again\n`);
      process.exit(1);
    }
  }
}
// main.js reads process.argv itself and exits when the command is done.
await import(pathToFileURL(cli).href);
