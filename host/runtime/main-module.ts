/**
 * Which of a component's core modules holds the plugin's code. wit-component lays a component
 * out as the module compiled from the plugin's source and small shims (an indirect-call table
 * and the module that fills it) that wire its imports; only the first exports the world's
 * functions, with the `memory` and `cabi_realloc` the canonical ABI needs. The host compiles
 * and runs that one alone (load-component.ts), so this is what `wasm-cni install` extracts
 * and what a pin checks the running code against (pin.ts).
 */
import { readCoreExports } from "./core-module";
import { WORLD_NAMES, type WorldName, worldAbi } from "./worlds";

/** What the main module of a component of `world` must export: its functions and the ABI's memory and allocator. */
export function mainExportsOf(world: WorldName): readonly string[] {
  return [...worldAbi(world).exports.map((f) => f.name), "cabi_realloc", "memory"];
}

/** What the main module of a plugin must export. */
export const MAIN_EXPORTS: readonly string[] = mainExportsOf("plugin");

/** The component has no main module of our world, or more than one. */
export class MainModuleError extends Error {
  override readonly name = "MainModuleError";
}

/**
 * The main module among a component's top-level core modules and the world it is of (the one
 * whose functions it exports); throws MainModuleError.
 */
export function mainModule(coreModules: readonly Uint8Array[]): { index: number; world: WorldName } {
  const exporting = coreModules.flatMap((bytes, index) => {
    const names = new Set(readCoreExports(bytes));
    return WORLD_NAMES.filter((w) => mainExportsOf(w).every((n) => names.has(n))).map((world) => ({ index, world }));
  });
  if (exporting.length === 1) return exporting[0]!;
  const worlds = WORLD_NAMES.map((w) => `world "${w}" (${mainExportsOf(w).join(", ")})`).join(" or ");
  throw new MainModuleError(exporting.length === 0
    ? `none of its ${coreModules.length} core modules exports the functions of ${worlds}: not a component of this host's worlds`
    : `${exporting.length} of its core modules (#${exporting.map((e) => e.index).join(", #")}) export the functions of world ${exporting.map((e) => `"${e.world}"`).join(", ")}: which one runs is ambiguous`);
}

/** The index of the main module among a component's top-level core modules; throws MainModuleError. */
export function mainModuleIndex(coreModules: readonly Uint8Array[]): number {
  return mainModule(coreModules).index;
}
