import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MockServer, MockStartError, resolveSpec, startMock } from "../src/index.js";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

describe("startMock", () => {
  let mock: MockServer;
  beforeAll(async () => {
    mock = await startMock({ spec: fixture("tiny.yaml") });
  });
  afterAll(() => mock?.stop());

  it("listens on a loopback port and serves the spec's examples", async () => {
    expect(mock.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${mock.url}/v1/ping`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ pong: true });
  });

  it("answers Prefer: code=… with the declared example", async () => {
    const response = await fetch(`${mock.url}/v1/ping`, { headers: { Prefer: "code=404" } });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ missing: true });
  });

  it("rejects requests the spec forbids with 422 (errors mode)", async () => {
    const response = await fetch(`${mock.url}/v1/ping?count=11`);
    expect(response.status).toBe(422);
  });
});

describe("lifecycle", () => {
  it("frees the port when stopped", async () => {
    const mock = await startMock({ spec: fixture("tiny.yaml") });
    await mock.stop();
    await expect(fetch(`${mock.url}/v1/ping`)).rejects.toThrow();
    // The same port can be taken again.
    const again = await startMock({ spec: fixture("tiny.yaml"), port: mock.port });
    expect(again.port).toBe(mock.port);
    await again.stop();
  });

  it("fails with MockStartError, not a hang, for a missing or unusable spec", async () => {
    expect(() => resolveSpec(fixture("absent.yaml"))).toThrow(MockStartError);
    await expect(startMock({ spec: fixture("broken.yaml"), startupTimeoutMs: 20_000 })).rejects.toThrow(
      MockStartError,
    );
  });

  it("fails with MockStartError when the port is taken", async () => {
    const first = await startMock({ spec: fixture("tiny.yaml") });
    try {
      await expect(startMock({ spec: fixture("tiny.yaml"), port: first.port, startupTimeoutMs: 20_000 })).rejects.toThrow(
        MockStartError,
      );
    } finally {
      await first.stop();
    }
  });
});
