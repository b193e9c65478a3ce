/**
 * The Bika.ai half of the emulator: `createBikaApi(seed)` gives the routes of every operation in
 * spec/bika/openapi.yaml over a state built from the seed, and `reset()` puts that state back.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import type { EmulatedApi } from "../api.js";
import { buildState } from "./model.js";
import { bikaRoutes, recordsIn } from "./routes.js";
import { type BikaSeed, bikaSeedSchema } from "./seed.js";

export { BIKA_BASE_PATH } from "./routes.js";
export { bikaSeedSchema, defaultBikaSeed } from "./seed.js";
export type * from "./seed.js";

const validateSeed = new Ajv2020({ allErrors: true, strict: true }).compile<BikaSeed>(bikaSeedSchema);

/** Throws an Error listing every place the seed breaks `bikaSeedSchema`. */
export function assertBikaSeed(seed: unknown): asserts seed is BikaSeed {
  if (validateSeed(seed)) return;
  const problems = (validateSeed.errors ?? [])
    // An if/then failure repeats, less precisely, what its `then` branch already reported.
    .filter((error) => error.keyword !== "if")
    .map((error) =>
      error.keyword === "additionalProperties"
        ? `${error.instancePath || "/"} has an unknown key "${String(error.params.additionalProperty)}"`
        : `${error.instancePath || "/"} ${error.message ?? "is invalid"}`,
    );
  throw new Error(`invalid Bika seed:\n  ${[...new Set(problems)].join("\n  ")}`);
}

export function createBikaApi(seed: BikaSeed): EmulatedApi {
  assertBikaSeed(seed);
  // Built once, so ids the seed leaves out are made up once and reset() brings back the very same ones.
  const initial = buildState(seed);
  let state = structuredClone(initial);
  return {
    routes: bikaRoutes(() => state),
    bucketOf: (path) => /\/spaces\/([^/]+)/.exec(path)?.[1] ?? "user",
    recordsIn,
    errors: {
      unauthorized: "Unauthorized",
      notFound: "Not Found",
      rateLimited: "Too many requests",
      serverError: "Internal Server Error",
    },
    // The spec's 401 and HTTP-500 examples carry `data: {}`.
    errorExtra: { data: {} },
    reset: () => {
      state = structuredClone(initial);
    },
    exportState: () => state,
    importState: (saved) => {
      state = saved as typeof state;
    },
  };
}
