// Every operation of spec/bika, through the client, against Prism serving the same spec:
// - the success example comes back as the typed `data` the facade promises (request shape accepted by Prism);
// - the HTTP-200 `success:false` example (`Prefer: example=businessError`) becomes a typed ApiError;
// - a declared error status (`Prefer: code=…`) becomes the ApiError subclass for that status.
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  ApiError,
  AuthenticationError,
  type Bika,
  NotFoundError,
  PermissionError,
  RateLimitError,
  ServerError,
  ValidationError,
} from "../../src/index.js";
import { cases } from "./cases.js";
import { example, exampleData, mockBika } from "./helpers.js";

// The declared error statuses, spread over the operations so each family meets several of them.
const ERROR_STATUSES = [
  [401, AuthenticationError],
  [403, PermissionError],
  [404, NotFoundError],
  [400, ValidationError],
  [429, RateLimitError],
  [500, ServerError],
] as const;

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!("error" in outcome)) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(ApiError);
  return outcome.error as ApiError;
}

Object.entries(cases).forEach(([operationId, testCase], index) => {
  const [status, ErrorClass] = ERROR_STATUSES[index % ERROR_STATUSES.length]!;

  describe(operationId, () => {
    it("resolves to the success example's data", async () => {
      await expect(testCase.invoke(mockBika())).resolves.toEqual(exampleData(operationId));
    });

    it("throws a typed ApiError for the HTTP-200 business error", async () => {
      const body = example(operationId, "businessError");
      const error = await rejection(testCase.invoke(mockBika("example=businessError")));
      expect(error.status).toBe(200);
      expect(error.code).toBe(body.code);
      expect(error.serverMessage).toBe(body.message);
    });

    it(`throws ${ErrorClass.name} for HTTP ${status}`, async () => {
      const error = await rejection(testCase.invoke(mockBika(`code=${status}`)));
      expect(error).toBeInstanceOf(ErrorClass);
      expect(error.status).toBe(status);
      expect(error.method).toMatch(/^(GET|POST|PUT|PATCH|DELETE)$/);
      expect(error.path).toMatch(/^\/v[12]\//);
    });
  });
});

describe("types come from the spec", () => {
  it("types facade results with the generated schemas", () => {
    expectTypeOf<Awaited<ReturnType<Bika["system"]["meta"]>>>().toHaveProperty("version");
    expectTypeOf<NonNullable<Awaited<ReturnType<Bika["space"]["list"]>>[number]["data"]>>().toHaveProperty("id");
  });
});
