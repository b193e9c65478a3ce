import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each test starts Prism processes; on a loaded two-core machine a start can take several seconds.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
