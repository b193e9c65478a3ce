import spec from "@bikavika/bika-openapi/openapi.deref.json";
import { inject } from "vitest";
import { Bika } from "../../src/index.js";

export const TOKEN = "bktContractTestToken0001";

/** A `Bika` pointed at the Prism mock; `prefer` picks a declared example or status (`code=404`, `example=…`). */
export function mockBika(prefer?: string): Bika {
  return new Bika({ token: TOKEN, baseURL: inject("mockUrl"), headers: prefer ? { Prefer: prefer } : {} });
}

interface SpecOperation {
  operationId?: string;
  deprecated?: boolean;
  responses: Record<string, { content?: Record<string, { examples?: Record<string, { value: unknown }> }> }>;
}

export function specOperations(): Array<{ method: string; path: string; operation: SpecOperation }> {
  const methods = ["get", "put", "post", "delete", "patch"];
  return Object.entries(spec.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => methods.includes(method))
      .map(([method, operation]) => ({ method, path, operation: operation as SpecOperation })),
  );
}

/** The body of a named example of an operation's response, straight from the published spec. */
export function example(operationId: string, name = "success", status = "200"): Record<string, unknown> {
  const found = specOperations().find(({ operation }) => operation.operationId === operationId);
  const value = found?.operation.responses[status]?.content?.["application/json"]?.examples?.[name]?.value;
  if (value === undefined) throw new Error(`No example ${name} for ${status} of ${operationId}`);
  return value as Record<string, unknown>;
}

/** The `data` of the operation's `success` example: what the client should resolve to. */
export function exampleData(operationId: string): unknown {
  return example(operationId).data;
}
