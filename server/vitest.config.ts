import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // PGlite start-up and PostgreSQL database creation take a few seconds on two cores.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
