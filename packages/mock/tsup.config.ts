import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts", "src/contract.ts", "src/cli.ts"],
  format: ["esm", "cjs"],
  dts: { entry: ["src/index.ts", "src/contract.ts"] },
  sourcemap: true,
  clean: true,
  target: "node20",
  // import.meta.url in the CJS build
  shims: true,
  external: ["vitest"],
});
