// Quick Start Example 3: Update a Record
// The official Quick Start's code, unchanged but for the import line.
import { Bika } from '@bikavika/bika';
const bika = new Bika({
  token: '__PASTE_YOUR_API_TOKEN_FROM_USER_SETTING__',
  baseURL: 'https://bika.ai/api/openapi/bika',
});
async function updateRecord(recordId: string) {
  try {
    const spaces = await bika.space.list();
    const space = spaces[0];
    const nodes = await space.nodes.list();
    const node = nodes.find((node) => node.resourceType === 'DATABASE');
    const database = await node?.asDatabase();
    const updatedRecord = await database?.records.update({
      id: recordId,
      cells: {
        Name: 'Updated Record',
      },
    });
    console.log('Database:', database);
    console.log('Record Updated:', updatedRecord);
  } catch (error) {
    console.error('Error updating record:', error);
  }
}
updateRecord('__REPLACE_WITH_RECORD_ID__');
