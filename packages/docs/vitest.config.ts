import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Hang guards sized for a full parallel test run on two cores, where a reference that takes 17 s alone took over
    // 120 s: each reference visits every one of its operations.
    testTimeout: 600_000,
    hookTimeout: 180_000,
    // expect.poll gives up after 1 s by default: too little for a busy machine (matches WAIT_MS in the browser test).
    expect: { poll: { timeout: 120_000, interval: 50 } },
  },
});
