// ESM entry: the same functions as index.cjs (one implementation, no dual-package state to diverge).
import loader from "./index.cjs";

export const loadSpec = loader.loadSpec;
export const specPath = loader.specPath;
