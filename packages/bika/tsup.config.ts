import { defineConfig } from "tsup";

export default defineConfig({
  // low-level.ts is the `./client` subpath: the openapi-fetch client alone, without the object model.
  entry: ["src/index.ts", "src/low-level.ts"],
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "es2022",
});
