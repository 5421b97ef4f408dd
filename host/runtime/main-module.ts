/**
 * Which of a component's core modules holds the plugin's code. wit-component lays a component
 * out as the module compiled from the plugin's source and small shims (an indirect-call table
 * and the module that fills it) that wire its imports; only the first exports the world's
 * functions, with the `memory` and `cabi_realloc` the canonical ABI needs. The host compiles
 * and runs that one alone (load-component.ts), so this is what `wasm-cni install` extracts
 * and what a pin checks the running code against (pin.ts).
 */
import { WORLD } from "../generated/abi";
import { readCoreExports } from "./core-module";

/** What the main module must export: the world's functions and the ABI's memory and allocator. */
export const MAIN_EXPORTS: readonly string[] = [...WORLD.exports.map((f) => f.name), "cabi_realloc", "memory"];

/** The component has no main module of our world, or more than one. */
export class MainModuleError extends Error {
  override readonly name = "MainModuleError";
}

/** The index of the main module among a component's top-level core modules; throws MainModuleError. */
export function mainModuleIndex(coreModules: readonly Uint8Array[]): number {
  const exporting = coreModules.flatMap((bytes, i) => {
    const names = new Set(readCoreExports(bytes));
    return MAIN_EXPORTS.every((n) => names.has(n)) ? [i] : [];
  });
  if (exporting.length === 1) return exporting[0]!;
  throw new MainModuleError(exporting.length === 0
    ? `none of its ${coreModules.length} core modules exports the functions of world "plugin" (${MAIN_EXPORTS.join(", ")}): not a plugin of this host's world`
    : `${exporting.length} of its core modules (#${exporting.join(", #")}) export the functions of world "plugin": which one runs is ambiguous`);
}
