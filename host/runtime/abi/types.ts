// The canonical ABI as data: what tools/witgen/host-abi.ts generates from the WIT for every type
// and function of a world (host/generated/abi.ts), and host/runtime/abi/lift-lower.ts walks.
// Sizes, alignments, offsets and flattenings are computed once, by the generator.

export type CoreType = "i32" | "i64" | "f32" | "f64";

export type Scalar = "bool" | "u8" | "s8" | "u16" | "s16" | "u32" | "s32" | "u64" | "s64" | "f32" | "f64" | "char";

interface Layout {
  size: number;
  align: number;
  /** The core values the type flattens to. */
  flat: readonly CoreType[];
}

export interface CaseType {
  /** WIT spelling: the `tag` of the JS value. */
  name: string;
  type: AbiType | null;
}

/**
 * A type with its layout. JS shapes follow jco's (host/generated/interfaces/*.d.ts): records
 * are objects with camelCase keys, variants `{ tag, val }`, enums their case name, options the
 * value or undefined, tuples arrays, flags objects of booleans, u64/s64 bigints.
 */
export type AbiType =
  | ({ k: "scalar"; scalar: Scalar } & Layout)
  | ({ k: "string" } & Layout)
  | ({ k: "list"; elem: AbiType } & Layout)
  | ({ k: "record"; fields: readonly { key: string; type: AbiType; offset: number }[] } & Layout)
  | ({ k: "tuple"; elems: readonly { type: AbiType; offset: number }[] } & Layout)
  | ({ k: "variant" | "option" | "result" | "enum"; cases: readonly CaseType[]; discSize: 1 | 2 | 4; payloadOffset: number } & Layout)
  | ({ k: "flags"; keys: readonly string[] } & Layout);

export interface AbiFunc {
  /** The core import or export name (WIT spelling). */
  name: string;
  /** The JS property of the host implementation (jco's camelCase, keywords kept). */
  js: string;
  params: readonly AbiType[];
  result: AbiType | null;
  /** With more than 16 flat parameters: their tuple, passed through memory as one pointer. */
  spilledParams: AbiType | null;
  /** Flat results beyond 1: written to (import) or read from (export) memory at a pointer. */
  resultInMemory: boolean;
}

export interface AbiWorld {
  /** Imported interfaces by qualified name ("cni:host/link@0.1.0") → their functions. */
  imports: Readonly<Record<string, readonly AbiFunc[]>>;
  /** Exported functions of the world. */
  exports: readonly AbiFunc[];
}
