import { defineConfig } from "tsup";

export default defineConfig({
  // low-level.ts is the `./client` subpath: the openapi-fetch client alone, without the object model. typegen.ts is
  // the `./typegen` subpath, typegen-cli.ts the `bikavika-vika-typegen` command, formula.ts the `./formula` subpath.
  entry: ["src/index.ts", "src/low-level.ts", "src/typegen.ts", "src/typegen-cli.ts", "src/formula.ts"],
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "es2022",
});
