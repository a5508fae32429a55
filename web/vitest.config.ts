import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Under a full parallel `npm test` on two cores a test can take several times longer than alone.
    testTimeout: 60_000,
  },
});
