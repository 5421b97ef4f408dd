import { describe, expect, it } from "vitest";
import { LimitError } from "../../../host/runtime/limits";
import { readCoreModule } from "../../../host/runtime/core-module";
import { checkMemoryLimit, CoreModuleFormatError, definedMemoryMaxima, memoryLimitHit, memoryNote } from "../../../host/runtime/memory-limit";

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
/** A core module with a custom section (skipped by size) and a memory section of `limits`. */
function moduleWith(...limits: number[][]): Uint8Array {
  const custom = [0x00, 0x03, 0x01, 0x61, 0x62]; // section 0, 3 bytes: name "a", payload "b"
  const body = [limits.length, ...limits.flat()];
  return new Uint8Array([...HEADER, ...custom, 0x05, body.length, ...body]);
}

describe("definedMemoryMaxima", () => {
  it("reads each memory's maximum, null where none is declared", () => {
    expect(definedMemoryMaxima(moduleWith([0x01, 0x01, 0x80, 0x02]))).toEqual([256]); // min 1, max 256 (LEB 0x80 0x02)
    expect(definedMemoryMaxima(moduleWith([0x00, 0x01]))).toEqual([null]);
    expect(definedMemoryMaxima(moduleWith([0x03, 0x01, 0x10]))).toEqual([16]); // shared, max 16
  });

  it("a module without a memory section defines none", () => {
    expect(definedMemoryMaxima(new Uint8Array(HEADER))).toEqual([]);
  });

  it("refuses what is not a core module, or is cut short", () => {
    expect(() => definedMemoryMaxima(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]))).toThrow(CoreModuleFormatError);
    expect(() => definedMemoryMaxima(moduleWith([0x01, 0x01, 0x80, 0x02]).subarray(0, 18))).toThrow(CoreModuleFormatError);
  });
});

const memories = (bytes: Uint8Array) => readCoreModule(bytes).memories;

describe("checkMemoryLimit", () => {
  it("passes a maximum within the grant and returns it", () => {
    expect(checkMemoryLimit("p", memories(moduleWith([0x01, 0x01, 0x80, 0x02])), 256)).toBe(256);
    expect(checkMemoryLimit("p", memories(new Uint8Array(HEADER)), 256)).toBeUndefined();
  });

  it("refuses a memory without a maximum, or above the grant, naming memoryPages", () => {
    expect(() => checkMemoryLimit("p", memories(moduleWith([0x00, 0x01])), 256)).toThrow(/declares no maximum for its linear memory.*memoryPages 256/);
    expect(() => checkMemoryLimit("p", memories(moduleWith([0x01, 0x01, 0x80, 0x02])), 64)).toThrow(
      /up to 256 pages \(16 MiB\), above its grant of memoryPages 64 \(4 MiB\)/,
    );
  });
});

const PAGE = 65_536;
describe("memoryLimitHit", () => {
  it("names the limit only for `unreachable` with the memory within 1/16 of its maximum", () => {
    expect(memoryLimitHit("p", "unreachable", { usedBytes: 256 * PAGE, maxPages: 256 })).toMatchObject({ limit: "memoryPages", message: expect.stringMatching(/ran out of memory/) });
    expect(memoryLimitHit("p", "unreachable", { usedBytes: 240 * PAGE, maxPages: 256 })).toBeInstanceOf(LimitError);
    expect(memoryLimitHit("p", "unreachable", { usedBytes: 239 * PAGE, maxPages: 256 })).toBeUndefined();
    expect(memoryLimitHit("p", "unreachable", { usedBytes: 100 * PAGE, maxPages: undefined })).toBeUndefined();
  });

  it("a small module's ordinary trap is not out of memory: only at its maximum, and only on unreachable", () => {
    expect(memoryLimitHit("p", "unreachable", { usedBytes: 1 * PAGE, maxPages: 16 })).toBeUndefined();
    expect(memoryLimitHit("p", "unreachable", { usedBytes: 15 * PAGE, maxPages: 16 })).toBeInstanceOf(LimitError);
    expect(memoryLimitHit("p", "unreachable", { usedBytes: 2 * PAGE, maxPages: 2 })).toBeInstanceOf(LimitError);
    expect(memoryLimitHit("p", "unreachable", { usedBytes: 1 * PAGE, maxPages: 2 })).toBeUndefined();
    expect(memoryLimitHit("p", "memory access out of bounds", { usedBytes: 16 * PAGE, maxPages: 16 })).toBeUndefined();
    expect(memoryLimitHit("p", "divide by zero", { usedBytes: 256 * PAGE, maxPages: 256 })).toBeUndefined();
  });

  it("an ordinary trap's note says where its memory was", () => {
    expect(memoryNote({ usedBytes: 2 * PAGE, maxPages: 16 })).toBe(" (its memory was at 128 KiB of its maximum of 16 pages)");
    expect(memoryNote({ usedBytes: undefined, maxPages: 16 })).toBe("");
  });
});
