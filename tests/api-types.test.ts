// The web's API types (web/lib/api-schema.ts) are generated from the server's OpenAPI document:
// regenerate them from the server as built and compare, so that a route changed without
// `npm run api-types -w @league/web` fails here instead of drifting.
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createTestDatabase } from "@league/db/testing";
import { buildApp } from "@league/server";
import { expect, it } from "vitest";
import { ROOT } from "./platform.js";

it("web/lib/api-schema.ts is what the server's OpenAPI document generates", async () => {
  const { version } = JSON.parse(await readFile(path.join(ROOT, "server", "package.json"), "utf8")) as {
    version: string;
  };
  const db = await createTestDatabase("pglite");
  const dir = await mkdtemp(path.join(tmpdir(), "league-api-types-"));
  try {
    const app = await buildApp({ db, version });
    await app.ready();
    const document = path.join(dir, "openapi.json");
    await writeFile(document, JSON.stringify(app.swagger()));
    await app.close();
    const generated = path.join(dir, "api-schema.ts");
    execFileSync(
      process.execPath,
      [path.join(ROOT, "web", "scripts", "api-types.mjs"), document, generated],
      {
        cwd: ROOT,
        stdio: "pipe",
      },
    );
    const committed = await readFile(path.join(ROOT, "web", "lib", "api-schema.ts"), "utf8");
    expect(
      await readFile(generated, "utf8"),
      "web/lib/api-schema.ts is stale: run `npm run api-types -w @league/web` against the server",
    ).toBe(committed);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await db.close();
  }
});
