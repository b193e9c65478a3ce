import { Bika } from "@bikavika/bika";
import type { Report } from "./report.js";

/** The Bika Quick Start, end to end: meta, spaces, nodes, records CRUD, triggers, webhooks, embed links. */
export async function bikaFlow(bika: Bika, report: Report): Promise<void> {
  report.section("Bika: system and spaces");
  await report.step("bika.system.meta()", () => bika.system.meta());
  const spaces = await report.step("bika.space.list()", () => bika.space.list());
  const space = spaces?.[0];
  if (!space) return;

  report.section(`Bika: nodes of space ${space.id}`);
  const nodes = await report.step("space.nodes.list()", () => space.nodes.list());
  const databaseNode = nodes?.find((node) => node.resourceType === "DATABASE");
  const automationNode = nodes?.find((node) => node.resourceType === "AUTOMATION");

  if (databaseNode) {
    report.section(`Bika: records of database ${databaseNode.id}`);
    const database = await databaseNode.asDatabase();
    await report.step("database.fields.list()", () => database.fields.list());
    await report.step("database.records.list({ pageSize: 5 })", () => database.records.list({ pageSize: 5 }));
    const created = await report.step("database.records.create({ cells })", () =>
      database.records.create({ cells: { Name: "Created by the bikavika demo" } }),
    );
    if (created) {
      const expectName = async (expected: string) => {
        const record = await database.records.get(created.id);
        const name = (record.cells as Record<string, unknown> | undefined)?.Name;
        const shown = typeof name === "object" && name !== null && "value" in name ? (name as { value: unknown }).value : name;
        if (shown !== expected) throw new Error(`expected Name = ${JSON.stringify(expected)}, read ${JSON.stringify(name)}`);
        return record;
      };
      await report.step(`database.records.get(${created.id}): the new record reads back`, () => expectName("Created by the bikavika demo"));
      await report.step(`database.records.update({ id: ${created.id}, cells })`, () =>
        database.records.update({ id: created.id, cells: { Name: "Updated by the bikavika demo" } }),
      );
      await report.step(`database.records.get(${created.id}): the update reads back`, () => expectName("Updated by the bikavika demo"));
      await report.step(`database.records.delete(${created.id})`, () => database.records.delete(created.id));
      await report.step(`database.records.get(${created.id}): the record is gone`, async () => {
        const record = await database.records.get(created.id).catch(() => undefined);
        if (record) throw new Error(`record ${created.id} still reads back after its delete`);
        return "gone";
      });
    }
    await report.step("database.recordsV2.list({ pageSize: 5 })", () => database.recordsV2.list({ pageSize: 5 }));
  }

  if (automationNode) {
    report.section(`Bika: automation ${automationNode.id}`);
    const automation = await automationNode.asAutomation();
    await report.step("automation.triggers.list()", () => automation.triggers.list());
  }

  report.section("Bika: outgoing webhooks and embed links");
  const webhook = await report.step("space.outgoingWebhooks.register({ eventType: 'ON_NODE_CREATED', … })", () =>
    space.outgoingWebhooks.register({
      eventType: "ON_NODE_CREATED",
      name: "bikavika demo",
      description: "Registered by the bikavika demo and deleted right after",
      callbackURL: "https://example.com/bikavika-demo-webhook",
    }),
  );
  await report.step("space.outgoingWebhooks.list()", () => space.outgoingWebhooks.list());
  if (webhook) {
    await report.step(`space.outgoingWebhooks.delete(${webhook.id})`, () => space.outgoingWebhooks.delete(webhook.id));
  }
  if (databaseNode) {
    const link = await report.step("space.embedLinks.create({ objectType: 'NODE_RESOURCE', … })", () =>
      space.embedLinks.create({ objectType: "NODE_RESOURCE", objectId: databaseNode.id }),
    );
    await report.step("space.embedLinks.list()", () => space.embedLinks.list());
    if (link) await report.step(`space.embedLinks.delete(${link.id})`, () => space.embedLinks.delete(link));
  }
}
