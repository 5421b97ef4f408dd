// The host's canonical ABI refuses what a hostile or broken guest hands over: each violation
// is an AbiTrap (the call ends as a trap would), never a wrong value or a host crash.
import { describe, expect, it } from "vitest";
import { AbiTrap, GuestMemory, liftFlat, load, lowerFlat, store } from "../../../../host/runtime/abi/lift-lower";
import type { AbiType } from "../../../../host/runtime/abi/types";

const Wasm = (globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number }) => { buffer: ArrayBuffer } } }).WebAssembly;

const u32: AbiType = { k: "scalar", scalar: "u32", size: 4, align: 4, flat: ["i32"] };
const str: AbiType = { k: "string", size: 8, align: 4, flat: ["i32", "i32"] };
const res: AbiType = {
  k: "result", cases: [{ name: "ok", type: u32 }, { name: "err", type: str }], discSize: 1, payloadOffset: 4, size: 12, align: 4,
  flat: ["i32", "i32", "i32"],
};

/** One 64 KiB page and a bump allocator from 1024, as cabi_realloc. */
function guest(realloc?: (a: number, b: number, c: number, d: number) => number) {
  const memory = new Wasm.Memory({ initial: 1 });
  let next = 1024;
  const bump = (_p: number, _o: number, align: number, size: number) => {
    next = Math.ceil(next / align) * align;
    const at = next;
    next += size;
    return at;
  };
  return { mem: new GuestMemory(memory, realloc ?? bump), bytes: new Uint8Array(memory.buffer) };
}

describe("host canonical ABI", () => {
  it("round-trips a result through memory and flat form", () => {
    const { mem } = guest();
    store(mem, res, { tag: "err", val: "kein Gerät ü" }, 64);
    expect(load(mem, res, 64)).toEqual({ tag: "err", val: "kein Gerät ü" });
    const flat: unknown[] = [];
    lowerFlat(mem, res, { tag: "ok", val: 4294967295 }, flat);
    expect(liftFlat(mem, res, { values: flat, at: 0 })).toEqual({ tag: "ok", val: 4294967295 });
  });

  it("a string that is not UTF-8 is a trap naming it", () => {
    const { mem, bytes } = guest();
    bytes.set([0x61, 0xff, 0xfe], 100);
    expect(() => liftFlat(mem, str, { values: [100, 3], at: 0 })).toThrow(new AbiTrap("a string at 100 (3 bytes) is not valid UTF-8"));
  });

  it("a string or list beyond the end of memory is a trap", () => {
    const { mem } = guest();
    expect(() => liftFlat(mem, str, { values: [65530, 100], at: 0 })).toThrow(/outside the plugin's memory/);
    const list: AbiType = { k: "list", elem: u32, size: 8, align: 4, flat: ["i32", "i32"] };
    expect(() => liftFlat(mem, list, { values: [0, 0x40000000], at: 0 })).toThrow(AbiTrap);
  });

  it("a discriminant out of range is a trap", () => {
    const { mem, bytes } = guest();
    bytes[64] = 7;
    expect(() => load(mem, res, 64)).toThrow(/discriminant 7 is out of range/);
    expect(() => liftFlat(mem, res, { values: [2, 0, 0], at: 0 })).toThrow(AbiTrap);
  });

  it("a misaligned pointer is a trap", () => {
    const { mem } = guest();
    expect(() => load(mem, u32, 65)).toThrow(/not aligned/);
  });

  it("an allocator answer outside memory is a trap, before anything is written", () => {
    const { mem } = guest(() => 70000);
    expect(() => lowerFlat(mem, str, "hello", [])).toThrow(/cabi_realloc's block at 70000/);
  });

  it("a host value that does not fit its WIT type is refused", () => {
    const { mem } = guest();
    expect(() => lowerFlat(mem, u32, -1, [])).toThrow(/-1 is not a u32/);
    expect(() => lowerFlat(mem, res, { tag: "maybe" }, [])).toThrow(/maybe is not a case of ok, err/);
  });
});
