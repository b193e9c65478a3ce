import { responseExample } from "@bikavika/mock";
import { inject } from "vitest";
import { Vika, type VikaOptions } from "../../src/index.js";

export const TOKEN = "uskContractTestToken0001";

/** A `Vika` pointed at the Prism mock; `prefer` picks a declared example or status (`code=404`, `example=…`). */
export function mockVika(prefer?: string, options: Partial<VikaOptions> = {}): Vika {
  return new Vika({
    token: TOKEN,
    host: inject("mockUrl"),
    headers: prefer ? { Prefer: prefer } : {},
    // The mock neither limits nor fails at random, and `Prefer: code=429` would only be retried into the same
    // answer; throttling and retries have their own tests in @bikavika/runtime.
    rateLimit: false,
    retry: false,
    ...options,
  });
}

export interface ExampleBody {
  success?: boolean;
  code?: number;
  message?: string;
  data?: unknown;
}

/** A named example of an operation's 200 response, straight from the published spec. */
export function example(operationId: string, name = "success"): ExampleBody {
  return responseExample("vika", operationId, name) as ExampleBody;
}
