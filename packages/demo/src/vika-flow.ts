import type { Vika } from "@bikavika/vika";
import type { Report } from "./report.js";

/** The Vika flows: spaces and nodes, fields and views, records CRUD, an attachment upload. */
export async function vikaFlow(vika: Vika, report: Report): Promise<void> {
  report.section("Vika: spaces and nodes");
  const spaces = await report.step("vika.spaces.list()", () => vika.spaces.list());
  const spaceId = spaces?.spaces[0]?.id;
  if (!spaceId) return;
  const nodes = await report.step(`vika.nodes.list({ spaceId: ${spaceId} })`, () => vika.nodes.list({ spaceId }));
  await report.step(`vika.nodes.search({ spaceId, type: "Datasheet" })`, () =>
    vika.nodes.search({ spaceId, type: "Datasheet" }),
  );
  const datasheetNode = nodes?.nodes.find((node) => node.type === "Datasheet");
  if (!datasheetNode) return;
  await report.step(`vika.nodes.get({ nodeId: ${datasheetNode.id} })`, () => vika.nodes.get({ nodeId: datasheetNode.id }));

  const datasheet = vika.space(spaceId).datasheet(datasheetNode.id);
  report.section(`Vika: datasheet ${datasheet.id}`);
  const fields = await report.step("datasheet.fields.list()", () => datasheet.fields.list());
  await report.step("datasheet.views.list()", () => datasheet.views.list());
  await report.step("datasheet.records.query({ pageSize: 5 })", () => datasheet.records.query({ pageSize: 5 }));

  const primary = fields?.fields.find((field) => field.isPrimary)?.name ?? fields?.fields[0]?.name;
  if (!primary) return;
  const created = await report.step(`datasheet.records.create([{ fields: { ${primary}: … } }])`, () =>
    datasheet.records.create([{ fields: { [primary]: "Created by the bikavika demo" } }]),
  );
  const recordId = created?.records[0]?.recordId;
  if (recordId) {
    await report.step(`datasheet.records.update([{ recordId: ${recordId}, … }])`, () =>
      datasheet.records.update([{ recordId, fields: { [primary]: "Updated by the bikavika demo" } }]),
    );
    await report.step(`datasheet.records.delete(${recordId})`, () => datasheet.records.delete(recordId));
  }
  await report.step("datasheet.upload(Buffer, 'hello.txt')", () =>
    datasheet.upload(Buffer.from("Uploaded by the bikavika demo\n"), "hello.txt"),
  );
}
