// `@bikavika/vika/client`: only the low-level openapi-fetch client, for bundles that do not want the `Vika`
// object model. Everything here is re-exported from ./client.js, so both entries share one implementation.
export { VIKA_BASE_URL, createVikaClient } from "./client.js";
export type { VikaBody, VikaClient, VikaClientOptions, VikaData, VikaQuery, components, operations, paths } from "./client.js";
