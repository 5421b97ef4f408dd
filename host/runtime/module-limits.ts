/**
 * What a plugin's core module may hold, checked at load from its bytes (core-module.ts) before
 * it is instantiated: whatever the engine would allocate outside the limits it enforces is
 * bounded here or refused.
 * - linear memory: at most one, not shared, not 64-bit, with a maximum within `memoryPages`
 *   (memory-limit.ts; V8 refuses any grow past it);
 * - tables: each with a declared maximum, MAX_TABLE_ELEMENTS elements in all (V8 grows a table
 *   in one instruction, which the time limit cannot interrupt);
 * - imports: functions only (the host provides no memory, table, global or tag), each of the
 *   world's and with the core type the canonical ABI gives it: a module that declares another
 *   type would hand the host values of its own choosing where the ABI expects others;
 * - types: function types only (Wasm GC's structs and arrays would live on the host's heap);
 * - exception tags are allowed: a thrown exception holds a few values and is collected like
 *   any garbage; what a guest catches is handled by the host's sticky errors (abi/instance.ts).
 */
import type { AbiFunc, AbiWorld } from "./abi/types";
import { CoreModuleFormatError, type CoreModuleShape, readCoreModule, signature } from "./core-module";
import { LimitError, MAX_TABLE_ELEMENTS } from "./limits";
import { checkMemoryLimit } from "./memory-limit";
import { GrantError } from "./policy";

/**
 * Checks the main core module's bytes (the exact bytes the host compiled, so nothing can be
 * swapped in between); returns the memory's declared maximum in pages (undefined: none).
 * Throws GrantError for what no grant allows, LimitError for a limit (memoryPages, tableElements).
 */
export function checkModuleLimits(plugin: string, bytes: Uint8Array, memoryPages: number, world: AbiWorld): number | undefined {
  let shape: CoreModuleShape;
  try {
    shape = readCoreModule(bytes);
  } catch (e) {
    if (!(e instanceof CoreModuleFormatError)) throw e;
    throw new GrantError(`plugin "${plugin}": its core module cannot be read for its limits: ${e.message}`);
  }
  const refuse = (what: string): never => {
    throw new GrantError(`plugin "${plugin}" ${what}, which the host does not run`);
  };
  const foreign = shape.imports.find((i) => i.kind !== "function");
  if (foreign) refuse(`imports a ${foreign.kind} (${foreign.module}#${foreign.name}); the host provides functions only`);
  for (const i of shape.imports) {
    const f = world.imports[i.module]?.find((x) => x.name === i.name);
    if (!f) return refuse(`imports ${i.module}#${i.name}, which its world does not define`);
    const expected = coreSignature(f);
    if (i.signature !== expected) refuse(`imports ${i.module}#${i.name} as (${i.signature}) where the canonical ABI gives (${expected})`);
  }
  if (!shape.onlyFunctionTypes) refuse("declares Wasm GC types (structs, arrays or recursion groups), whose values would live outside its memory");
  if (shape.memories.length > 1) refuse(`defines ${shape.memories.length} linear memories (one at most)`);
  if (shape.memories.some((m) => m.shared)) refuse("defines a shared memory (threads)");
  if (shape.memories.some((m) => m.is64)) refuse("defines a 64-bit memory");
  checkTables(plugin, shape);
  return checkMemoryLimit(plugin, shape.memories, memoryPages);
}

function checkTables(plugin: string, shape: CoreModuleShape): void {
  let total = 0;
  for (const [i, t] of shape.tables.entries()) {
    if (t.max === null) {
      throw new LimitError(plugin, "tableElements",
        `plugin "${plugin}" declares no maximum for its table ${i}; the host runs only modules whose tables have one ` +
        `(${MAX_TABLE_ELEMENTS} elements in all tables at most)`);
    }
    if (t.is64) throw new GrantError(`plugin "${plugin}" defines a 64-bit table, which the host does not run`);
    total += t.max;
  }
  if (total > MAX_TABLE_ELEMENTS) {
    throw new LimitError(plugin, "tableElements",
      `plugin "${plugin}" declares tables of up to ${total} elements in all, above the host's maximum of ${MAX_TABLE_ELEMENTS}`);
  }
}

/** The core type of an imported host function (CanonicalABI.md, flattening with MAX_FLAT_PARAMS 16, MAX_FLAT_RESULTS 1). */
function coreSignature(f: AbiFunc): string {
  const params = f.spilledParams ? ["i32"] : f.params.flatMap((p) => p.flat);
  if (f.resultInMemory) return signature([...params, "i32"], []);
  return signature(params, f.result ? f.result.flat : []);
}
