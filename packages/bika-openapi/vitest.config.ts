import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Some tests run redocly, which takes a second or more on a busy two-core machine.
    testTimeout: 60_000,
  },
});
