// Quick Start Example 6: Register an Outgoing Webhook
// The official Quick Start's code, unchanged but for the import line.
import { Bika } from '@bikavika/bika';
const bika = new Bika({
  token: '__PASTE_YOUR_API_TOKEN_FROM_USER_SETTING__',
  baseURL: 'https://bika.ai/api/openapi/bika',
});
async function registerWebhook() {
  try {
    const spaces = await bika.space.list();
    const space = spaces[0];
    const outgoingWebhook = await space.outgoingWebhooks.register({
      eventType: 'ON_RECORD_CREATED',
      name: 'Create webhook',
      description: 'Exampple trigger when a new record cretaed',
      callbackURL: 'https://your-custom-callback-url.com',
    });
    console.log('Webhook Registered:', outgoingWebhook);
  } catch (error) {
    console.error('Error registering webhook:', error);
  }
}
registerWebhook();
