#!/usr/bin/env node
// The breaking-change gate of the spec packages. Compares each spec (spec/<api>/openapi.yaml, bundled) with the last
// released one (packages/<api>-openapi/released/openapi.json, committed) and classifies every change as breaking,
// non-breaking, deprecation or annotation, with api-smart-diff (offline, pure JS, reads OpenAPI 3.1) plus our rules:
//   - the clients and contract tests are keyed by operationId, so renaming or removing one is breaking;
//   - a change api-smart-diff leaves unclassified is breaking (to be looked at), except in examples (annotation);
//   - components/* are compared where they are used (through the paths), so only securitySchemes count on their own;
//   - info.version is ignored (the build stamps the package version).
//
//   node scripts/spec-diff.mjs [api…]               summary of the changes (default: bika and vika)
//   node scripts/spec-diff.mjs [api…] --check       exit 1 when a spec has a breaking change and .changeset/ has
//                                                   no major changeset for its package (CI: the `lint` task)
//   node scripts/spec-diff.mjs [api…] --changeset   print a changeset for the changes: save it as .changeset/<name>.md
//   node scripts/spec-diff.mjs [api…] --json        the classified changes as JSON
//   node scripts/spec-diff.mjs --refresh            on release (after `changeset version`): re-snapshot every spec
//                                                   package whose version is not the snapshot's
//   --base <file> --head <file> --package <name> [--changeset-dir <dir>]: compare any two specs (tests)
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { apiCompare } from "api-smart-diff";
import { bundleSpec, redoclyBundle, root } from "./bundle-spec.mjs";

export const APIS = ["bika", "vika"];
const METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);
const BUMPS = ["none", "patch", "minor", "major"];

/** Where an api's spec, package and released snapshot live. */
export function apiFiles(api) {
  const packageDir = join(root, "packages", `${api}-openapi`);
  return {
    spec: join(root, "spec", api, "openapi.yaml"),
    packageDir,
    packageJson: join(packageDir, "package.json"),
    released: join(packageDir, "released", "openapi.json"),
    packageName: `@bikavika/${api}-openapi`,
  };
}

const VERBS = { add: "Added", remove: "Removed", replace: "Replaced", rename: "Renamed" };

// "response 200 (application/json)" / "request body (application/json)" / "parameter 3", from the path below an operation.
function where(rest) {
  if (rest[0] === "requestBody") return `request body${rest[1] === "content" && rest[2] ? ` (${rest[2]})` : ""}`;
  if (rest[0] === "responses") return `response ${rest[1]}${rest[2] === "content" && rest[3] ? ` (${rest[3]})` : ""}`;
  if (rest[0] === "parameters") return `parameter ${rest[1]}`;
  return rest.join(".");
}

// `data.members[].teams[].color` from a schema path (properties/…/items/…).
function propertyPath(path) {
  let out = "";
  for (let i = 0; i < path.length; i++) {
    if (path[i] === "properties" && i + 1 < path.length) out += `${out ? "." : ""}${path[++i]}`;
    else if (path[i] === "items") out += "[]";
    else if (path[i] === "additionalProperties") out += "{*}";
  }
  return out;
}

function describeDiff(diff) {
  const verb = VERBS[diff.action] ?? diff.action;
  const [top, , method] = diff.path;
  // api-smart-diff words an added/removed property inside a $ref'd schema as "annotation (x)" or " to `x`": say it plainly.
  if (top === "paths" && METHODS.has(method) && diff.path.at(-2) === "properties" && (diff.action === "add" || diff.action === "remove")) {
    return `[${verb}] property \`${propertyPath(diff.path)}\` in ${where(diff.path.slice(3))}`;
  }
  if (diff.description) return diff.description;
  return `[${verb}] ${diff.path.join(".")}`;
}

/**
 * Classifies the changes from `before` to `after` (two bundled OpenAPI documents, not modified). Returns
 * { breaking, nonBreaking, deprecated, annotation }, each a list of { operation, operationId, description, path }.
 */
