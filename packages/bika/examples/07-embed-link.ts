// Quick Start Example 7: Embeded Bika.ai's UI(Coming soon)
// The official Quick Start's code, unchanged but for the import line.
import { Bika } from '@bikavika/bika';
const bika = new Bika({
  token: '__PASTE_YOUR_API_TOKEN_FROM_USER_SETTING__',
  baseURL: 'https://bika.ai/api/openapi/bika',
});
async function createEmbedLink(resourceId: string) {
  try {
    const spaces = await bika.space.list();
    const space = spaces[0];
    const embedLink = await space.embedLinks.create({
      objectType: 'NODE_RESOURCE',
      objectId: resourceId,
    });
    console.log('Embed Link:', embedLink);
  } catch (error) {
    console.error('Error creating embed link:', error);
  }
}
createEmbedLink('__NODE_RESOURCE_ID_YOU_WANT_TO_EMBED__');
