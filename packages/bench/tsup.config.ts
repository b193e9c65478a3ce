import { defineConfig } from "tsup";

export default defineConfig({
  // main.ts runs the bench; emulator.ts and memory.ts run in child processes, so that neither the server's work
  // nor one memory measurement disturbs another. compare.ts, run after main.ts, compares the working tree's clients
  // with a baseline's (README, "Against the last release").
  entry: ["src/main.ts", "src/emulator.ts", "src/memory.ts", "src/compare.ts"],
  format: ["esm"],
  target: "node20",
  sourcemap: true,
  clean: true,
});
