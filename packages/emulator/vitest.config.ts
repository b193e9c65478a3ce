import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The emulator runs in-process; generous bounds only for a loaded two-core machine.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
