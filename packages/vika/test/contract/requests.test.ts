// Vika-specific contract checks: the array-parameter forms the real server takes, the mock's refusals,
// uploads from every source type, and the official SDK's conveniences.
import { Readable } from "node:stream";
import { describe, expect, inject, it } from "vitest";
import { ApiError, MissingContextError, ValidationError } from "../../src/index.js";
import { TOKEN, mockVika } from "./helpers.js";

const RECORDS = "/fusion/v1/datasheets/dst0Yj5aNeoHldqvf6/records";

function raw(path: string, init: RequestInit = {}) {
  return fetch(`${inject("mockUrl")}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json", ...init.headers },
  });
}

describe("array query parameters: every form the real server accepts passes the mock", () => {
  it.each([
    ["repeated keys (vika.py)", "recordIds=recA&recordIds=recB"],
    ["comma-separated", "recordIds=recA,recB"],
    ["brackets (official JS SDK)", "recordIds%5B%5D=recA&recordIds%5B%5D=recB"],
    ["fields, repeated", "fields=Title&fields=Status"],
    ["fields, brackets", "fields%5B%5D=Title&fields%5B%5D=Status"],
    ["sort as JSON objects (vika.py)", `sort=${encodeURIComponent('{"field":"Title","order":"asc"}')}`],
    ["sort in the JS SDK's bracket form", "sort%5B%5D%5Bfield%5D=Title&sort%5B%5D%5Border%5D=desc"],
  ])("%s", async (_label, query) => {
    const response = await raw(`${RECORDS}?${query}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("sl-violations")).toBeNull();
  });

  it("deletes with recordIds in the JS SDK's bracket form", async () => {
    const response = await raw(`${RECORDS}?recordIds%5B%5D=recA&recordIds%5B%5D=recB`, { method: "DELETE" });
    expect(response.status).toBe(200);
  });
});

describe("the official SDKs' traffic is valid: vika.js adds fieldKey (and isV3) to every query", () => {
  it.each([
    ["a space list", "GET", "/fusion/v1/spaces?fieldKey=name"],
    ["a field list", "GET", "/fusion/v1/datasheets/dst0Yj5aNeoHldqvf6/fields?fieldKey=id"],
    ["a v3 read with isV3", "GET", "/fusion/v3/datasheets/dst0Yj5aNeoHldqvf6/records?fieldKey=name&isV3=true&pageSize=100"],
    ["a v3 delete with isV3", "DELETE", "/fusion/v3/datasheets/dst0Yj5aNeoHldqvf6/records?fieldKey=name&isV3=true&recordIds%5B%5D=recA"],
    ["the time machine", "GET", "/fusion/v1/timemachine/dst0Yj5aNeoHldqvf6?fieldKey=name"],
  ])("%s", async (_label, method, path) => {
    const response = await raw(path, { method });
    expect(response.headers.get("sl-violations")).toBeNull();
    expect(response.status).toBe(200);
  });
});

describe("the mock refuses what the spec forbids", () => {
  it.each([
    ["pageSize above 1000", `${RECORDS}?pageSize=5000`, "GET", undefined, /pagesize/i],
    ["node search without type", "/fusion/v2/spaces/spcjXzqVrjaP3/nodes", "GET", undefined, /type/],
    ["a create without records", RECORDS, "POST", JSON.stringify({ fieldKey: "name" }), /records/],
    ["more than 20 presigned URLs", "/fusion/v1/datasheets/dst0Yj5aNeoHldqvf6/attachments/presignedUrl?count=21", "GET", undefined, /count/],
  ])("%s", async (_label, path, method, body, violation) => {
    const response = await raw(path, { method, ...(body ? { body } : {}) });
    expect(response.status).toBe(400);
    expect(response.headers.get("sl-violations")).toMatch(violation);
  });

  it("turns a request of 11 records into a ValidationError (the object model would have split it)", async () => {
    const records = Array.from({ length: 11 }, (_, index) => ({ fields: { 标题: `Record ${index}` } }));
    const error = await mockVika()
      .request("post", "/fusion/v1/datasheets/{datasheetId}/records", {
        params: { path: { datasheetId: "dst0Yj5aNeoHldqvf6" } },
        body: { records },
      })
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ValidationError);
  });
});

