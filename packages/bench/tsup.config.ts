import { defineConfig } from "tsup";

export default defineConfig({
  // main.ts runs the bench; emulator.ts and memory.ts run in child processes, so that neither the server's work
  // nor one memory measurement disturbs another.
  entry: ["src/main.ts", "src/emulator.ts", "src/memory.ts"],
  format: ["esm"],
  target: "node20",
  sourcemap: true,
  clean: true,
});
