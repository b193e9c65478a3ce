import { describe, expect, it } from "vitest";
import { responseExample } from "./examples.js";
import type { KnownApi } from "./index.js";

export interface ContractCase<Client> {
  /** Calls the operation through the client; resolves to what should equal the success example's `data`. */
  invoke(client: Client): Promise<unknown>;
  /** The operation's responses are not enveloped: the whole example body is the expected result. */
  bare?: boolean;
}

/** What a thrown client error must expose for these checks. */
interface ErrorShape {
  status?: number | undefined;
  code?: number | undefined;
  method: string;
  path: string;
  serverMessage: string;
}

export interface ContractSuite<Client> {
  api: KnownApi;
  /** One case per operationId. */
  cases: Record<string, ContractCase<Client>>;
  /** A client pointed at the mock; `prefer` is sent as the `Prefer` header when given. */
  client(prefer?: string): Client;
  /** The error class every failure must be an instance of. */
  baseError: abstract new (...args: never[]) => object;
  /** The declared error statuses and the class each must become; spread over the operations in turn. */
  statuses: ReadonlyArray<readonly [number, abstract new (...args: never[]) => object]>;
  /**
   * The error a create throws instead when a 5xx leaves its outcome unknown (it is never re-sent); the
   * status's class is then expected as its `cause`.
   */
  outcomeUnknownError?: abstract new (...args: never[]) => object;
}

async function rejection(promise: Promise<unknown>, baseError: ContractSuite<unknown>["baseError"]): Promise<ErrorShape> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!("error" in outcome)) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(baseError);
  return outcome.error as ErrorShape;
}

/**
 * Registers, for every case, the three contract checks against a mock serving the published spec:
 * - the `success` example comes back as the client's result (so Prism accepted the request as the spec says);
 * - the HTTP-200 `businessError` example (`success: false`) becomes a thrown error with its code and message;
 * - a declared error status (`Prefer: code=…`) becomes the error class for that status.
 */
export function describeOperationContracts<Client>(suite: ContractSuite<Client>): void {
  Object.entries(suite.cases).forEach(([operationId, testCase], index) => {
    const [status, ErrorClass] = suite.statuses[index % suite.statuses.length]!;

    describe(operationId, () => {
      it("resolves to the success example", async () => {
        const body = responseExample(suite.api, operationId, "success") as { data?: unknown };
        const expected = testCase.bare ? body : body.data;
        await expect(testCase.invoke(suite.client())).resolves.toEqual(expected);
      });

      if (!testCase.bare) {
        it("throws for the HTTP-200 business error, with its code and message", async () => {
          const body = responseExample(suite.api, operationId, "businessError") as { code: number; message: string };
          const error = await rejection(testCase.invoke(suite.client("example=businessError")), suite.baseError);
          expect(error.status).toBe(200);
          expect(error.code).toBe(body.code);
          expect(error.serverMessage).toBe(body.message);
        });
      }

      it(`throws ${ErrorClass.name} for HTTP ${status}`, async () => {
        const thrown = await rejection(testCase.invoke(suite.client(`code=${status}`)), suite.baseError);
        const outcomeUnknown = suite.outcomeUnknownError !== undefined && thrown instanceof suite.outcomeUnknownError;
        // Only a create hit by a 5xx may leave its outcome unknown.
        expect(outcomeUnknown).toBe(suite.outcomeUnknownError !== undefined && thrown.method === "POST" && status >= 500);
        const error = outcomeUnknown ? ((thrown as { cause?: unknown }).cause as ErrorShape) : thrown;
        expect(error).toBeInstanceOf(ErrorClass);
        expect(error.status).toBe(status);
        expect(error.method).toMatch(/^(GET|POST|PUT|PATCH|DELETE)$/);
        expect(error.path.startsWith("/")).toBe(true);
      });
    });
  });
}
