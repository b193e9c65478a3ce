// scripts/spec-diff.mjs, the breaking-change gate of both spec packages: what it classifies as breaking on a small
// fixture spec (test/fixtures/diff/base.yaml), and that `--check` fails on a breaking change until .changeset/ has a
// major changeset for the package. (Shared tooling; its tests live here. The real gate runs in each package's lint.)
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { bumpFor, changesetBumps, classify } from "../../../scripts/spec-diff.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const script = join(here, "..", "..", "..", "scripts", "spec-diff.mjs");
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;
const base: Doc = parse(readFileSync(join(here, "fixtures", "diff", "base.yaml"), "utf8"));
const edit = (change: (doc: Doc) => void): Doc => {
  const doc = structuredClone(base);
  change(doc);
  return doc;
};
type Change = { operation?: string; operationId?: string; description: string };
const text = (changes: Change[]) => changes.map((c) => `${c.operation} (${c.operationId}): ${c.description}`).join("\n");

describe("classify", () => {
  it("finds nothing between identical specs, and ignores info.version", () => {
    const changes = classify(base, edit((doc) => (doc.info.version = "9.0.0")));
    expect(changes).toEqual({ breaking: [], nonBreaking: [], deprecated: [], annotation: [] });
    expect(bumpFor(changes)).toBe("none");
  });

  it("a removed operation is breaking", () => {
    const changes = classify(base, edit((doc) => delete doc.paths["/pets/{petId}"].delete));
    expect(changes.breaking).toHaveLength(1);
    expect(text(changes.breaking)).toMatch(/^DELETE \/pets\/\{petId\} \(deletePet\): .*Removed.* operation/);
    expect(bumpFor(changes)).toBe("major");
  });

  it("a parameter that becomes required, or a new required one, is breaking", () => {
    const nowRequired = classify(base, edit((doc) => (doc.paths["/pets"].get.parameters[0].required = true)));
    expect(text(nowRequired.breaking)).toMatch(/^GET \/pets \(listPets\): .*required.*`limit`/);
    const added = classify(
      base,
      edit((doc) => doc.paths["/pets"].get.parameters.push({ name: "owner", in: "query", required: true, schema: { type: "string" } })),
    );
    expect(text(added.breaking)).toMatch(/^GET \/pets \(listPets\): .*required query parameter `owner`/);
  });

  it("a narrowed enum in a request is breaking (parameter or body)", () => {
    const param = classify(base, edit((doc) => (doc.components.schemas.Status.enum = ["available", "pending"])));
    expect(text(param.breaking)).toMatch(/^GET \/pets \(listPets\): .*query parameter `status`/);
    const body = classify(base, edit((doc) => (doc.components.schemas.NewPet.properties.kind.enum = ["cat", "dog"])));
    expect(text(body.breaking)).toMatch(/^POST \/pets \(createPet\): .*`kind` in Request Body/);
  });

  it("a renamed operationId is breaking (the clients are keyed by it)", () => {
    const changes = classify(base, edit((doc) => (doc.paths["/pets"].get.operationId = "getPets")));
    expect(text(changes.breaking)).toMatch(/operationId `listPets` to `getPets`/);
  });

  it("an added optional property is not breaking (in a response or a request body)", () => {
    const response = classify(base, edit((doc) => (doc.components.schemas.Pet.properties.nickname = { type: "string" })));
    expect(response.breaking).toEqual([]);
    expect(text(response.nonBreaking).split("\n").sort()).toEqual([
      "GET /pets (listPets): [Added] property `[].nickname` in response 200 (application/json)",
      "GET /pets/{petId} (getPet): [Added] property `nickname` in response 200 (application/json)",
      "POST /pets (createPet): [Added] property `nickname` in response 201 (application/json)",
    ]);
    const request = classify(base, edit((doc) => (doc.components.schemas.NewPet.properties.nickname = { type: "string" })));
    expect(request.breaking).toEqual([]);
    expect(text(request.nonBreaking)).toMatch(/^POST \/pets \(createPet\): .*property `nickname`/);
    expect(bumpFor(request)).toBe("minor");
  });

  it("a new operation is not breaking", () => {
    const changes = classify(
      base,
      edit((doc) => {
        doc.paths["/pets/{petId}"].put = {
          operationId: "replacePet",
          requestBody: { content: { "application/json": { schema: { $ref: "#/components/schemas/NewPet" } } } },
          responses: { "200": { description: "The pet." } },
        };
      }),
    );
    expect(changes.breaking).toEqual([]);
    expect(text(changes.nonBreaking)).toMatch(/^PUT \/pets\/\{petId\} \(replacePet\): .*Added.* operation/);
  });

  it("a description is an annotation (a patch)", () => {
    const changes = classify(base, edit((doc) => (doc.paths["/pets"].get.description = "Now with words.")));
    expect(changes.breaking).toEqual([]);
    expect(changes.nonBreaking).toEqual([]);
    expect(changes.annotation).toHaveLength(1);
    expect(bumpFor(changes)).toBe("patch");
  });
});

