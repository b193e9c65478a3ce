// `@bikavika/bika/client`: only the low-level openapi-fetch client, for bundles that do not want the `Bika`
// object model. Everything here is re-exported from ./client.js, so both entries share one implementation.
export { BIKA_BASE_URL, createBikaClient } from "./client.js";
export type { BikaBody, BikaClient, BikaClientOptions, BikaData, BikaQuery, components, operations, paths } from "./client.js";
