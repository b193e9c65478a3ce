// One call per operation of spec/vika through the client, keyed by operationId.
import type { Vika, operations } from "../../src/index.js";

const SPACE = "spcjXzqVrjaP3";
const DATASHEET = "dst0Yj5aNeoHldqvf6";
const FIELD = "fld7r18G7eSOu";
const RECORD = "rec4zxfWB5uyM";
const UNIT = "gP5zF7xW1mC2nQ4sXrKjV8bT6tL9yH";

export interface Case {
  /** Calls the operation through the client; resolves to what should equal the success example's `data`. */
  invoke(vika: Vika): Promise<unknown>;
  /** The operation's responses are not enveloped: the whole example body is the result. */
  bare?: boolean;
}

const datasheet = (vika: Vika) => vika.space(SPACE).datasheet(DATASHEET);

/** Keyed by operationId: the compiler insists on a case for every operation the spec generates. */
export const cases: { [OperationId in keyof operations]: Case } = {
  listRecords: {
    invoke: (vika) =>
      vika.datasheet(DATASHEET).records.query({
        viewId: "viwG9l1VPD6nH",
        pageSize: 100,
        pageNum: 1,
        maxRecords: 500,
        recordIds: [RECORD, "recGs5Qo1YqHq"],
        fields: ["标题", "状态"],
        sort: [{ field: "数量", order: "desc" }],
        filterByFormula: '{状态}="进行中"',
        cellFormat: "json",
        fieldKey: "name",
      }),
  },
  createRecords: {
    invoke: (vika) =>
      // Two records, as in the spec's request example.
      vika.datasheet(DATASHEET).records.create(
        [{ fields: { 标题: "第三季度报告", 数量: 42 } }, { fields: { 标题: "年度总结" } }],
        { viewId: "viwG9l1VPD6nH" },
      ),
  },
  updateRecords: {
    invoke: (vika) => vika.datasheet(DATASHEET).records.update([{ recordId: RECORD, fields: { 状态: "已完成", 数量: null } }]),
  },
  replaceRecords: {
    // The server's PUT alias of PATCH: not in the object model, reachable through `request`.
    invoke: (vika) =>
      vika.request("put", "/fusion/v1/datasheets/{datasheetId}/records", {
        params: { path: { datasheetId: DATASHEET } },
        body: { records: [{ recordId: RECORD, fields: { 状态: "已完成" } }] },
      }),
  },
  deleteRecords: { invoke: (vika) => vika.datasheet(DATASHEET).records.delete([RECORD, "recGs5Qo1YqHq"]) },
  listDeletedRecordIds: { invoke: (vika) => vika.datasheet(DATASHEET).records.deletedIds() },
  listRecordsV3: {
    invoke: (vika) =>
      vika.datasheet(DATASHEET, { v3: true }).records.query({ viewId: "viwG9l1VPD6nH", pageSize: 100, fieldKey: "name" }),
  },
  createRecordsV3: {
    invoke: (vika) => // Two records, as the success example answers.
      vika.datasheet(DATASHEET, { v3: true }).records.create([{ fields: { 标题: "第三季度报告", 数量: 42 } }, { fields: { 标题: "年度预算" } }]),
  },
  updateRecordsV3: {
    invoke: (vika) => vika.datasheet(DATASHEET, { v3: true }).records.update([{ recordId: RECORD, fields: { 状态: "已完成" } }]),
  },
  replaceRecordsV3: {
    // The v3 PUT: not in the object model, reachable through `request`.
    invoke: (vika) =>
      vika.request("put", "/fusion/v3/datasheets/{datasheetId}/records", {
        params: { path: { datasheetId: DATASHEET } },
        body: { records: [{ recordId: RECORD, fields: { 状态: "已完成" } }] },
      }),
  },
  deleteRecordsV3: { invoke: (vika) => vika.datasheet(DATASHEET, { v3: true }).records.delete(RECORD) },
  listFields: { invoke: (vika) => vika.datasheet(DATASHEET).fields.list({ viewId: "viwG9l1VPD6nH" }) },
  createField: {
    invoke: (vika) => datasheet(vika).fields.create({ type: "SingleText", name: "标题", property: { defaultValue: "待补充" } }),
  },
  deleteField: { invoke: (vika) => datasheet(vika).fields.delete(FIELD, { conversion: "keepText" }) },
  listViews: { invoke: (vika) => vika.datasheet(DATASHEET).views.list() },
  createDatasheet: {
    invoke: (vika) =>
      vika.space(SPACE).datasheets.create({
        name: "我的表格",
        fields: [
          { type: "SingleText", name: "标题", property: {} },
          { type: "Text", name: "备注" },
        ],
      }),
  },
  uploadAttachment: {
    invoke: (vika) => vika.datasheet(DATASHEET).upload(new Blob(["hello, vika"], { type: "text/plain" }), "hello.txt"),
  },
  getPresignedUrls: { invoke: (vika) => vika.datasheet(DATASHEET).presignedUrls(2) },
  listSpaces: { invoke: (vika) => vika.spaces.list() },
  listNodes: { invoke: (vika) => vika.nodes.list({ spaceId: SPACE }) },
  searchNodes: {
    invoke: (vika) => vika.nodes.search({ spaceId: SPACE, type: "Datasheet", permissions: [0, 1], query: "报告" }),
  },
  getNode: { invoke: (vika) => vika.nodes.get({ nodeId: DATASHEET }) },
  getSpaceNode: {
    // Deprecated route: not in the object model, reachable through `request`.
    invoke: (vika) =>
      vika.request("get", "/fusion/v1/spaces/{spaceId}/nodes/{nodeId}", {
        params: { path: { spaceId: SPACE, nodeId: DATASHEET } },
      }),
  },
  createEmbedLink: {
    invoke: (vika) =>
      vika.space(SPACE).node(DATASHEET).embedLinks.create({ payload: { permissionType: "readOnly" }, theme: "light" }),
  },
  listEmbedLinks: { invoke: (vika) => vika.space(SPACE).node(DATASHEET).embedLinks.list() },
  deleteEmbedLink: { invoke: (vika) => vika.space(SPACE).node(DATASHEET).embedLinks.delete("embb90a52cfc02a4f83") },
  getMember: { invoke: (vika) => vika.space(SPACE).members.get(UNIT, { sensitiveData: true }) },
  updateMember: { invoke: (vika) => vika.space(SPACE).members.update(UNIT, { name: "张三" }) },
  deleteMember: { invoke: (vika) => vika.space(SPACE).members.delete(UNIT) },
  createTeam: { invoke: (vika) => vika.space(SPACE).teams.create({ name: "产品组", sequence: 1 }) },
  updateTeam: { invoke: (vika) => vika.space(SPACE).teams.update(UNIT, { name: "产品部" }) },
  deleteTeam: { invoke: (vika) => vika.space(SPACE).teams.delete(UNIT) },
  listTeamMembers: { invoke: (vika) => vika.space(SPACE).teams.members(UNIT, { pageNum: 1, pageSize: 10 }) },
  listTeamChildren: { invoke: (vika) => vika.space(SPACE).teams.children(UNIT, { pageNum: 1, pageSize: 10 }) },
  listRoles: { invoke: (vika) => vika.space(SPACE).roles.list({ pageNum: 1, pageSize: 10 }) },
  createRole: { invoke: (vika) => vika.space(SPACE).roles.create({ name: "财务", sequence: 2001 }) },
  updateRole: { invoke: (vika) => vika.space(SPACE).roles.update(UNIT, { name: "财务" }) },
  deleteRole: { invoke: (vika) => vika.space(SPACE).roles.delete(UNIT) },
  listRoleUnits: { invoke: (vika) => vika.space(SPACE).roles.units(UNIT) },
  createChatCompletion: {
    bare: true,
    invoke: (vika) =>
      vika.ai("ai_zxLeHGV3ac32YYC").chat.completions.create({
        model: "gpt-3.5-turbo",
        messages: [{ role: "user", content: "Hello!" }],
      }),
  },
};
