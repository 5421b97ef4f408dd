// The exec shim (native/shim.c) speaks host/prestart/protocol.ts from C: its constants and
// messages must be the protocol's, or a spare and the shim would disagree without a type error.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_DIR, EXIT, MAX_REQUEST_BYTES, READY, QUEUE_WAIT_MS, REFUSED, STARTED } from "../../../host/prestart/protocol";

const shim = readFileSync(join(__dirname, "../../../native/shim.c"), "utf8");
const define = (name: string): string | undefined => new RegExp(`^#define ${name} (.+)$`, "m").exec(shim)?.[1];

describe("the exec shim's copy of the prestart protocol", () => {
  it("has the protocol's default directory, queue wait and request size", () => {
    expect(define("DEFAULT_DIR")).toBe(JSON.stringify(DEFAULT_DIR));
    expect(Number(define("QUEUE_WAIT_MS"))).toBe(QUEUE_WAIT_MS);
    expect(define("MAX_REQUEST_BYTES")).toBe(`(${MAX_REQUEST_BYTES / 1024} * 1024)`);
  });

  it("waits for the protocol's messages", () => {
    for (const m of [READY, STARTED, EXIT]) expect(shim).toContain(JSON.stringify(m));
    expect(REFUSED.startsWith("refused")).toBe(true); // any reply but "started" means: run it here
  });
});
