import { inject } from "vitest";
import { Bika } from "../../src/index.js";

export const TOKEN = "bktContractTestToken0001";

/** A `Bika` pointed at the Prism mock; `prefer` picks a declared example or status (`code=404`, `example=…`). */
export function mockBika(prefer?: string): Bika {
  return new Bika({
    token: TOKEN,
    baseURL: inject("mockUrl"),
    headers: prefer ? { Prefer: prefer } : {},
    // The mock neither limits nor fails at random, and `Prefer: code=429` would only be retried into the same
    // answer; throttling and retries have their own tests in @bikavika/runtime.
    rateLimit: false,
    retry: false,
  });
}

