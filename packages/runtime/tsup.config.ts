import { type Options, defineConfig } from "tsup";

const shared: Options = {
  entry: ["src/index.ts"],
  dts: true,
  sourcemap: true,
  target: "es2022",
};

export default defineConfig([
  // Each build cleans only its own files: the two run concurrently.
  { ...shared, format: ["esm"], clean: ["*.js", "*.js.map", "*.d.ts"] },
  {
    ...shared,
    format: ["cjs"],
    clean: ["*.cjs", "*.cjs.map", "*.d.cts"],
    // openapi-fetch's CommonJS build puts createClient on `exports.default` (with __esModule), but a CJS build of
    // this `"type": "module"` package imports it with Node's semantics, where the default import is the whole
    // `module.exports`: `require("@bikavika/runtime")` then fails with "createClient is not a function". Bundling
    // openapi-fetch's ESM build into the CJS output sidesteps the interop (the fixtures' CJS consumer checks it).
    noExternal: ["openapi-fetch"],
  },
]);