export function classify(before, after) {
  const { diffs } = apiCompare(structuredClone(before), structuredClone(after)); // apiCompare mutates its inputs
  const result = { breaking: [], nonBreaking: [], deprecated: [], annotation: [] };
  const seen = new Set();
  for (const diff of diffs) {
    const [top, second] = diff.path;
    if (top === "components" && second !== "securitySchemes") continue;
    if (top === "info" && second === "version") continue;
    let type = diff.type;
    let description = describeDiff(diff);
    const last = diff.path.at(-1);
    if (last === "operationId" && (diff.action === "replace" || diff.action === "remove")) {
      type = "breaking";
      description = `[Renamed] operationId \`${diff.before}\`${diff.after === undefined ? " removed" : ` to \`${diff.after}\``} (clients are keyed by it)`;
    } else if (type === "unclassified") {
      if (diff.path.some((key) => key === "example" || key === "examples")) type = "annotation";
      else {
        type = "breaking";
        description = `${description} (unclassified by api-smart-diff: treated as breaking, check it)`;
      }
    }
    let operation;
    let operationId;
    if (top === "paths" && typeof second === "string") {
      const method = diff.path[2];
      if (typeof method === "string" && METHODS.has(method)) {
        operation = `${method.toUpperCase()} ${second}`;
        operationId = (before.paths?.[second]?.[method] ?? after.paths?.[second]?.[method])?.operationId;
      } else operation = second;
    }
    const bucket = { breaking: "breaking", "non-breaking": "nonBreaking", deprecated: "deprecated" }[type] ?? "annotation";
    const key = `${bucket}\0${operation}\0${description}`;
    if (seen.has(key)) continue;
    seen.add(key);
    result[bucket].push({ operation, operationId, description, path: diff.path.map(String) });
  }
  return result;
}

/** The semver bump the changes call for: "major", "minor", "patch" or "none". */
export function bumpFor(changes) {
  if (changes.breaking.length > 0) return "major";
  if (changes.nonBreaking.length > 0 || changes.deprecated.length > 0) return "minor";
  if (changes.annotation.length > 0) return "patch";
  return "none";
}

/** The bump each package gets from the changesets in `dir` (the highest one wins), e.g. { "@bikavika/vika-openapi": "major" }. */
export function changesetBumps(dir) {
  const bumps = {};
  if (!existsSync(dir)) return bumps;
  for (const file of readdirSync(dir)) {
    if (!file.endsWith(".md") || file === "README.md") continue;
    const text = readFileSync(join(dir, file), "utf8").replace(/\r\n/g, "\n");
    const frontmatter = /^---\n([\s\S]*?)\n---(?:\n|$)/.exec(text);
    if (!frontmatter) continue;
    for (const line of frontmatter[1].split("\n")) {
      const entry = /^\s*(["']?)([^"':\s][^"':]*)\1\s*:\s*(major|minor|patch)\s*$/.exec(line);
      if (!entry) continue;
      const [, , name, bump] = entry;
      if (BUMPS.indexOf(bump) > BUMPS.indexOf(bumps[name] ?? "none")) bumps[name] = bump;
    }
  }
  return bumps;
}

const line = (change) =>
  `- ${change.operation ? `\`${change.operation}\`${change.operationId ? ` (\`${change.operationId}\`)` : ""}: ` : ""}${change.description}`;

/** A human summary of one comparison. */
export function summary({ packageName, releasedVersion }, changes) {
  const counts = `${changes.breaking.length} breaking, ${changes.nonBreaking.length} non-breaking, ${changes.deprecated.length} deprecated, ${changes.annotation.length} annotation`;
  const lines = [`${packageName}: ${counts} change(s) since the released spec${releasedVersion ? ` (${releasedVersion})` : ""}`];
  for (const [title, list] of [
    ["Breaking", changes.breaking],
    ["Non-breaking", changes.nonBreaking],
    ["Deprecated", changes.deprecated],
  ]) {
    if (list.length > 0) lines.push(`  ${title}:`, ...list.map((change) => `    ${line(change)}`));
  }
  return lines.join("\n");
}

/** A changeset (front matter and markdown body) for the given comparisons; "" when nothing changed. */
export function changesetText(results) {
  const changed = results.filter((r) => bumpFor(r.changes) !== "none");
  if (changed.length === 0) return "";
  const front = changed.map((r) => `"${r.packageName}": ${bumpFor(r.changes)}`);
  const body = [];
  for (const r of changed) {
    body.push(`${r.title ?? r.packageName}: changes to the API description${r.releasedVersion ? ` since ${r.releasedVersion}` : ""}.`, "");
    for (const [title, list] of [
      ["Breaking changes", r.changes.breaking],
      ["Additions and other non-breaking changes", r.changes.nonBreaking],
      ["Deprecations", r.changes.deprecated],
    ]) {
      if (list.length > 0) body.push(`**${title}**`, "", ...list.map(line), "");
    }
    if (r.changes.annotation.length > 0 && body.at(-1) !== "") body.push("");
    if (r.changes.annotation.length > 0) body.push(`Documentation: ${r.changes.annotation.length} description/example change(s).`, "");
  }
  return `---\n${front.join("\n")}\n---\n\n${body.join("\n").trimEnd()}\n`;
}

/** The gate: every package with a breaking change needs a major changeset. Returns the list of failures. */
export function gate(results, bumps) {
  return results
    .filter((r) => r.changes.breaking.length > 0 && bumps[r.packageName] !== "major")
    .map((r) => ({ ...r, found: bumps[r.packageName] ?? "none" }));
}

function readJson(file) {
  return JSON.parse(readFileSync(file, "utf8"));
}

async function loadDocument(file, scratch) {
  if (file.endsWith(".json")) return readJson(file);
  const out = join(scratch, `bundled-${Math.random().toString(36).slice(2)}.json`);
  await redoclyBundle(file, out); // a YAML source may $ref other files
  return readJson(out);
}

async function refresh(apis) {
  for (const api of apis) {
    const files = apiFiles(api);
    const version = readJson(files.packageJson).version;
    const released = existsSync(files.released) ? readJson(files.released).info?.version : undefined;
    if (released === version) {
      console.log(`${files.packageName}: ${version} is the snapshot's version already; released/openapi.json kept`);
      continue;
    }
    const out = join(files.packageDir, "dist");
    await bundleSpec({ spec: files.spec, packageJson: files.packageJson, out });
    mkdirSync(join(files.packageDir, "released"), { recursive: true });
    copyFileSync(join(out, "openapi.json"), files.released);
    console.log(`${files.packageName}: released/openapi.json is now the ${version} spec (was ${released ?? "missing"})`);
  }
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      check: { type: "boolean" },
      changeset: { type: "boolean" },
      json: { type: "boolean" },
      refresh: { type: "boolean" },
      base: { type: "string" },
      head: { type: "string" },
      package: { type: "string" },
      "changeset-dir": { type: "string" },
    },
  });
  const apis = positionals.length > 0 ? positionals : APIS;
  const unknown = apis.filter((api) => !APIS.includes(api));
  if (unknown.length > 0) throw new UsageError(`unknown api ${unknown.join(", ")} (expected ${APIS.join(" or ")})`);
  if (values.refresh) return refresh(apis);

  const scratch = mkdtempSync(join(tmpdir(), "spec-diff-"));
  try {
    const comparisons = [];
    if (values.base || values.head) {
      if (!values.base || !values.head || !values.package) throw new UsageError("--base, --head and --package go together");
      comparisons.push({ packageName: values.package, base: resolve(values.base), head: resolve(values.head) });
    } else {
      for (const api of apis) {
        const files = apiFiles(api);
        comparisons.push({ packageName: files.packageName, base: files.released, head: files.spec });
      }
    }
    const results = [];
    for (const c of comparisons) {
      if (!existsSync(c.base)) {
        throw new UsageError(
          `${c.packageName}: no released snapshot at ${relative(root, c.base)}. Run \`node scripts/spec-diff.mjs --refresh\` ` +
            "to take one from the current spec (only right after a release).",
        );
      }
      const [before, after] = await Promise.all([loadDocument(c.base, scratch), loadDocument(c.head, scratch)]);
      results.push({
        packageName: c.packageName,
        title: after.info?.title,
        releasedVersion: before.info?.version,
        changes: classify(before, after),
      });
    }

    if (values.json) {
      console.log(JSON.stringify(results, null, 2));
    } else if (values.changeset) {
      const text = changesetText(results);
      if (text) process.stdout.write(text);
      else console.error("spec-diff: no changes since the released specs; no changeset needed.");
      if (results.some((r) => r.changes.breaking.length > 0 || r.changes.nonBreaking.length > 0)) {
        console.error("spec-diff: if a client's API changes too, add @bikavika/bika or @bikavika/vika to the front matter.");
      }
    } else {
      for (const r of results) console.log(summary(r, r.changes));
    }

    if (values.check) {
      const changesetDir = values["changeset-dir"] ? resolve(values["changeset-dir"]) : join(root, ".changeset");
      const failures = gate(results, changesetBumps(changesetDir));
      for (const f of failures) {
        const api = APIS.find((a) => f.packageName === `@bikavika/${a}-openapi`) ?? "<api>";
        console.error(
          `\nspec-diff: ${f.packageName} has ${f.changes.breaking.length} breaking change(s) since ${f.releasedVersion ?? "the released spec"}, ` +
            `and ${relative(root, changesetDir) || "."}/ has ${f.found === "none" ? "no changeset" : `only a ${f.found} changeset`} for it; ` +
            `a breaking change needs a major one. Write it with:\n  node scripts/spec-diff.mjs ${api} --changeset > .changeset/${api}-openapi-breaking.md\n` +
            "or undo the breaking change.",
        );
      }
      if (failures.length > 0) process.exitCode = 1;
      else if (results.some((r) => r.changes.breaking.length > 0)) console.log("spec-diff: the breaking changes have a major changeset.");
      else console.log("spec-diff: no breaking changes.");
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

class UsageError extends Error {}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    await main();
  } catch (error) {
    console.error(`spec-diff: ${error.message}`);
    process.exit(error instanceof UsageError ? 2 : 1);
  }
}
