import { describe, expect, it } from "vitest";
import { CoreModuleFormatError, readCoreExports, readCoreModule } from "../../../host/runtime/core-module";
import { I32, op, WasmBuilder } from "../../helpers/wasm-builder";

const validate = (b: Uint8Array): boolean => (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly.validate(b);

describe("readCoreModule", () => {
  it("reads imports by kind, memories and tables with their limits", () => {
    const w = new WasmBuilder();
    w.importFunc("cni:host/log@0.1.0", "write", [I32, I32, I32], []);
    w.importTable("env", "t", { min: 1 });
    w.importMemory("env", "m", { min: 1, max: 2 });
    w.table({ min: 15, max: 15 });
    w.table({ min: 0 });
    w.memory({ min: 1, max: 256 });
    w.func([], [], [...op.nop]);
    const bytes = w.bytes();
    expect(readCoreModule(bytes)).toEqual({
      imports: [
        { module: "cni:host/log@0.1.0", name: "write", kind: "function", signature: "i32,i32,i32->" },
        { module: "env", name: "t", kind: "table" },
        { module: "env", name: "m", kind: "memory" },
      ],
      memories: [{ min: 1, max: 256, shared: false, is64: false }],
      tables: [{ min: 15, max: 15, shared: false, is64: false }, { min: 0, max: null, shared: false, is64: false }],
      onlyFunctionTypes: true,
      tags: 0,
    });
  });

  it("sees a shared memory, and a GC type in the type section", () => {
    const w = new WasmBuilder();
    w.memory({ min: 1, max: 1, shared: true });
    expect(readCoreModule(w.bytes()).memories).toEqual([{ min: 1, max: 1, shared: true, is64: false }]);
    // type section: 1 entry, a struct (0x5f) of one mutable i32 field
    const gc = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x5f, 0x01, 0x7f, 0x01]);
    expect(readCoreModule(gc).onlyFunctionTypes).toBe(false);
  });

  it("reads what asc emits for our plugins (one table and one memory, both with a maximum)", async () => {
    const { readFileSync } = await import("node:fs");
    const meta = JSON.parse(readFileSync("dist/plugins/bridge/meta.json", "utf8")) as { main: string };
    const shape = readCoreModule(readFileSync(`dist/plugins/bridge/${meta.main}`));
    expect(shape.imports.every((i) => i.kind === "function")).toBe(true);
    expect(shape.memories).toEqual([{ min: expect.any(Number), max: 256, shared: false, is64: false }]);
    expect(shape.tables).toHaveLength(1);
    expect(shape.tables[0]!.max).toBe(shape.tables[0]!.min);
    expect(shape.onlyFunctionTypes).toBe(true);
    // wasm_cni_panic: the address of the SDK's panic record (host/runtime/guest-panic.ts).
    expect(readCoreExports(readFileSync(`dist/plugins/bridge/${meta.main}`))).toEqual(
      ["wasm_cni_panic", "add", "cabi_post_add", "del", "cabi_post_del", "check", "cabi_post_check", "status", "cabi_post_status", "gc", "cabi_post_gc", "cabi_realloc", "memory"]);
  });

  it("the builder's modules are valid Wasm (so the reader is tested on what V8 accepts)", () => {
    const w = new WasmBuilder();
    w.table({ min: 1, max: 10 });
    w.memory({ min: 1, max: 1 });
    w.func([], [], [...op.try, ...op.nop, ...op.catchAll, ...op.end]);
    expect(validate(w.bytes())).toBe(true);
  });

  it("refuses what is not a core module, or is cut short", () => {
    expect(() => readCoreModule(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]))).toThrow(CoreModuleFormatError);
    const w = new WasmBuilder();
    w.memory({ min: 1, max: 256 });
    const bytes = w.bytes();
    expect(() => readCoreModule(bytes.subarray(0, bytes.length - 1))).toThrow(CoreModuleFormatError);
  });

  it("readCoreExports reads the export names alone, and refuses what is not a core module or is cut short", () => {
    const w = new WasmBuilder();
    const f = w.func([], [], []);
    w.memory({ min: 1, max: 1 });
    w.exportFunc("add", f);
    w.exportMemory("memory");
    const bytes = w.bytes();
    expect(readCoreExports(bytes)).toEqual(["add", "memory"]);
    expect(() => readCoreExports(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]))).toThrow(CoreModuleFormatError);
    expect(() => readCoreExports(bytes.subarray(0, bytes.length - 3))).toThrow(CoreModuleFormatError);
  });
});
