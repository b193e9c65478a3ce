import { startMock } from "@bikavika/mock";
import type {} from "vitest";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    mockUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const mock = await startMock({ spec: "vika" });
  project.provide("mockUrl", mock.url);
  return () => mock.stop();
}
