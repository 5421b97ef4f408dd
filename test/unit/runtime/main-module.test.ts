// The main core module of a component is the one exporting the world's functions with the
// ABI's memory and allocator, wherever it sits among the component's core modules; a component
// with none (another world) or two (ambiguous) has no main module.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readComponentSections } from "../../../host/runtime/component-binary";
import { MAIN_EXPORTS, MainModuleError, mainExportsOf, mainModule, mainModuleIndex } from "../../../host/runtime/main-module";
import { WasmBuilder } from "../../helpers/wasm-builder";

/** A core module exporting `names` (functions, and `memory` as a memory). */
function moduleExporting(names: readonly string[]): Uint8Array {
  const w = new WasmBuilder();
  const fn = w.func([], [], []);
  if (names.includes("memory")) {
    w.memory({ min: 1, max: 1 });
    w.exportMemory("memory");
  }
  for (const n of names) if (n !== "memory") w.exportFunc(n, fn);
  return w.bytes();
}

const shim = moduleExporting(["0", "1", "$imports"]);
const main = moduleExporting(MAIN_EXPORTS);

describe("runtime/main-module: mainModuleIndex", () => {
  it("finds the module exporting the world's functions, cabi_realloc and memory, wherever it is", () => {
    expect(MAIN_EXPORTS).toEqual(["add", "del", "check", "status", "gc", "cabi_realloc", "memory"]);
    expect(mainModuleIndex([main, shim])).toBe(0);
    expect(mainModuleIndex([shim, shim, main])).toBe(2);
  });

  it("finds our plugins' code (the module the build names <name>.core.wasm) among wit-component's shims", () => {
    for (const name of ["bridge", "loopback", "host-local"]) {
      const { coreModules } = readComponentSections(readFileSync(`dist/plugins/${name}.wasm`));
      expect(coreModules.length).toBeGreaterThan(1);
      const i = mainModuleIndex(coreModules);
      expect(Buffer.compare(coreModules[i]!, readFileSync(`dist/plugins/${name}/${name}.core.wasm`))).toBe(0);
    }
  });

  it("refuses a component none of whose modules exports all of them (another world): names what is missing", () => {
    expect(() => mainModuleIndex([shim, moduleExporting(MAIN_EXPORTS.filter((n) => n !== "gc"))])).toThrow(MainModuleError);
    expect(() => mainModuleIndex([shim])).toThrow(/none of its 1 core modules exports the functions of world "plugin" \(add, del, check, status, gc, cabi_realloc, memory\)/);
    expect(() => mainModuleIndex([])).toThrow(MainModuleError);
  });

  it("refuses two candidates rather than guess which one runs", () => {
    expect(() => mainModuleIndex([main, shim, main])).toThrow(/2 of its core modules \(#0, #2\) .* ambiguous/);
  });

  it("finds a controller's main module and tells its world from its exports", () => {
    expect(mainExportsOf("controller")).toEqual(["reconcile", "cabi_realloc", "memory"]);
    expect(mainModule([shim, moduleExporting(mainExportsOf("controller"))])).toEqual({ index: 1, world: "controller" });
    expect(mainModule([main, shim])).toEqual({ index: 0, world: "plugin" });
    expect(() => mainModule([shim])).toThrow(/or of world "controller" \(reconcile, cabi_realloc, memory\)|or world "controller" \(reconcile, cabi_realloc, memory\)/);
  });

  it("refuses a module that exports the functions of both worlds: which world it is is ambiguous", () => {
    const both = moduleExporting([...MAIN_EXPORTS, "reconcile"]);
    expect(() => mainModule([both])).toThrow(/2 of its core modules \(#0, #0\) export the functions of world "plugin", "controller": which one runs is ambiguous/);
  });
});
