import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each test starts Prism processes; while `npm test` builds and tests every package on a two-core machine, one
    // start can take over 30 s (startMock waits up to 120 s).
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
