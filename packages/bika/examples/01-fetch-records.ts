// Quick Start Example 1: Fetch Database Records
// The official Quick Start's code, unchanged but for the import line.
import { Bika } from '@bikavika/bika';
const bika = new Bika({
  token: '__PASTE_YOUR_API_TOKEN_FROM_USER_SETTING__',
  baseURL: 'https://bika.ai/api/openapi/bika',
});
async function fetchRecords() {
  try {
    const spaces = await bika.space.list();
    const space = spaces[0];
    const nodes = await space.nodes.list();
    const node = nodes.find((node) => node.resourceType === 'DATABASE');
    const database = await node?.asDatabase();
    const records = await database?.records.list();
    console.log('Records:', records);
  } catch (error) {
    console.error('Error fetching data:', error);
  }
}
fetchRecords();
