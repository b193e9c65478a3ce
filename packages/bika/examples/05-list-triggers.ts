// Quick Start Example 5: List Automation Triggers
// The official Quick Start's code, unchanged but for the import line.
import { Bika } from '@bikavika/bika';
const bika = new Bika({
  token: '__PASTE_YOUR_API_TOKEN_FROM_USER_SETTING__',
  baseURL: 'https://bika.ai/api/openapi/bika',
});
async function listTriggers() {
  try {
    const spaces = await bika.space.list();
    const space = spaces[0];
    const nodes = await space.nodes.list();
    const node = nodes.find((node) => node.resourceType === 'AUTOMATION');
    const automation = await node?.asAutomation();
    const triggers = await automation?.triggers.list();
    console.log('Triggers:', triggers);
  } catch (error) {
    console.error('Error listing triggers:', error);
  }
}
listTriggers();
