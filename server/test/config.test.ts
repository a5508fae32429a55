import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.js";

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
