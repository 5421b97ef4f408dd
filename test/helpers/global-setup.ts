import { readlinkSync } from "node:fs";

/** Refuses to run the suite outside the namespaces made by test/sandbox.mjs. */
export default function setup(): void {
  if (process.env.WASM_CNI_SANDBOX !== "1") {
    throw new Error("run the tests with `npm test` (test/sandbox.mjs), never bare vitest: they change networking");
  }
  if (readlinkSync("/proc/self/ns/net") === process.env.WASM_CNI_OUTER_NETNS) {
    throw new Error("the test run is in the machine's own network namespace");
  }
}
