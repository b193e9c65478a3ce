import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The tests run the built command as child processes against an in-process emulator; bounds for a loaded
    // two-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
