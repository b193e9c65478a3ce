import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Chromium on a busy two-core machine: starting it and rendering a 2.7 MB Redoc page take seconds.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // expect.poll gives up after 1 s by default: too little for a busy machine.
    expect: { poll: { timeout: 15_000, interval: 50 } },
  },
});
