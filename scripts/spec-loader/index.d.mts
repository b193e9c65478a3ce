// ESM types: the same declarations as the CommonJS entry (index.mjs re-exports index.cjs).
export * from "./index.cjs";
