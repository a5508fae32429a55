import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Statistical and physics tests run many steps; under a full parallel `npm test` on two cores
    // they can take several times longer than alone.
    testTimeout: 60_000,
  },
});
