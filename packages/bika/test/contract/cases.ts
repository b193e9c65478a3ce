// One call per operation of spec/bika through the client, keyed by operationId.
import type { Bika, operations } from "../../src/index.js";

const SPACE = "spcND68gdMMZBmGK67gvqNVX";
const DATABASE = "datJubyEnetNFd3UQ6gSeq7U";
const AUTOMATION = "atoV8nW2cX4zB6mQ1pL3kJ5h";
const RECORD = "recpx8ZUBHmRFuD0fGTObHxL";

interface Case {
  /** Calls the operation through the client; resolves to what should equal the success example's `data`. */
  invoke(bika: Bika): Promise<unknown>;
}

/** Keyed by operationId: the compiler insists on a case for every operation the spec generates. */
export const cases: { [OperationId in keyof operations]: Case } = {
  getSystemMeta: { invoke: (bika) => bika.system.meta() },
  getUserProfile: { invoke: (bika) => bika.user.profile() },
  listSpaces: { invoke: async (bika) => (await bika.space.list()).map((space) => space.data) },
  getSpace: { invoke: async (bika) => (await bika.space.get(SPACE)).data },
  listNodes: {
    invoke: async (bika) => (await bika.space.byId(SPACE).nodes.list()).map((node) => node.data),
  },
  getNode: { invoke: async (bika) => bika.space.byId(SPACE).nodes.get(DATABASE) },
  listAutomationTriggers: {
    invoke: async (bika) => bika.space.byId(SPACE).automation(AUTOMATION).triggers.list(),
  },
  listNodeAutomationTriggers: {
    // Deprecated alias: not in the object model, reachable through `request`.
    invoke: (bika) =>
      bika.request("get", "/v1/spaces/{spaceId}/nodes/{nodeId}/automation/triggers", {
        params: { path: { spaceId: SPACE, nodeId: AUTOMATION } },
      }),
  },
  getDatabase: { invoke: (bika) => bika.space.byId(SPACE).database(DATABASE).get() },
  listFields: { invoke: (bika) => bika.space.byId(SPACE).database(DATABASE).fields.list() },
  listViews: { invoke: (bika) => bika.space.byId(SPACE).database(DATABASE).views.list() },
  listRecords: {
    invoke: async (bika) =>
      bika.space.byId(SPACE).database(DATABASE).records.list({
        pageNum: 1,
        pageSize: 100,
        fields: ["Name", "Status"],
        filter: 'Status=="Active"',
        sort: JSON.stringify([{ field: "Name", order: "asc" }]),
      }),
  },
  getRecord: { invoke: async (bika) => bika.space.byId(SPACE).database(DATABASE).records.get(RECORD) },
  createRecord: {
    invoke: async (bika) =>
      bika.space.byId(SPACE).database(DATABASE).records.create({ cells: { Name: "New record" } }),
  },
  updateRecord: {
    invoke: async (bika) =>
      bika.space.byId(SPACE).database(DATABASE).records.update({ id: RECORD, cells: { Name: "Updated" } }),
  },
  deleteRecord: { invoke: async (bika) => bika.space.byId(SPACE).database(DATABASE).records.delete(RECORD) },
  updateRecordById: {
    // A route only one third-party server uses (unverified): not in the object model, reachable through `request`.
    invoke: async (bika) =>
      bika.request("put", "/v1/spaces/{spaceId}/resources/databases/{nodeId}/records/{recordId}", {
        params: { path: { spaceId: SPACE, nodeId: DATABASE, recordId: RECORD } },
        body: { cells: { Name: "Updated" } },
      }),
  },
  registerOutgoingWebhook: {
    invoke: async (bika) =>
      bika.space.byId(SPACE).outgoingWebhooks.register({
        eventType: "ON_RECORD_CREATED",
        name: "Create webhook",
        callbackURL: "https://example.com/hook",
        databaseId: DATABASE,
      }),
  },
  listOutgoingWebhooks: { invoke: async (bika) => bika.space.byId(SPACE).outgoingWebhooks.list() },
  deleteOutgoingWebhook: {
    invoke: async (bika) => bika.space.byId(SPACE).outgoingWebhooks.delete("owhK3pX9mQ2vL7nB4sR8tY1w"),
  },
  createEmbedLink: {
    invoke: async (bika) =>
      bika.space.byId(SPACE).embedLinks.create({ objectType: "NODE_RESOURCE", objectId: DATABASE }),
  },
  listEmbedLinks: { invoke: async (bika) => bika.space.byId(SPACE).embedLinks.list() },
  deleteEmbedLink: {
    invoke: async (bika) => bika.space.byId(SPACE).embedLinks.delete({ id: "embR4tY6uI8oP0aS2dF4gH6j" }),
  },
  uploadAttachment: {
    invoke: async (bika) =>
      bika.space.byId(SPACE).attachments.upload(new TextEncoder().encode("hello, bika"), "hello.txt"),
  },
  listRecordsV2: {
    invoke: async (bika) =>
      bika.space.byId(SPACE).database(DATABASE).recordsV2.list({
        pageSize: 2,
        fields: ["Name", "Status"],
        sort: [{ field: "Name", order: "asc" }, { field: "Status", order: "desc" }],
        cellFormat: "json",
        fieldKey: "name",
        userLocale: "en",
      }),
  },
  createRecordsV2: {
    invoke: async (bika) =>
      bika.space.byId(SPACE).database(DATABASE).recordsV2.create({
        fieldKey: "name",
        records: [{ fields: { Name: "Initech" } }, { fields: { Name: "Umbrella" } }],
      }),
  },
  updateRecordsV2: {
    invoke: async (bika) =>
      bika.space.byId(SPACE).database(DATABASE).recordsV2.updateMany({
        // Two records, as in the spec's request example.
        records: [
          { id: RECORD, fields: { Status: "Churned" } },
          { id: "recQ3w5E7r9T1y3U5i7O9p1A", fields: { Score: 5 } },
        ],
      }),
  },
  patchRecordsV2: {
    // The PATCH form of the batch update (unverified method): reachable through `request`.
    invoke: async (bika) =>
      bika.request("patch", "/v2/spaces/{spaceId}/resources/databases/{nodeId}/records", {
        params: { path: { spaceId: SPACE, nodeId: DATABASE } },
        body: {
          records: [
            { id: RECORD, fields: { Status: "Churned" } },
            { id: "recQ3w5E7r9T1y3U5i7O9p1A", fields: { Score: 5 } },
          ],
        },
      }),
  },
  deleteRecordsV2: {
    invoke: async (bika) =>
      bika.space.byId(SPACE).database(DATABASE).recordsV2.deleteMany([RECORD, "recQ3w5E7r9T1y3U5i7O9p1A"]),
  },
  getRecordV2: {
    invoke: async (bika) => bika.space.byId(SPACE).database(DATABASE).recordsV2.get(RECORD, { cellFormat: "string" }),
  },
  updateRecordV2: {
    invoke: async (bika) =>
      bika.space.byId(SPACE).database(DATABASE).recordsV2.update(RECORD, { fields: { Status: "Active" } }),
  },
  deleteRecordV2: { invoke: async (bika) => bika.space.byId(SPACE).database(DATABASE).recordsV2.delete(RECORD) },
};