describe("the gate (spec-diff.mjs --check)", () => {
  const dir = mkdtempSync(join(tmpdir(), "spec-diff-test-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, doc: Doc) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(doc));
    return file;
  };
  const baseFile = write("base.json", base);
  const breakingFile = write("breaking.json", edit((doc) => delete doc.paths["/pets/{petId}"].delete));
  const additiveFile = write("additive.json", edit((doc) => (doc.components.schemas.Pet.properties.nickname = { type: "string" })));
  const changesets = (name: string, files: Record<string, string>) => {
    const folder = join(dir, name);
    mkdirSync(folder);
    writeFileSync(join(folder, "README.md"), "---\n\"@bikavika/pets-openapi\": major\n---\n\nNot a changeset.\n");
    for (const [file, body] of Object.entries(files)) writeFileSync(join(folder, file), body);
    return folder;
  };
  const run = (head: string, changesetDir: string, ...flags: string[]) =>
    spawnSync(
      process.execPath,
      [script, "--base", baseFile, "--head", head, "--package", "@bikavika/pets-openapi", "--changeset-dir", changesetDir, ...flags],
      { encoding: "utf8" },
    );

  const none = changesets("none", {});
  const minor = changesets("minor", { "pets.md": "---\n\"@bikavika/pets-openapi\": minor\n---\n\nSomething.\n" });
  const other = changesets("other", { "other.md": "---\n'@bikavika/vika-openapi': major\n---\n\nElsewhere.\n" });
  const major = changesets("major", {
    "a.md": "---\n\"@bikavika/vika\": patch\n---\n\nA fix.\n",
    "b.md": "---\n\"@bikavika/vika\": minor\n'@bikavika/pets-openapi': major\n---\n\nRemoved deletePet.\n",
  });

  it("fails on a breaking change without a changeset, with the change and the command to write one", () => {
    const result = run(breakingFile, none, "--check");
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/1 breaking[\s\S]*DELETE \/pets\/\{petId\}` \(`deletePet`\)/);
    expect(result.stderr).toMatch(/has 1 breaking change\(s\) since 1\.0\.0, and .* has no changeset for it; a breaking change needs a major one/);
    expect(result.stderr).toContain("--changeset > .changeset/");
  });

  it("fails with only a minor changeset, or a major one for another package", () => {
    const withMinor = run(breakingFile, minor, "--check");
    expect(withMinor.status).toBe(1);
    expect(withMinor.stderr).toMatch(/only a minor changeset/);
    expect(run(breakingFile, other, "--check").status).toBe(1);
  });

  it("passes with a major changeset for the package", () => {
    expect(changesetBumps(major)).toEqual({ "@bikavika/vika": "minor", "@bikavika/pets-openapi": "major" });
    const result = run(breakingFile, major, "--check");
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("passes a non-breaking change without any changeset", () => {
    const result = run(additiveFile, none, "--check");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/0 breaking, 3 non-breaking/); // Pet is in three responses
  });

  it("--changeset prints a major changeset that, saved in .changeset/, lets the gate pass", () => {
    const printed = run(breakingFile, none, "--changeset");
    expect(printed.status).toBe(0);
    expect(printed.stdout).toMatch(/^---\n"@bikavika\/pets-openapi": major\n---\n\nPets: changes to the API description since 1\.0\.0\.\n/);
    expect(printed.stdout).toContain("**Breaking changes**\n\n- `DELETE /pets/{petId}` (`deletePet`): ");
    const saved = changesets("printed", { "pets-openapi-breaking.md": printed.stdout });
    expect(run(breakingFile, saved, "--check").status).toBe(0);
    // and a non-breaking change asks for a minor one
    expect(run(additiveFile, none, "--changeset").stdout).toMatch(/^---\n"@bikavika\/pets-openapi": minor\n---/);
  });
});
