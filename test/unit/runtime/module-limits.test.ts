import { describe, expect, it } from "vitest";
import { WORLD } from "../../../host/generated/abi";
import { LimitError, MAX_TABLE_ELEMENTS } from "../../../host/runtime/limits";
import { checkModuleLimits } from "../../../host/runtime/module-limits";
import { GrantError } from "../../../host/runtime/policy";
import { I32, I64, WasmBuilder } from "../../helpers/wasm-builder";

function module(build: (w: WasmBuilder) => void): Uint8Array {
  const w = new WasmBuilder();
  build(w);
  return w.bytes();
}

describe("checkModuleLimits", () => {
  it("passes one bounded memory and bounded tables, returning the memory's maximum", () => {
    expect(checkModuleLimits("p", module((w) => (w.memory({ min: 1, max: 256 }), w.table({ min: 15, max: 15 }))), 256, WORLD)).toBe(256);
  });

  it("refuses a table without a maximum, naming tableElements", () => {
    const bytes = module((w) => (w.memory({ min: 1, max: 1 }), w.table({ min: 1 })));
    expect(() => checkModuleLimits("p", bytes, 256, WORLD)).toThrow(LimitError);
    expect(() => checkModuleLimits("p", bytes, 256, WORLD)).toThrow(/plugin "p" declares no maximum for its table 0/);
  });

  it("refuses tables whose maxima add up past the host's maximum", () => {
    const bytes = module((w) => {
      for (let i = 0; i < 64; i++) w.table({ min: 0, max: 2_000 });
    });
    expect(() => checkModuleLimits("p", bytes, 256, WORLD)).toThrow(`plugin "p" declares tables of up to 128000 elements in all, above the host's maximum of ${MAX_TABLE_ELEMENTS}`);
    expect(checkModuleLimits("p", module((w) => w.table({ min: 0, max: MAX_TABLE_ELEMENTS })), 256, WORLD)).toBeUndefined();
  });

  it.each([
    ["an imported table", (w: WasmBuilder) => w.importTable("env", "t", { min: 1, max: 1 }), /imports a table \(env#t\); the host provides functions only/],
    ["an imported memory", (w: WasmBuilder) => w.importMemory("env", "m", { min: 1, max: 1 }), /imports a memory \(env#m\)/],
    ["two memories", (w: WasmBuilder) => (w.memory({ min: 1, max: 1 }), w.memory({ min: 1, max: 1 })), /defines 2 linear memories \(one at most\)/],
    ["a shared memory", (w: WasmBuilder) => w.memory({ min: 1, max: 1, shared: true }), /defines a shared memory/],
  ])("refuses %s at load (GrantError: a load denial)", (_what, build, msg) => {
    const bytes = module(build);
    expect(() => checkModuleLimits("p", bytes, 256, WORLD)).toThrow(GrantError);
    expect(() => checkModuleLimits("p", bytes, 256, WORLD)).toThrow(msg);
  });

  it("refuses Wasm GC types and modules it cannot read", () => {
    const gc = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x5f, 0x01, 0x7f, 0x01]);
    expect(() => checkModuleLimits("p", gc, 256, WORLD)).toThrow(/declares Wasm GC types/);
    expect(() => checkModuleLimits("p", new Uint8Array([1, 2, 3]), 256, WORLD)).toThrow(/its core module cannot be read for its limits/);
  });

  // log.write(level: enum, message: string) flattens to (i32, i32, i32) -> ();
  // link.get(ns: u32, name: string) -> result<link-info, host-error> to (i32, i32, i32, retptr i32) -> ().
  it("passes host imports declared with the core types the canonical ABI gives them", () => {
    const bytes = module((w) => {
      w.importFunc("cni:host/log@0.1.0", "write", [I32, I32, I32], []);
      w.importFunc("cni:host/link@0.1.0", "get", [I32, I32, I32, I32], []);
    });
    expect(checkModuleLimits("p", bytes, 256, WORLD)).toBeUndefined();
  });

  it.each([
    ["fewer parameters", [I32, I32], [], /imports cni:host\/log@0.1.0#write as \(i32,i32->\) where the canonical ABI gives \(i32,i32,i32->\)/],
    ["an i64 where the ABI has an i32", [I32, I64, I32], [], /as \(i32,i64,i32->\)/],
    ["a result the function does not have", [I32, I32, I32], [I32], /as \(i32,i32,i32->i32\)/],
  ])("refuses a host import declared with %s (the guest would choose what the host reads)", (_what, params, results, msg) => {
    const bytes = module((w) => w.importFunc("cni:host/log@0.1.0", "write", params, results));
    expect(() => checkModuleLimits("p", bytes, 256, WORLD)).toThrow(GrantError);
    expect(() => checkModuleLimits("p", bytes, 256, WORLD)).toThrow(msg);
  });

  it("refuses an import its world does not define", () => {
    const bytes = module((w) => w.importFunc("cni:host/log@0.1.0", "shell", [], []));
    expect(() => checkModuleLimits("p", bytes, 256, WORLD)).toThrow(/imports cni:host\/log@0.1.0#shell, which its world does not define/);
  });
});
