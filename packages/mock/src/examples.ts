import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { KnownApi } from "./index.js";

const require = createRequire(import.meta.url);

interface MediaObject {
  example?: unknown;
  examples?: Record<string, { value?: unknown }>;
}

export interface SpecOperation {
  method: string;
  path: string;
  operationId: string | undefined;
  deprecated: boolean;
  responses: Record<string, { content?: Record<string, MediaObject> }>;
}

const METHODS = ["get", "put", "post", "delete", "patch", "options", "head", "trace"];
const cache = new Map<KnownApi, SpecOperation[]>();

/** Every operation of a published spec (dereferenced), in document order. */
export function specOperations(api: KnownApi): SpecOperation[] {
  const cached = cache.get(api);
  if (cached) return cached;
  const file = require.resolve(`@bikavika/${api}-openapi/openapi.deref.json`);
  const spec = JSON.parse(readFileSync(file, "utf8")) as { paths: Record<string, Record<string, unknown>> };
  const operations = Object.entries(spec.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, raw]) => {
        const operation = raw as { operationId?: string; deprecated?: boolean; responses?: SpecOperation["responses"] };
        return {
          method,
          path,
          operationId: operation.operationId,
          deprecated: operation.deprecated === true,
          responses: operation.responses ?? {},
        };
      }),
  );
  cache.set(api, operations);
  return operations;
}

/**
 * The body the mock serves for an operation's response: the named example (`Prefer: example=<name>`), or the
 * first one. Use it to assert what a client built on our specs should get back.
 */
export function responseExample(api: KnownApi, operationId: string, name?: string, status = "200"): unknown {
  const operation = specOperations(api).find((candidate) => candidate.operationId === operationId);
  if (!operation) throw new Error(`spec/${api} has no operation ${operationId}`);
  const content = operation.responses[status]?.content ?? {};
  for (const media of Object.values(content)) {
    const examples = media.examples ?? {};
    const picked = name === undefined ? Object.values(examples)[0] : examples[name];
    if (picked && "value" in picked) return picked.value;
    if (name === undefined && media.example !== undefined) return media.example;
  }
  throw new Error(`${operationId} has no ${name ?? "default"} example for HTTP ${status}`);
}
