// Nothing a client sends can crash the emulator: a seeded corpus of malformed requests (bad ids, hostile query
// values, wrong-typed and deeply nested bodies, broken JSON and multipart) against every route of both APIs. Each
// must get an answer the API would give: an envelope under 200/400/401/403/404, never the emulator's own 500.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../src/index.js";
import { prng } from "../src/http.js";

const SEED = 20_261_130;
const REQUESTS_PER_API = 1500;

const ID_VALUES = ["dstEmulator0000001", "spcEmulator01", "..", "%2e", "", "x".repeat(3000), "rec<script>", "null", "0", "-1", "1e309", "🙂", "a/b", "%00", "%E0%A4%A"];
const QUERY_VALUES = ["", "-1", "0", "1", "1000", "1001", "99999999999999999999", "NaN", "1.5", "true", "[]", "{}", '{"field":"Title","order":"asc"}', '{"field":1}', "},{", "{Title} = ", "AND(", '"unterminated', "{", "}", "x".repeat(5000), "\u0000", "名称", "name", "id", "json", "string"];
const QUERY_KEYS = ["pageSize", "pageNum", "maxRecords", "sort", "sort[]", "sort[0][field]", "sort[][order]", "recordIds", "recordIds[]", "fields", "fields[]", "viewId", "filterByFormula", "cellFormat", "fieldKey", "count", "type", "permissions", "query", "sensitiveData", "offset", "filter", "__proto__"];

function nested(depth: number): unknown {
  let value: unknown = "leaf";
  for (let index = 0; index < depth; index += 1) value = index % 2 ? [value] : { records: value };
  return value;
}

const BODIES: Array<string | undefined> = [
  undefined,
  "",
  "{",
  "null",
  "[]",
  "42",
  '"text"',
  "{}",
  '{"records": null}',
  '{"records": {}}',
  '{"records": [null, 1, "x"]}',
  '{"records": [{"fields": null}]}',
  '{"records": [{"fields": {"Title": {"__proto__": {"polluted": true}}}}]}',
  '{"records": [{"recordId": 5, "fields": {"Title": []}}]}',
  `{"records": [${Array.from({ length: 11 }, () => '{"fields":{"Title":"x"}}').join(",")}]}`,
  '{"records": [{"fields": {"Status": ["a"], "Estimate": "3", "Due": "never", "Owner": [{"unitId": 1}], "No.": null}}]}',
  '{"records": [{"cells": {"Name": {"nested": [1, {"deep": true}]}}}]}',
  '{"name": "", "type": "Nope", "property": []}',
  '{"name": "x", "fields": [{"name": "A", "type": "Attachment"}]}',
  '{"name": "x", "fields": "all"}',
  '{"theme": "neon", "payload": 5}',
  '{"messages": "hi"}',
  '{"eventType": 5, "callbackURL": null}',
  '{"objectType": "NOPE"}',
  '{"recordIds": "rec1"}',
  JSON.stringify(nested(3000)),
  JSON.stringify({ records: [{ fields: { Title: "x".repeat(200_000) } }] }),
];

async function fuzz(emulator: Emulator, routes: ReadonlyArray<{ method: string; path: string }>, random: () => number) {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const problems: string[] = [];
  for (let index = 0; index < REQUESTS_PER_API; index += 1) {
    const route = pick(routes);
    const path = route.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(pick(ID_VALUES)).replace(/%25([0-9A-F]{2})/gi, (_all, hex: string) => (random() < 0.5 ? `%${hex}` : `%25${hex}`)));
    const query = new URLSearchParams();
    for (let count = Math.floor(random() * 4); count > 0; count -= 1) query.append(pick(QUERY_KEYS), pick(QUERY_VALUES));
    const multipart = route.method !== "GET" && random() < 0.05;
    const body = multipart ? "--x\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nunterminated" : route.method === "GET" ? undefined : pick(BODIES);
    const headers: Record<string, string> = { authorization: random() < 0.05 ? "Bearer" : "Bearer uskFuzz" };
    if (body !== undefined) headers["content-type"] = multipart ? "multipart/form-data; boundary=x" : "application/json";
    const url = `${emulator.url}${path}${query.size ? `?${query}` : ""}`;
    let response: Response;
    try {
      response = await fetch(url, { method: route.method, headers, ...(body === undefined ? {} : { body }) });
    } catch (error) {
      problems.push(`${route.method} ${url.slice(0, 120)}: no answer (${String(error)})`);
      continue;
    }
    const text = await response.text();
    if (![200, 400, 401, 403, 404, 413].includes(response.status)) {
      problems.push(`${route.method} ${url.slice(0, 120)} body ${String(body).slice(0, 60)}: HTTP ${response.status} ${text.slice(0, 200)}`);
      continue;
    }
    if (response.headers.get("content-type")?.startsWith("application/json")) {
      try {
        JSON.parse(text);
      } catch {
        problems.push(`${route.method} ${url.slice(0, 120)}: a body that is not JSON`);
      }
    }
  }
  return problems;
}

describe.each(["vika", "bika"] as const)("%s: a corpus of malformed requests", (api) => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ api, qps: false });
  });
  afterAll(() => emulator.stop());

  it(`answers ${REQUESTS_PER_API} of them as the API would, never with its own failure, and keeps serving`, async () => {
    const { createVikaApi } = await import("../src/vika/index.js");
    const { createBikaApi, defaultBikaSeed } = await import("../src/bika/index.js");
    const { defaultVikaSeed } = await import("../src/vika/seed.js");
    const routes = (api === "vika" ? createVikaApi(defaultVikaSeed) : createBikaApi(defaultBikaSeed)).routes.filter((route) => !route.public);
    const problems = await fuzz(emulator, routes, prng(SEED + (api === "vika" ? 0 : 1)));
    expect(problems).toEqual([]);
    const alive = await fetch(`${emulator.baseUrl}${api === "vika" ? "/fusion/v1/spaces" : "/v1/spaces"}`, { headers: { authorization: "Bearer uskFuzz" } });
    expect(alive.status).toBe(200);
  });
});