describe("cell writes: the mock takes what the server's field validators take, and refuses what they refuse", () => {
  // fusion/field/*.field.ts of apitable/apitable (CellValueWrite in the spec).
  const write = (fields: Record<string, unknown>) =>
    raw(RECORDS, { method: "POST", body: JSON.stringify({ records: [{ fields }] }) });

  it.each([
    ["a URL as a string", { 网址: "https://vika.cn" }],
    ["a URL as {text, title, favicon}", { 网址: { text: "https://vika.cn", title: "vika", favicon: "" } }],
    ["a member by id alone", { 负责人: [{ id: "1291258301781176321" }] }],
    ["a member by unitId alone", { 负责人: [{ unitId: "1291258301781176321" }] }],
    ["a member by name and type", { 负责人: [{ name: "Jane", type: "Member" }] }],
    ["a single-select option name", { 状态: "进行中" }],
    ["null, which clears a cell (WorkDoc included)", { 文档: null }],
  ])("accepts %s", async (_label, fields) => {
    const response = await write(fields);
    expect(response.headers.get("sl-violations")).toBeNull();
    expect(response.status).toBe(200);
  });

  // ASCII field names: Prism echoes the violating path in the `sl-violations` header, and a non-ASCII header value
  // makes it drop the connection.
  it.each([
    ["a WorkDoc cell, which cannot be written", { Doc: [{ documentId: "docCqiLTtyx4l", title: "I am title" }] }],
    ["a URL object without text", { Website: { title: "vika" } }],
    ["a URL object with an empty text", { Website: { text: "" } }],
    ["a member by name without type", { Owner: [{ name: "Jane" }] }],
    ["a member with a numeric id", { Owner: [{ id: 42 }] }],
  ])("refuses %s", async (_label, fields) => {
    const response = await write(fields);
    expect(response.status).toBe(400);
    expect(response.headers.get("sl-violations")).toMatch(/fields/);
  });
});

describe("errors as the server sends them", () => {
  const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (reason: unknown) => reason);

  it("the row limit on create: HTTP 500 with code 304", async () => {
    const error = await failure(
      mockVika("code=500, example=recordLimit").datasheet("dst0Yj5aNeoHldqvf6").records.create([{ fields: { 标题: "x" } }]),
    );
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 500, code: 304 });
  });

  it("a refused upload: success false with code 200 under HTTP 200 is an error, not an attachment", async () => {
    const error = await failure(mockVika("example=businessError").datasheet("dst0Yj5aNeoHldqvf6").upload(new Blob(["x"]), "x.txt"));
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 200 });
  });

  it("a request-validation failure: HTTP 500, code 500, the messages as an array", async () => {
    const response = await raw(RECORDS, { headers: { Prefer: "code=500, example=validationFailure" } });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      success: false,
      code: 500,
      message: ["api_params_pagesize_max_error", "api_params_pagenum_min_error"],
    });
  });
});

describe("uploads accept every source type", () => {
  const datasheet = () => mockVika().datasheet("dst0Yj5aNeoHldqvf6");
  const bytes = new TextEncoder().encode("attachment bytes");

  it.each([
    ["a Buffer", () => Buffer.from(bytes)],
    ["a Uint8Array", () => bytes],
    ["an ArrayBuffer", () => bytes.slice().buffer],
    ["a Blob", () => new Blob([bytes], { type: "text/plain" })],
    ["a File", () => new File([bytes], "notes.txt", { type: "text/plain" })],
    ["a Node Readable stream", () => Readable.from([Buffer.from("attachment "), Buffer.from("bytes")])],
    ["a web ReadableStream", () => new Blob([bytes]).stream()],
  ])("%s", async (_label, source) => {
    const attachment = await datasheet().upload(source(), "notes.txt");
    expect(attachment.token).toEqual(expect.any(String));
    expect(attachment.url).toMatch(/^https:\/\//);
  });

  it("rejects something that is not a file with a TypeError, before any request", async () => {
    await expect(datasheet().upload(42 as never)).rejects.toThrow(TypeError);
  });
});

describe("the official SDK's conveniences", () => {
  it("accepts a host with the /fusion/v1 suffix, as the official SDKs do", async () => {
    const vika = mockVika(undefined, { host: `${inject("mockUrl")}/fusion/v1` });
    await expect(vika.spaces.list()).resolves.toHaveProperty("spaces");
  });

  it("needs the space for field creation and says how to give it", () => {
    expect(() => mockVika().datasheet("dst0Yj5aNeoHldqvf6").fields.create({ type: "Text", name: "Notes" })).toThrow(
      MissingContextError,
    );
  });
});
