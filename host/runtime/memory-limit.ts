/**
 * The linear-memory limit, enforced by the engine: a component is refused at load unless
 * every memory its core modules define declares a maximum within the grant's `memoryPages`.
 * V8 then refuses any `memory.grow` past that maximum (the guest's allocator traps), so a
 * plugin never needs watching while it runs. Only the module header is read, no engine.
 */
import { formatBytes, LimitError, WASM_PAGE_BYTES } from "./limits";

const SECTION_MEMORY = 5;
/** Limits flags: bit 0 has a maximum, bit 2 is memory64 (bit 1, shared, changes nothing here). */
const HAS_MAX = 0x01;

/** A core module we cannot read: refused, as an unknown memory is unbounded. */
export class CoreModuleFormatError extends Error {
  override readonly name = "CoreModuleFormatError";
}

/** Each memory the core module defines: its maximum in pages, or null when it declares none. */
export function definedMemoryMaxima(bytes: Uint8Array): (number | null)[] {
  let pos = 8; // "\0asm" and version 1
  if (bytes.length < 8 || bytes[0] !== 0x00 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d || bytes[4] !== 1) {
    throw new CoreModuleFormatError("not a core Wasm module");
  }
  const byte = (): number => {
    const b = bytes[pos++];
    if (b === undefined) throw new CoreModuleFormatError("truncated");
    return b;
  };
  /** Unsigned LEB128 up to 64 bits, as a double: exact below 2^53, enough to compare. */
  const uleb = (): number => {
    let result = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      const b = byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
    throw new CoreModuleFormatError("LEB128 value too long");
  };
  while (pos < bytes.length) {
    const id = byte();
    const size = uleb();
    const end = pos + size;
    if (end > bytes.length) throw new CoreModuleFormatError("section runs past the end");
    if (id === SECTION_MEMORY) {
      const maxima: (number | null)[] = [];
      for (let n = uleb(); n > 0; n--) {
        const flags = byte();
        uleb(); // minimum
        maxima.push(flags & HAS_MAX ? uleb() : null);
      }
      return maxima;
    }
    pos = end;
  }
  return [];
}

/**
 * Checks the core module the host instantiates (the plugin's main module: the exact bytes it
 * compiled, so nothing can be swapped in between) against `memoryPages`; returns the largest
 * maximum declared (undefined: the module defines no memory). Throws LimitError otherwise.
 */
export function checkMemoryLimit(plugin: string, main: Uint8Array, memoryPages: number): number | undefined {
  let maxima: (number | null)[];
  try {
    maxima = definedMemoryMaxima(main);
  } catch (e) {
    throw new LimitError(plugin, "memoryPages", `plugin "${plugin}": its core module cannot be read for its memory limit: ${(e as Error).message}`);
  }
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

/** Within this many pages of its maximum, a trapped guest counts as out of memory. */
const FULL_MARGIN_PAGES = 16;

/**
 * When a guest traps with its memory (nearly) at its declared maximum, the trap is the
 * allocator giving up on a refused `memory.grow` (AssemblyScript's runtime then runs
 * `unreachable`): the LimitError naming the limit, else undefined (an ordinary trap).
 */
export function memoryLimitHit(plugin: string, usedBytes: number, maxPages: number | undefined): LimitError | undefined {
  if (maxPages === undefined || usedBytes < (maxPages - FULL_MARGIN_PAGES) * WASM_PAGE_BYTES) return undefined;
  return new LimitError(plugin, "memoryPages",
    `plugin "${plugin}" ran out of memory: its linear memory reached ${formatBytes(usedBytes)} of its maximum of ` +
    `${maxPages} pages (${formatBytes(maxPages * WASM_PAGE_BYTES)}; grant memoryPages) and could not grow`);
}
