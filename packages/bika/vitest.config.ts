import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // The examples import the package by name, as users do; here that name is the source.
    alias: { "@bikavika/bika": fileURLToPath(new URL("./src/index.ts", import.meta.url)) },
  },
  test: {
    include: ["test/**/*.test.ts"],
    // One Prism mock of the bundled spec for the whole run.
    globalSetup: ["test/setup/mock.ts"],
  },
});
