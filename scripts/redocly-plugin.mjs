// Redocly lint rules for our spec conventions (spec/README.md), loaded by redocly.yaml (`plugins:`) and switched on
// there as `bikavika/<rule>`:
//
//   bikavika/response-2xx-examples  every media type of every 2xx response carries `example` or `examples`
//                                   (Prism serves the first one; the docs show it).
//   bikavika/success-envelope       every 2xx JSON response of an operation is enveloped: its schema is
//                                   `allOf: [SuccessEnvelope, …]` (directly or through a $ref, or SuccessEnvelope
//                                   itself), or a `oneOf` whose branches are such schemas or the ErrorEnvelope, at
//                                   least one of them a success. Operations marked `x-unenveloped: true` are exempt.
//   bikavika/operation-source       every operation says where its shape was read from: `x-source`, a non-empty list
//                                   of `owner/repo:path` (source file in a public repository, optionally `#symbol`),
//                                   `https://…` (a documentation page) or `seed` (the public API reference only).
//
// Options of success-envelope (all optional): successSchema (default "SuccessEnvelope"), errorSchema
// ("ErrorEnvelope"), marker ("x-unenveloped").

const SUCCESS = /^2(\d\d|XX)$/i;
const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json(?:\s*;.*)?$/i;

function isObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// Yields [status, resolved response, its location] for every 2xx response of an operation.
function* successResponses(operation, ctx) {
  const responses = operation.responses;
  if (!isObject(responses)) return;
  const responsesLocation = ctx.location.child(["responses"]);
  for (const [status, raw] of Object.entries(responses)) {
    if (!SUCCESS.test(status)) continue;
    const isRef = isObject(raw) && typeof raw.$ref === "string";
    const resolved = isRef ? ctx.resolve(raw) : { node: raw, location: responsesLocation.child([status]) };
    if (!isObject(resolved.node) || !resolved.location) continue;
    yield [status, resolved.node, resolved.location];
  }
}

function Response2xxExamples() {
  return {
    Operation(operation, ctx) {
      for (const [status, response, location] of successResponses(operation, ctx)) {
        if (!isObject(response.content)) continue; // no body (e.g. 204): nothing to show
        for (const [mediaType, media] of Object.entries(response.content)) {
          if (!isObject(media)) continue;
          const hasExample = media.example !== undefined;
          const hasExamples = isObject(media.examples) && Object.keys(media.examples).length > 0;
          if (!hasExample && !hasExamples) {
            ctx.report({
              message: `The ${status} response of ${operation.operationId ?? "this operation"} has no example for ${mediaType}: add \`examples\` (the first is served by the mock).`,
              location: location.child(["content", mediaType]).key(),
            });
          }
        }
      }
    },
  };
}

function SuccessEnvelope(options = {}) {
  const successName = options.successSchema ?? "SuccessEnvelope";
  const errorName = options.errorSchema ?? "ErrorEnvelope";
  const marker = options.marker ?? "x-unenveloped";
  const pointerTo = (name) => `/components/schemas/${name}`;
  const refersTo = (schema, name) => isObject(schema) && typeof schema.$ref === "string" && schema.$ref.endsWith(`#${pointerTo(name)}`);

  // Whether a schema is the success envelope or extends it through allOf, following $refs.
  function isSuccess(schema, ctx, seen = new Set()) {
    if (!isObject(schema)) return false;
    if (refersTo(schema, successName)) return true;
    if (typeof schema.$ref === "string") {
      if (seen.has(schema.$ref)) return false;
      seen.add(schema.$ref);
      return isSuccess(ctx.resolve(schema).node, ctx, seen);
    }
    return Array.isArray(schema.allOf) && schema.allOf.some((part) => isSuccess(part, ctx, seen));
  }

  // Returns undefined when the schema is enveloped, else why not.
  function problem(schema, ctx) {
    if (isSuccess(schema, ctx)) return undefined;
    const resolved = isObject(schema) && typeof schema.$ref === "string" ? ctx.resolve(schema).node : schema;
    if (isObject(resolved) && Array.isArray(resolved.oneOf)) {
      const bad = resolved.oneOf
        .map((branch, index) => [branch, index])
        .filter(([branch]) => !isSuccess(branch, ctx) && !refersTo(branch, errorName))
        .map(([branch, index]) => (typeof branch?.$ref === "string" ? branch.$ref.split("/").pop() : `oneOf[${index}]`));
      if (bad.length > 0) return `its oneOf branches ${bad.join(", ")} are neither ${successName} (via allOf) nor ${errorName}`;
      if (!resolved.oneOf.some((branch) => isSuccess(branch, ctx))) return `no oneOf branch extends ${successName}`;
      return undefined;
    }
    return `its schema does not extend ${successName} via allOf`;
  }

  return {
    Operation(operation, ctx) {
      if (operation[marker] === true) return;
      for (const [status, response, location] of successResponses(operation, ctx)) {
        if (!isObject(response.content)) continue;
        for (const [mediaType, media] of Object.entries(response.content)) {
          if (!JSON_MEDIA_TYPE.test(mediaType) || !isObject(media)) continue;
          const why = media.schema === undefined ? "it has no schema" : problem(media.schema, ctx);
          if (why) {
            ctx.report({
              message: `The ${status} ${mediaType} response of ${operation.operationId ?? "this operation"} is not enveloped: ${why}. Use allOf: [${successName}, {data…}] (or oneOf with ${errorName}), or mark the operation \`${marker}: true\`.`,
              location: location.child(["content", mediaType, "schema"]),
            });
          }
        }
      }
    },
  };
}

// `owner/repo:path`, where path may end in `#symbol` (a function, class or test name inside the file).
const REPOSITORY_FILE = /^[A-Za-z0-9][\w.-]*\/[\w.-]+:[^\s:#][^\s#]*(#\S+)?$/;
const DOCUMENT_URL = /^https:\/\/\S+$/;

function isSource(entry) {
  return typeof entry === "string" && (entry === "seed" || REPOSITORY_FILE.test(entry) || DOCUMENT_URL.test(entry));
}

function OperationSource(options = {}) {
  const key = options.key ?? "x-source";
  return {
    Operation(operation, ctx) {
      const name = operation.operationId ?? "this operation";
      const value = operation[key];
      if (value === undefined) {
        ctx.report({
          message: `${name} has no \`${key}\`: list where its shape was read from (owner/repo:path, an https:// page, or "seed" for the public reference).`,
          location: ctx.location.key(),
        });
        return;
      }
      if (!Array.isArray(value) || value.length === 0) {
        ctx.report({
          message: `\`${key}\` of ${name} must be a non-empty list of sources.`,
          location: ctx.location.child([key]),
        });
        return;
      }
      value.forEach((entry, index) => {
        if (!isSource(entry)) {
          ctx.report({
            message: `\`${key}\` entry ${JSON.stringify(entry)} of ${name} is neither owner/repo:path, an https:// address nor "seed".`,
            location: ctx.location.child([key, index]),
          });
        }
      });
    },
  };
}

export default function bikavikaPlugin() {
  return {
    id: "bikavika",
    rules: {
      oas3: {
        "response-2xx-examples": Response2xxExamples,
        "success-envelope": SuccessEnvelope,
        "operation-source": OperationSource,
      },
    },
  };
}
