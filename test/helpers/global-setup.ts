import { readlinkSync } from "node:fs";

/** Refuses to run the sandbox tier outside the namespaces made by test/sandbox.mjs. */
export default function setup(): void {
  if (process.env.WASM_CNI_SANDBOX !== "1") {
    throw new Error(
      "the sandbox tier changes networking: run it with `npm test` or `npm run test:sandbox` (test/sandbox.mjs), never bare vitest; " +
        "`npm run test:unit` runs the unit tier anywhere, without root",
    );
  }
  if (readlinkSync("/proc/self/ns/net") === process.env.WASM_CNI_OUTER_NETNS) {
    throw new Error("the test run is in the machine's own network namespace");
  }
}
