import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // A few PPO iterations on the WebAssembly backend take tens of seconds on two cores.
    testTimeout: 120_000,
  },
});
