import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // PGlite start-up and PostgreSQL database creation take a few seconds on two cores, and many
    // times that while every package's tests run at once under `npm test`.
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
