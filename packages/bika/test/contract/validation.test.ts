// The mock enforces the spec: requests the spec forbids are refused (HTTP 400 from Prism, with the violation
// named in `sl-violations`), and the client turns that refusal into a ValidationError.
import { inject } from "vitest";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/index.js";
import { TOKEN, mockBika } from "./helpers.js";

const RECORDS = "/v1/spaces/spcND68gdMMZBmGK67gvqNVX/resources/databases/datJubyEnetNFd3UQ6gSeq7U/records";

async function raw(path: string, init: RequestInit = {}) {
  return fetch(`${inject("mockUrl")}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json", ...init.headers },
  });
}

describe("the mock rejects what the spec forbids", () => {
  it("refuses pageSize above 1000", async () => {
    const response = await raw(`${RECORDS}?pageSize=5000`);
    expect(response.status).toBe(400);
    expect(response.headers.get("sl-violations")).toMatch(/pagesize.*<= 1000/i);
  });

  it("refuses a create without cells", async () => {
    const response = await raw(RECORDS, { method: "POST", body: JSON.stringify({ fields: { Name: "x" } }) });
    expect(response.status).toBe(400);
    expect(response.headers.get("sl-violations")).toContain("cells");
  });

  it("refuses a request without a token", async () => {
    const response = await fetch(`${inject("mockUrl")}/v1/spaces`);
    expect(response.status).toBe(401);
  });

  it("refuses a v2 request of 11 records, as a ValidationError (the object model would have split it)", async () => {
    const records = Array.from({ length: 11 }, (_, index) => ({ fields: { Name: `Record ${index}` } }));
    const error = await mockBika()
      .request("post", "/v2/spaces/{spaceId}/resources/databases/{nodeId}/records", {
        params: { path: { spaceId: "spcND68gdMMZBmGK67gvqNVX", nodeId: "datJubyEnetNFd3UQ6gSeq7U" } },
        body: { records },
      })
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).status).toBe(400);
  });
});

describe("the low-level client", () => {
  it("returns openapi-fetch's { data, response } with the whole envelope, typed", async () => {
    const { data, error, response } = await mockBika().client.GET("/v1/spaces/{spaceId}/nodes", {
      params: { path: { spaceId: "spcND68gdMMZBmGK67gvqNVX" } },
    });
    expect(error).toBeUndefined();
    expect(response.status).toBe(200);
    expect(data?.success).toBe(true);
    if (data?.success) expect(data.data.map((node) => node.type)).toContain("DATABASE");
  });

  it("returns the error body instead of throwing", async () => {
    const bika = mockBika("code=404");
    const { data, error, response } = await bika.client.GET("/v1/spaces");
    expect(data).toBeUndefined();
    expect(response.status).toBe(404);
    expect(error).toMatchObject({ success: false });
  });
});

describe("the forms third-party clients send, where they disagree (both declared)", () => {
  const V2 = RECORDS.replace("/v1/", "/v2/");

  it.each([
    ["v2 batch delete, ids in the query (hamchowderr src/tools)", `${V2}?records=recA&records=recB`, "DELETE", undefined],
    ["v2 batch delete, ids in a JSON body (hamchowderr api/server.ts)", V2, "DELETE", JSON.stringify({ recordIds: ["recA", "recB"] })],
    ["v2 batch update with PATCH (hamchowderr api/server.ts)", V2, "PATCH", JSON.stringify({ records: [{ id: "recA", fields: { Name: "x" } }] })],
    ["v2 batch update with PUT (hamchowderr src/tools)", V2, "PUT", JSON.stringify({ records: [{ id: "recA", fields: { Name: "x" } }] })],
    ["v1 update with PUT on the record (hamchowderr api/server.ts)", `${RECORDS}/recA`, "PUT", JSON.stringify({ cells: { Name: "x" } })],
    ["v1 update with PATCH and the id in the body (Quick Start)", RECORDS, "PATCH", JSON.stringify({ id: "recA", cells: { Name: "x" } })],
  ])("accepts %s", async (_label, path, method, body) => {
    const response = await raw(path, { method, ...(body ? { body } : {}) });
    expect(response.headers.get("sl-violations")).toBeNull();
    expect(response.status).toBe(200);
  });

  it("refuses a body delete of more than 10 ids", async () => {
    const recordIds = Array.from({ length: 11 }, (_, index) => `rec${index}`);
    const response = await raw(V2, { method: "DELETE", body: JSON.stringify({ recordIds }) });
    expect(response.status).toBe(400);
    expect(response.headers.get("sl-violations")).toMatch(/recordIds/);
  });
});
