import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ["**/*.test.ts"],
    // Each test starts the whole platform (server, web, database) as a user would.
    testTimeout: 180_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    // In CI these run beside every package's tests on two cores: a test that fails once is run
    // again, and scripts/test.mjs names every test that needed it, with its first failure.
    retry: process.env.CI ? 1 : 0,
  },
});
