import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // One Prism mock of the bundled spec for the whole run.
    globalSetup: ["test/setup/mock.ts"],
  },
});
