import { describe, expect, it } from "vitest";
import { runWithTimeLimit, TimeLimitError } from "../../../host/runtime/time-limit";

// (module (func (export "spin") (loop br 0)))
const SPIN = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
  0x07, 0x08, 0x01, 0x04, 0x73, 0x70, 0x69, 0x6e, 0x00, 0x00, 0x0a, 0x09, 0x01, 0x07, 0x00, 0x03, 0x40, 0x0c,
  0x00, 0x0b, 0x0b,
]);

describe("runWithTimeLimit", () => {
  it("returns the value of a call that finishes in time", () => {
    expect(runWithTimeLimit(() => 42, 1000)).toBe(42);
  });

  it("stops an endless Wasm loop with TimeLimitError in bounded time", () => {
    // lib ES2022 has no WebAssembly typings; this is the little of it the test uses.
    const Wasm = (globalThis as unknown as { WebAssembly: { Instance: new (m: object) => { exports: { spin: () => void } }; Module: new (b: Uint8Array) => object } }).WebAssembly;
    const { spin } = new Wasm.Instance(new Wasm.Module(SPIN)).exports;
    const t0 = performance.now();
    expect(() => runWithTimeLimit(spin, 100)).toThrow(TimeLimitError);
    expect(performance.now() - t0).toBeLessThan(2000);
    // the process is still usable afterwards
    expect(runWithTimeLimit(() => "again", 1000)).toBe("again");
  });

  it("passes a thrown error through unchanged", () => {
    const boom = new RangeError("boom");
    expect(() =>
      runWithTimeLimit(() => {
        throw boom;
      }, 1000),
    ).toThrow(boom);
  });

  it("runs a nested call under the outer limit", () => {
    expect(runWithTimeLimit(() => runWithTimeLimit(() => 7, 1000) + 1, 1000)).toBe(8);
  });
});
