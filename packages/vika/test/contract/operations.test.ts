// Every operation of spec/vika, through the client, against Prism serving the same spec (see
// describeOperationContracts for the three checks each operation gets).
import { describeOperationContracts } from "@bikavika/mock/contract";
import { describe, expectTypeOf, it } from "vitest";
import {
  ApiError,
  AuthenticationError,
  type Vika,
  NotFoundError,
  OutcomeUnknownError,
  PermissionError,
  RateLimitError,
  ServerError,
  ValidationError,
} from "../../src/index.js";
import { cases } from "./cases.js";
import { mockVika } from "./helpers.js";

describeOperationContracts({
  api: "vika",
  cases,
  client: mockVika,
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
  it("types records by the caller's field map, and by the cell-value union by default", () => {
    interface Task {
      Title: string;
      Done?: boolean;
    }
    type Page = Awaited<ReturnType<ReturnType<Vika["datasheet"]>["records"]["query"]>>;
    expectTypeOf<Page["records"][number]["recordId"]>().toEqualTypeOf<string>();
    const typed = (vika: Vika) => vika.datasheet("dst").records.query<Task>();
    expectTypeOf<Awaited<ReturnType<typeof typed>>["records"][number]["fields"]>().toEqualTypeOf<Task>();
  });
});
