import { specOperations } from "@bikavika/mock";
import { describe, expect, it } from "vitest";
import { cases } from "./cases.js";

describe("contract coverage", () => {
  it("has a contract case for every operationId of the published spec, and none for operations it lacks", () => {
    const inSpec = specOperations("bika").map(({ operationId }) => operationId);
    expect(inSpec.every((id) => typeof id === "string")).toBe(true);
    expect(Object.keys(cases).sort()).toEqual([...(inSpec as string[])].sort());
    expect(inSpec.length).toBeGreaterThanOrEqual(30);
  });
});
