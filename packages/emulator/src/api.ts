import type { HttpOptions, Route } from "./http.js";

/**
 * One emulated API: its routes over a state built from a seed, and what the shared HTTP layer needs to know
 * about it. `reset()` puts the state back to the seed.
 */
export interface EmulatedApi {
  routes: Route[];
  bucketOf: HttpOptions["bucketOf"];
  recordsIn?: HttpOptions["recordsIn"];
  errors: HttpOptions["errors"];
  errorExtra?: Record<string, unknown> | undefined;
  reset(): void;
  /** The whole state, as a value `v8.serialize` can write (for `dataDir`). */
  exportState(): unknown;
  /** Takes back a state `exportState` gave. */
  importState(state: unknown): void;
}
