import type { Vika } from "@bikavika/vika";
import type { Report } from "./report.js";

/** The Vika flows: spaces and nodes, fields and views, records CRUD, an attachment upload. */
export async function vikaFlow(vika: Vika, report: Report): Promise<void> {
  report.section("Vika: spaces and nodes");
  const spaces = await report.step("vika.spaces.list()", () => vika.spaces.list());
  const spaceId = spaces?.spaces[0]?.id;
  if (!spaceId) return;
  const nodes = await report.step(`vika.nodes.list({ spaceId: ${spaceId} })`, () => vika.nodes.list({ spaceId }));
  const datasheets = await report.step(`vika.nodes.search({ spaceId, type: "Datasheet" })`, () =>
    vika.nodes.search({ spaceId, type: "Datasheet" }),
  );
  // The first datasheet anywhere in the space (the root level may hold only folders).
  const datasheetNode = datasheets?.nodes[0] ?? nodes?.nodes.find((node) => node.type === "Datasheet");
  if (!datasheetNode) return;
  await report.step(`vika.nodes.get({ nodeId: ${datasheetNode.id} })`, () => vika.nodes.get({ nodeId: datasheetNode.id }));

  const datasheet = vika.space(spaceId).datasheet(datasheetNode.id);
  report.section(`Vika: datasheet ${datasheet.id}`);
  const fields = await report.step("datasheet.fields.list()", () => datasheet.fields.list());
  await report.step("datasheet.views.list()", () => datasheet.views.list());
  await report.step("datasheet.records.query({ pageSize: 5 })", () => datasheet.records.query({ pageSize: 5 }));

  const primary = fields?.fields.find((field) => field.isPrimary)?.name ?? fields?.fields[0]?.name;
  if (!primary) return;
  const read = async (recordId: string) => (await datasheet.records.query({ recordIds: [recordId] })).records[0];
  const created = await report.step(`datasheet.records.create([{ fields: { ${primary}: … } }])`, () =>
    datasheet.records.create([{ fields: { [primary]: "Created by the bikavika demo" } }]),
  );
  const recordId = created?.records[0]?.recordId;
  if (recordId) {
    await report.step(`datasheet.records.query({ recordIds: [${recordId}] }): the new record reads back`, () =>
      expectCell(read(recordId), primary, "Created by the bikavika demo"),
    );
    await report.step(`datasheet.records.update([{ recordId: ${recordId}, … }])`, () =>
      datasheet.records.update([{ recordId, fields: { [primary]: "Updated by the bikavika demo" } }]),
    );
    await report.step(`datasheet.records.query({ recordIds: [${recordId}] }): the update reads back`, () =>
      expectCell(read(recordId), primary, "Updated by the bikavika demo"),
    );
    await report.step(`datasheet.records.delete(${recordId})`, () => datasheet.records.delete(recordId));
    await report.step(`datasheet.records.query({ recordIds: [${recordId}] }): the record is gone`, async () => {
      const record = await read(recordId).catch(() => undefined);
      if (record) throw new Error(`record ${recordId} still reads back after its delete`);
      return "gone";
    });
  }
  await report.step("datasheet.upload(Buffer, 'hello.txt')", () =>
    datasheet.upload(Buffer.from("Uploaded by the bikavika demo\n"), "hello.txt"),
  );
}

/** The record, once its `field` is checked to hold `expected`: a step that fails when the server did not keep it. */
async function expectCell<Row extends { fields: Record<string, unknown> }>(pending: Promise<Row | undefined>, field: string, expected: string) {
  const record = await pending;
  if (record?.fields[field] !== expected) {
    throw new Error(`expected ${field} = ${JSON.stringify(expected)}, read ${JSON.stringify(record?.fields[field])}`);
  }
  return record;
}
