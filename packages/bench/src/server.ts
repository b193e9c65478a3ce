// The bench's server, run in its own process (forked by main.ts) so that its work does not count as the clients'.
// It serves a virtual datasheet of 100,000 records through the Vika and Bika v1 list routes (the same page shape),
// and takes Vika creates under a request budget per datasheet+token, answered like the real server: HTTP 429
// `{success:false, code:429}` without Retry-After, in fixed one-second windows; more than 10 records per write is
// HTTP 200 `{success:false, code:400}`.
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fixedWindowBudget } from "@bikavika/testkit/budget";
import { MAX_PAGE_SIZE, MAX_WRITE, type ServerStats, TOTAL_RECORDS } from "./shared.js";

let budget = fixedWindowBudget(undefined);
let stats: ServerStats = { requests: 0, rateLimited: 0, created: 0, oversizeWrites: 0 };
/** Serialised pages, by `pageNum/pageSize`: the bench measures the clients, not JSON.stringify on the server. */
const pages = new Map<string, Buffer>();
let nextId = 0;

function record(index: number) {
  return {
    recordId: `rec${index.toString(36).padStart(8, "0")}`,
    createdAt: 1_700_000_000_000 + index,
    updatedAt: 1_700_000_000_000 + index,
    fields: {
      Name: `Record ${index}`,
      Number: index,
      Done: index % 2 === 0,
      Tags: ["alpha", "beta"].slice(0, 1 + (index % 2)),
      Notes: "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
    },
  };
}

function page(pageNum: number, pageSize: number): Buffer {
  const key = `${pageNum}/${pageSize}`;
  let body = pages.get(key);
  if (!body) {
    const start = (pageNum - 1) * pageSize;
    const records = [];
    for (let index = start; index < Math.min(TOTAL_RECORDS, start + pageSize); index += 1) records.push(record(index));
    const data = { total: TOTAL_RECORDS, records, pageNum, pageSize: records.length };
    body = Buffer.from(JSON.stringify({ success: true, code: 200, message: "SUCCESS", data }));
    pages.set(key, body);
  }
  return body;
}

function send(response: ServerResponse, status: number, body: Buffer | object) {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  response.writeHead(status, { "content-type": "application/json;charset=UTF-8", "content-length": bytes.length });
  response.end(bytes);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

const VIKA_RECORDS = /^\/fusion\/v1\/datasheets\/([^/]+)\/records$/;
const BIKA_RECORDS = /^\/api\/openapi\/bika\/v1\/spaces\/[^/]+\/resources\/databases\/([^/]+)\/records$/;

async function handle(request: IncomingMessage, response: ServerResponse) {
  const url = new URL(request.url ?? "/", "http://bench");
  const body = await readBody(request);
  if (url.pathname === "/__stats") return send(response, 200, stats);
  if (url.pathname === "/__reset") {
    stats = { requests: 0, rateLimited: 0, created: 0, oversizeWrites: 0 };
    budget = fixedWindowBudget(url.searchParams.has("qps") ? Number(url.searchParams.get("qps")) : undefined);
    return send(response, 200, { ok: true });
  }
  stats.requests += 1;
  const authorization = request.headers.authorization ?? "";
  if (!authorization.startsWith("Bearer ")) return send(response, 401, { success: false, code: 401, message: "api_unauthorized" });
  const route = VIKA_RECORDS.exec(url.pathname) ?? BIKA_RECORDS.exec(url.pathname);
  if (!route) return send(response, 404, { success: false, code: 404, message: "api_not_exists" });
  if (budget.over(route[1]!, authorization)) {
    stats.rateLimited += 1;
    return send(response, 429, { success: false, code: 429, message: "api_frequently_error" });
  }
  if (request.method === "GET") {
    const pageSize = Number(url.searchParams.get("pageSize") ?? 100);
    const pageNum = Number(url.searchParams.get("pageNum") ?? 1);
    if (!(Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= MAX_PAGE_SIZE && Number.isInteger(pageNum) && pageNum >= 1)) {
      return send(response, 200, { success: false, code: 400, message: "api_params_pagesize_error" });
    }
    return send(response, 200, page(pageNum, pageSize));
  }
  if (request.method === "POST") {
    const records = (JSON.parse(body) as { records?: Array<{ fields: object }> }).records ?? [];
    if (records.length === 0 || records.length > MAX_WRITE) {
      stats.oversizeWrites += records.length > MAX_WRITE ? 1 : 0;
      return send(response, 200, { success: false, code: 400, message: "api_params_records_max_count_error" });
    }
    const now = Date.now();
    stats.created += records.length;
    const created = records.map(({ fields }) => ({ recordId: `recNew${(nextId++).toString(36)}`, createdAt: now, updatedAt: now, fields }));
    return send(response, 200, { success: true, code: 200, message: "SUCCESS", data: { records: created } });
  }
  return send(response, 404, { success: false, code: 404, message: "api_not_exists" });
}

const server = createServer((request, response) => {
  handle(request, response).catch((error: unknown) => {
    if (!response.headersSent) send(response, 500, { success: false, code: 500, message: String(error) });
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ type: "listening", port });
});
// The parent process owns this one: when it goes, so does the server.
process.on("disconnect", () => process.exit(0));
