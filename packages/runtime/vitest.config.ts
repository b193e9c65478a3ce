import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // A hang guard, not a timing: the hostile-server cases parse megabytes of JSON and stream compressed bodies,
    // which takes seconds on a loaded two-core machine.
    testTimeout: 60_000,
  },
});
