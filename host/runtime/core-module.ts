/**
 * Reads, from a core module's bytes, what the engine allocates for it outside its code: the
 * kinds of its imports, its memories, tables and tags, and whether its types are all plain
 * function types (Wasm GC's structs and arrays live on the host's heap). Only these sections
 * are read; the others (code, data) are skipped by their size. No engine is involved, so the
 * host can refuse a module before compiling or instantiating it.
 */

/** A core module we cannot read: refused, as what it holds is unknown. */
export class CoreModuleFormatError extends Error {
  override readonly name = "CoreModuleFormatError";
}

export type ImportKind = "function" | "table" | "memory" | "global" | "tag";

/** The limits of a memory (in pages) or table (in elements). */
export interface Limits {
  min: number;
  /** null when the module declares no maximum. */
  max: number | null;
  /** A shared memory (threads). */
  shared: boolean;
  /** A 64-bit memory or table. */
  is64: boolean;
}

export interface CoreModuleShape {
  /** A function import's `signature` is its core type, "i32,i32->i32" (see signature()). */
  imports: { module: string; name: string; kind: ImportKind; signature?: string }[];
  /** Memories the module defines (imported ones are in `imports`). */
  memories: Limits[];
  /** Tables the module defines. */
  tables: Limits[];
  /** Whether every entry of the type section is a function type (no GC types, no rec groups). */
  onlyFunctionTypes: boolean;
  /** Exception tags the module defines. */
  tags: number;
}

const SECTION = { type: 1, import: 2, table: 4, memory: 5, export: 7, tag: 13 } as const;
const IMPORT_KINDS: readonly ImportKind[] = ["function", "table", "memory", "global", "tag"];
const FUNC_TYPE = 0x60;
/** Number types by their encoding; any other value type is written as its byte. */
const NUM_TYPES: Record<number, string> = { 0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64" };
/** (ref null ht) and (ref ht): a value type followed by a heap type. */
const REF_NULL = 0x63;
const REF = 0x64;
/** Limits flags: bit 0 has a maximum, bit 1 shared, bit 2 64-bit. */
const HAS_MAX = 0x01;
const SHARED = 0x02;
const IS_64 = 0x04;

export function readCoreModule(bytes: Uint8Array): CoreModuleShape {
  if (bytes.length < 8 || bytes[0] !== 0x00 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d || bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) {
    throw new CoreModuleFormatError("not a core Wasm module (version 1)");
  }
  let pos = 8;
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
  const name = (): string => {
    const len = uleb();
    if (pos + len > bytes.length) throw new CoreModuleFormatError("name runs past the end");
    const s = Buffer.from(bytes.buffer, bytes.byteOffset + pos, len).toString("utf8");
    pos += len;
    return s;
  };
  const valueType = (): string => {
    const b = byte();
    if (b === REF_NULL || b === REF) return `ref:${uleb()}`; // the heap type (s33; its sign does not matter here)
    return NUM_TYPES[b] ?? `0x${b.toString(16)}`;
  };
  const valueTypes = (): string[] => {
    const out: string[] = [];
    for (let n = uleb(); n > 0; n--) out.push(valueType());
    return out;
  };
  const limits = (): Limits => {
    const flags = byte();
    if (flags & ~(HAS_MAX | SHARED | IS_64)) throw new CoreModuleFormatError(`unknown limits flags 0x${flags.toString(16)}`);
    const min = uleb();
    return { min, max: flags & HAS_MAX ? uleb() : null, shared: (flags & SHARED) !== 0, is64: (flags & IS_64) !== 0 };
  };
  const tableType = (): Limits => {
    if (bytes[pos] === 0x40) throw new CoreModuleFormatError("a table with an initializer expression");
    valueType(); // the element type
    return limits();
  };

  const shape: CoreModuleShape = { imports: [], memories: [], tables: [], onlyFunctionTypes: true, tags: 0 };
  const types: string[] = [];
  while (pos < bytes.length) {
    const id = byte();
    const size = uleb();
    const end = pos + size;
    if (end > bytes.length) throw new CoreModuleFormatError("section runs past the end");
    switch (id) {
      case SECTION.type:
        for (let n = uleb(); n > 0; n--) {
          if (byte() !== FUNC_TYPE) {
            shape.onlyFunctionTypes = false; // a GC type or rec group: nothing more to learn here
            break;
          }
          types.push(signature(valueTypes(), valueTypes()));
        }
        break;
      case SECTION.import:
        for (let n = uleb(); n > 0; n--) {
          const module = name();
          const field = name();
          const kind = IMPORT_KINDS[byte()];
          if (kind === undefined) throw new CoreModuleFormatError(`import ${module}#${field} of an unknown kind`);
          if (kind === "function") {
            const index = uleb();
            shape.imports.push({ module, name: field, kind, signature: types[index] ?? `type ${index}` });
            continue;
          }
          shape.imports.push({ module, name: field, kind });
          if (kind === "table") tableType();
          else if (kind === "memory") limits();
          else if (kind === "global") (valueType(), byte());
          else (byte(), uleb()); // tag: attribute, type index
        }
        break;
      case SECTION.table:
        for (let n = uleb(); n > 0; n--) shape.tables.push(tableType());
        break;
      case SECTION.memory:
        for (let n = uleb(); n > 0; n--) shape.memories.push(limits());
        break;
      case SECTION.tag:
        shape.tags += uleb();
        break;
    }
    pos = end;
  }
  return shape;
}

/**
 * The names a core module exports, in order ("add", "memory"): only the export section is
 * decoded, every other section skipped by its size (a pinned call reads the exports of each of
 * its component's modules: main-module.ts).
 */
export function readCoreExports(bytes: Uint8Array): string[] {
  if (bytes.length < 8 || bytes[0] !== 0x00 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d || bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) {
    throw new CoreModuleFormatError("not a core Wasm module (version 1)");
  }
  let pos = 8;
  const uleb = (): number => {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = bytes[pos++];
      if (b === undefined) throw new CoreModuleFormatError("truncated");
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
    throw new CoreModuleFormatError("LEB128 value too long");
  };
  const names: string[] = [];
  while (pos < bytes.length) {
    const id = bytes[pos++]!;
    const size = uleb();
    const end = pos + size;
    if (end > bytes.length) throw new CoreModuleFormatError("section runs past the end");
    if (id === SECTION.export) {
      for (let n = uleb(); n > 0; n--) {
        const len = uleb();
        if (pos + len > end) throw new CoreModuleFormatError("name runs past the end");
        names.push(Buffer.from(bytes.buffer, bytes.byteOffset + pos, len).toString("utf8"));
        pos += len + 1; // the name, then the kind byte
        uleb(); // index
      }
    }
    pos = end;
  }
  return names;
}

/** A core function type as text: "i32,i32->i32", "->" for none. */
export function signature(params: readonly string[], results: readonly string[]): string {
  return `${params.join(",")}->${results.join(",")}`;
}
