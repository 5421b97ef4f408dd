/**
 * The linear-memory limit, enforced by the engine: a component is refused at load unless
 * every memory its core modules define declares a maximum within the grant's `memoryPages`.
 * V8 then refuses any `memory.grow` past that maximum (the guest's allocator traps), so a
 * plugin never needs watching while it runs (module-limits.ts checks the rest of the module).
 */
import { type Limits, readCoreModule } from "./core-module";
import { formatBytes, LimitError, WASM_PAGE_BYTES } from "./limits";

export { CoreModuleFormatError } from "./core-module";

/** Each memory the core module defines: its maximum in pages, or null when it declares none. */
export function definedMemoryMaxima(bytes: Uint8Array): (number | null)[] {
  return readCoreModule(bytes).memories.map((m) => m.max);
}

/**
 * Checks the memories of the core module the host instantiates (read by core-module.ts from
 * the exact bytes it compiled, so nothing can be swapped in between) against `memoryPages`;
 * returns the largest maximum declared (undefined: the module defines no memory). Throws
 * LimitError otherwise.
 */
export function checkMemoryLimit(plugin: string, memories: readonly Limits[], memoryPages: number): number | undefined {
  const maxima = memories.map((m) => m.max);
  let largest: number | undefined;
  for (const max of maxima) {
    if (max === null) {
      throw new LimitError(plugin, "memoryPages",
        `plugin "${plugin}" declares no maximum for its linear memory; the host runs only components that do ` +
        `(asc --maximumMemory ${memoryPages} or less: its grant is memoryPages ${memoryPages})`);
    }
    if (max > memoryPages) {
      throw new LimitError(plugin, "memoryPages",
        `plugin "${plugin}" declares a linear memory of up to ${max} pages (${formatBytes(max * WASM_PAGE_BYTES)}), ` +
        `above its grant of memoryPages ${memoryPages} (${formatBytes(memoryPages * WASM_PAGE_BYTES)})`);
    }
    largest = Math.max(largest ?? 0, max);
  }
  return largest;
}

/** What a guest's linear memory held when it trapped (unknown before instantiation ends). */
export interface GuestMemoryUse {
  usedBytes: number | undefined;
  /** The largest maximum its module declares; undefined when it defines no memory. */
  maxPages: number | undefined;
}

/**
 * How close to its maximum a trapped guest's memory must be for the trap to count as running
 * out of memory: 1/16 of the maximum (16 pages of 256), so that a small module that traps for
 * another reason far below its maximum is not reported as out of memory.
 */
const FULL_MARGIN_SHIFT = 4;

/**
 * When a guest traps on `unreachable` with its memory (nearly) at its declared maximum, the
 * trap is the allocator giving up on a refused `memory.grow` (AssemblyScript's runtime then
 * runs `unreachable`): the LimitError naming the limit, else undefined (an ordinary trap, which
 * memoryNote describes).
 */
export function memoryLimitHit(plugin: string, trap: string, use: GuestMemoryUse): LimitError | undefined {
  const { usedBytes, maxPages } = use;
  if (usedBytes === undefined || maxPages === undefined || !/^unreachable\b/.test(trap)) return undefined;
  const marginPages = maxPages >> FULL_MARGIN_SHIFT;
  if (usedBytes < (maxPages - marginPages) * WASM_PAGE_BYTES) return undefined;
  return new LimitError(plugin, "memoryPages",
    `plugin "${plugin}" ran out of memory: its linear memory reached ${formatBytes(usedBytes)} of its maximum of ` +
    `${maxPages} pages (${formatBytes(maxPages * WASM_PAGE_BYTES)}; grant memoryPages) and could not grow`);
}

/** " (its memory was at 128 KiB of its maximum of 256 pages)", for the message of an ordinary trap. */
export function memoryNote(use: GuestMemoryUse): string {
  if (use.usedBytes === undefined || use.maxPages === undefined) return "";
  return ` (its memory was at ${formatBytes(use.usedBytes)} of its maximum of ${use.maxPages} pages)`;
}
