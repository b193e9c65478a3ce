import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The tests run the built command as child processes against an in-process emulator; bounds for a loaded
    // two-core machine.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
