// Checks every response the emulator sends against the operation's response schema in the published spec, so
// the emulator cannot drift from it: a fetch wrapper records each exchange and validates it with ajv.
import { createRequire } from "node:module";
import Ajv2020 from "ajv/dist/2020.js";
import { expect } from "vitest";

const require = createRequire(import.meta.url);

interface Operation {
  operationId: string;
  responses: Record<string, { content?: Record<string, unknown> }>;
}

export interface Exchange {
  operationId: string;
  status: number;
  /** Whether the body was a success (`success: true`, or a 2xx without the envelope). */
  ok: boolean;
}

/** A checker for one spec: `fetch` validates as it goes; `seen` lists what was exchanged; `operations` all ids. */
export function specChecker(specPackage: "@bikavika/vika-openapi" | "@bikavika/bika-openapi", basePath = "") {
  const spec = require(`${specPackage}/openapi.json`) as {
    paths: Record<string, Record<string, Operation>>;
  };
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema(spec, "spec");
  const templates = Object.entries(spec.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => ["get", "post", "put", "patch", "delete"].includes(method))
      .map(([method, operation]) => ({
        method: method.toUpperCase(),
        path,
        operation,
        pattern: new RegExp(`^${basePath}${path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`),
      })),
  );
  // Literal paths win over templated ones (`/spaces/{spaceId}/nodes` vs `/fusion/v2/...`): fewer braces first.
  templates.sort((a, b) => (a.path.match(/\{/g)?.length ?? 0) - (b.path.match(/\{/g)?.length ?? 0));
  const seen: Exchange[] = [];
  const problems: string[] = [];

  const check = async (request: Request, response: Response) => {
    const url = new URL(request.url);
    const match = templates.find((candidate) => candidate.method === request.method && candidate.pattern.test(url.pathname));
    if (!match) return; // not an API route (files, uploads)
    const { operation, path, method } = match;
    const text = await response.clone().text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      problems.push(`${operation.operationId} ${response.status}: the body is not JSON: ${text.slice(0, 80)}`);
      return;
    }
    const declared = operation.responses[String(response.status)] ?? operation.responses.default;
    if (!declared) {
      problems.push(`${operation.operationId}: HTTP ${response.status} is not a declared response`);
      return;
    }
    const pointer = ["paths", path, method.toLowerCase(), "responses", operation.responses[String(response.status)] ? String(response.status) : "default"]
      .map((part) => part.replaceAll("~", "~0").replaceAll("/", "~1"))
      .join("/");
    const hasContent = declared.content?.["application/json"] !== undefined || (declared as { $ref?: string }).$ref !== undefined;
    if (hasContent && body !== undefined) {
      const validate = ajv.getSchema(`spec#/${pointer}/content/application~1json/schema`) ?? resolveRef(declared);
      if (!validate) problems.push(`${operation.operationId} ${response.status}: no schema found to check the body against`);
      else if (!validate(body)) {
        problems.push(`${operation.operationId} ${response.status}: ${ajv.errorsText(validate.errors, { separator: "; " }).slice(0, 600)}\n  body: ${text.slice(0, 300)}`);
      }
    }
    const success = (body as { success?: unknown } | undefined)?.success;
    seen.push({ operationId: operation.operationId, status: response.status, ok: response.ok && success !== false });
  };

  // A response declared as `$ref: '#/components/responses/X'`.
  const resolveRef = (declared: unknown) => {
    const ref = (declared as { $ref?: string }).$ref;
    return ref ? ajv.getSchema(`spec${ref}/content/application~1json/schema`) : undefined;
  };

  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init);
    const response = await globalThis.fetch(request.clone());
    await check(request, response);
    return response;
  };

  return {
    fetch: fetch as typeof globalThis.fetch,
    seen,
    problems,
    operations: templates.map(({ operation }) => operation.operationId),
    /** Fails with every response that did not match its schema. */
    assertValid() {
      expect(problems).toEqual([]);
    },
  };
}
