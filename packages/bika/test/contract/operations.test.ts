// Every operation of spec/bika, through the client, against Prism serving the same spec (see
// describeOperationContracts for the three checks each operation gets).
import { describeOperationContracts } from "@bikavika/mock/contract";
import { describe, expectTypeOf, it } from "vitest";
import {
  ApiError,
  AuthenticationError,
  type Bika,
  NotFoundError,
  OutcomeUnknownError,
  PermissionError,
  RateLimitError,
  ServerError,
  ValidationError,
} from "../../src/index.js";
import { cases } from "./cases.js";
import { mockBika } from "./helpers.js";

describeOperationContracts({
  api: "bika",
  cases,
  client: mockBika,
  baseError: ApiError,
  outcomeUnknownError: OutcomeUnknownError,
  statuses: [
    [401, AuthenticationError],
    [403, PermissionError],
    [404, NotFoundError],
    [400, ValidationError],
    [429, RateLimitError],
    [500, ServerError],
  ],
});

describe("types come from the spec", () => {
  it("types facade results with the generated schemas", () => {
    expectTypeOf<Awaited<ReturnType<Bika["system"]["meta"]>>>().toHaveProperty("version");
    expectTypeOf<NonNullable<Awaited<ReturnType<Bika["space"]["list"]>>[number]["data"]>>().toHaveProperty("id");
  });
});
