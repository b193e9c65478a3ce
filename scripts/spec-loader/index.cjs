"use strict";
// The loader of @bikavika/<api>-openapi. No dependencies. `build` (scripts/bundle-spec.mjs) copies it into the
// package's dist/, beside the JSON files it reads. index.mjs re-exports this file, so ESM and CommonJS callers
// share one implementation.
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

const files = { yaml: "openapi.yaml", json: "openapi.json", "deref.json": "openapi.deref.json" };
const kinds = { bundled: "json", dereferenced: "deref.json" };

/** The absolute path of one of the bundled files: "yaml", "json" or "deref.json" (every $ref resolved). */
function specPath(format) {
  if (typeof format !== "string" || !Object.prototype.hasOwnProperty.call(files, format)) {
    throw new TypeError(`specPath: format must be one of ${Object.keys(files).map((f) => `"${f}"`).join(", ")}, got ${JSON.stringify(format)}`);
  }
  return join(__dirname, files[format]);
}

/** The spec, parsed: "bundled" (internal $refs kept, the default) or "dereferenced". A new object on every call. */
function loadSpec(kind = "bundled") {
  if (typeof kind !== "string" || !Object.prototype.hasOwnProperty.call(kinds, kind)) {
    throw new TypeError(`loadSpec: kind must be "bundled" or "dereferenced", got ${JSON.stringify(kind)}`);
  }
  return JSON.parse(readFileSync(specPath(kinds[kind]), "utf8"));
}

module.exports = { loadSpec, specPath };
