import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // A hang guard for a loaded two-core machine; each run takes seconds.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
