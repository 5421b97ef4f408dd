import { describe, expect, it } from "vitest";
import { LimitError } from "../../../host/runtime/limits";
import { checkMemoryLimit, CoreModuleFormatError, definedMemoryMaxima, memoryLimitHit } from "../../../host/runtime/memory-limit";

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

describe("checkMemoryLimit", () => {
  it("passes a maximum within the grant and returns it", () => {
    expect(checkMemoryLimit("p", moduleWith([0x01, 0x01, 0x80, 0x02]), 256)).toBe(256);
    expect(checkMemoryLimit("p", new Uint8Array(HEADER), 256)).toBeUndefined();
  });

  it("refuses a memory without a maximum, or above the grant, naming memoryPages", () => {
    expect(() => checkMemoryLimit("p", moduleWith([0x00, 0x01]), 256)).toThrow(/declares no maximum for its linear memory.*memoryPages 256/);
    expect(() => checkMemoryLimit("p", moduleWith([0x01, 0x01, 0x80, 0x02]), 64)).toThrow(
      /up to 256 pages \(16 MiB\), above its grant of memoryPages 64 \(4 MiB\)/,
    );
    expect(() => checkMemoryLimit("p", new Uint8Array([1, 2, 3]), 256)).toThrow(LimitError);
  });
});

describe("memoryLimitHit", () => {
  it("names the limit only when the memory is within 16 pages of its maximum", () => {
    expect(memoryLimitHit("p", 256 * 65_536, 256)).toMatchObject({ limit: "memoryPages", message: expect.stringMatching(/ran out of memory/) });
    expect(memoryLimitHit("p", 240 * 65_536, 256)).toBeInstanceOf(LimitError);
    expect(memoryLimitHit("p", 100 * 65_536, 256)).toBeUndefined();
    expect(memoryLimitHit("p", 100 * 65_536, undefined)).toBeUndefined();
  });
});
