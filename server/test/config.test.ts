import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.js";

const MAIN = path.resolve(import.meta.dirname, "../dist/main.js");

describe("server configuration", () => {
  it("defaults to port 2567 and the embedded database under ./data", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ SERVER_PORT: 2567, LEAGUE_DATA_DIR: "data" });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it("treats an empty DATABASE_URL as unset", () => {
    expect(loadConfig({ DATABASE_URL: "" }).DATABASE_URL).toBeUndefined();
  });

  it("names every bad variable and its value in one message", () => {
    const error = (() => {
      try {
        loadConfig({ SERVER_PORT: "70000", DATABASE_URL: "mysql://x" });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/SERVER_PORT="70000"/);
    expect((error as Error).message).toMatch(/DATABASE_URL="mysql:\/\/x": must be a postgres/);
  });
});

describe("scale-out settings", () => {
  const refused = (env: NodeJS.ProcessEnv): Error => {
    try {
      loadConfig(env);
    } catch (e) {
      return e as Error;
    }
    throw new Error("loadConfig accepted it");
  };

  it("refuses REDIS_URL without DATABASE_URL, naming both variables and the value", () => {
    for (const env of [
      { REDIS_URL: "redis://127.0.0.1:6379/0" },
      { REDIS_URL: "redis://127.0.0.1:6379/0", DATABASE_URL: "" },
      { REDIS_URL: "redis://127.0.0.1:6379/0", DATABASE_URL: "  " },
    ]) {
      const error = refused(env);
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toMatch(/REDIS_URL="redis:\/\/127\.0\.0\.1:6379\/0" needs DATABASE_URL/);
      expect(error.message).toMatch(/embedded database/);
    }
  });

  it("reports the combination along with other bad variables in one message", () => {
    const error = refused({ REDIS_URL: "redis://r:6379", SERVER_PORT: "-1" });
    expect(error.message).toMatch(/SERVER_PORT="-1"/);
    expect(error.message).toMatch(/REDIS_URL="redis:\/\/r:6379" needs DATABASE_URL/);
  });

  it("accepts REDIS_URL with DATABASE_URL, and either database alone", () => {
    expect(
      loadConfig({ REDIS_URL: "redis://r:6379/0", DATABASE_URL: "postgresql://u@db:5432/league" }),
    ).toMatchObject({ REDIS_URL: "redis://r:6379/0", DATABASE_URL: "postgresql://u@db:5432/league" });
    expect(loadConfig({ REDIS_URL: "" }).REDIS_URL).toBeUndefined();
    expect(loadConfig({ DATABASE_URL: "postgresql://u@db/league" }).REDIS_URL).toBeUndefined();
  });

  it.skipIf(!existsSync(MAIN))(
    "the server refuses to start with REDIS_URL alone (exit 2, both variables named)",
    () => {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        REDIS_URL: "redis://127.0.0.1:6379/15",
        SERVER_PORT: "0",
      };
      delete env.DATABASE_URL;
      const run = spawnSync(process.execPath, [MAIN], { env, encoding: "utf8", timeout: 60_000 });
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(
        /server: invalid configuration: REDIS_URL="redis:\/\/127\.0\.0\.1:6379\/15" needs DATABASE_URL/,
      );
      expect(run.stdout).not.toMatch(/listening/);
    },
  );
});
