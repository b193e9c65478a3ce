import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each run starts Prism mocks, which takes tens of seconds on a busy machine (see @bikavika/mock).
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
