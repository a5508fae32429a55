import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

describe("committed migrations", () => {
  it("hold everything schema.prisma declares (Prisma's own diff finds nothing to add)", () => {
    const result = spawnSync(
      process.execPath,
      [path.join(import.meta.dirname, "..", "scripts", "new-migration.mjs"), "--check"],
      {
        encoding: "utf8",
      },
    );
    expect(result.stderr).not.toMatch(/has changes no migration holds/);
    expect(result.stdout).toContain("agree: no migration needed");
    expect(result.status).toBe(0);
  });
});
