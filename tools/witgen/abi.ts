// Canonical ABI layout: alignment, size, flattening (component-model CanonicalABI.md:
// alignment, elem_size, flatten_type, join). Options, results and enums are variants here.
import type { TypeRef } from "./ast";
import type { Model } from "./resolve";

export type CoreType = "i32" | "i64" | "f32" | "f64";
export const MAX_FLAT_PARAMS = 16;
export const MAX_FLAT_RESULTS = 1;

/** The cases of a variant-like type (payload or null), or null for a non-variant. */
export function variantCases(m: Model, t: TypeRef): (TypeRef | null)[] | null {
  t = m.unalias(t);
  if (t.kind === "option") return [null, t.elem];
  if (t.kind === "result") return [t.ok, t.err];
  if (t.kind !== "named") return null;
  const d = m.def(t);
  if (d.kind === "variant") return d.cases.map((c) => c.type);
  if (d.kind === "enum") return d.cases.map(() => null);
  return null;
}

/** Fields of a record-like type (records and tuples), or null. */
export function recordFields(m: Model, t: TypeRef): TypeRef[] | null {
  t = m.unalias(t);
  if (t.kind === "tuple") return t.elems;
  if (t.kind === "named") {
    const d = m.def(t);
    if (d.kind === "record") return d.fields.map((f) => f.type);
  }
  return null;
}

export function discSize(n: number): 1 | 2 | 4 {
  return n <= 0x100 ? 1 : n <= 0x10000 ? 2 : 4;
}

export function flagsSize(n: number): 1 | 2 | 4 {
  if (n > 32) throw new Error("flags with more than 32 members are not supported");
  return n <= 8 ? 1 : n <= 16 ? 2 : 4;
}

const PRIM_SIZE: Record<string, number> = {
  bool: 1, u8: 1, s8: 1, u16: 2, s16: 2, u32: 4, s32: 4, f32: 4, char: 4, u64: 8, s64: 8, f64: 8,
};

export const alignTo = (n: number, a: number): number => Math.ceil(n / a) * a;

export function alignment(m: Model, t: TypeRef): number {
  t = m.unalias(t);
  if (t.kind === "prim") return t.name === "string" ? 4 : PRIM_SIZE[t.name]!;
  if (t.kind === "list") return 4;
  const fields = recordFields(m, t);
  if (fields) return Math.max(1, ...fields.map((f) => alignment(m, f)));
  const cases = variantCases(m, t);
  if (cases) return Math.max(discSize(cases.length), ...cases.map((c) => (c ? alignment(m, c) : 1)));
  const d = m.def(t as { name: string; iface?: string });
  if (d.kind === "flags") return flagsSize(d.flags.length);
  throw new Error(`no alignment for ${JSON.stringify(t)}`);
}

export function size(m: Model, t: TypeRef): number {
  t = m.unalias(t);
  if (t.kind === "prim") return t.name === "string" ? 8 : PRIM_SIZE[t.name]!;
  if (t.kind === "list") return 8;
  const fields = recordFields(m, t);
  if (fields) {
    let s = 0;
    for (const f of fields) s = alignTo(s, alignment(m, f)) + size(m, f);
    return alignTo(s, alignment(m, t));
  }
  const cases = variantCases(m, t);
  if (cases) {
    const s = alignTo(discSize(cases.length), maxCaseAlign(m, cases)) + Math.max(0, ...cases.map((c) => (c ? size(m, c) : 0)));
    return alignTo(s, alignment(m, t));
  }
  const d = m.def(t as { name: string; iface?: string });
  if (d.kind === "flags") return flagsSize(d.flags.length);
  throw new Error(`no size for ${JSON.stringify(t)}`);
}

export function maxCaseAlign(m: Model, cases: (TypeRef | null)[]): number {
  return Math.max(1, ...cases.map((c) => (c ? alignment(m, c) : 1)));
}

/** Offset of the payload of a variant-like type, from its start. */
export function payloadOffset(m: Model, cases: (TypeRef | null)[]): number {
  return alignTo(discSize(cases.length), maxCaseAlign(m, cases));
}

/** Offsets of the fields of a record-like type. */
export function fieldOffsets(m: Model, fields: TypeRef[]): number[] {
  let s = 0;
  return fields.map((f) => {
    s = alignTo(s, alignment(m, f));
    const at = s;
    s += size(m, f);
    return at;
  });
}

export function join(a: CoreType, b: CoreType): CoreType {
  if (a === b) return a;
  if ((a === "i32" && b === "f32") || (a === "f32" && b === "i32")) return "i32";
  return "i64";
}

export function flatten(m: Model, t: TypeRef): CoreType[] {
  t = m.unalias(t);
  if (t.kind === "prim") {
    switch (t.name) {
      case "string": return ["i32", "i32"];
      case "u64": case "s64": return ["i64"];
      case "f32": return ["f32"];
      case "f64": return ["f64"];
      default: return ["i32"];
    }
  }
  if (t.kind === "list") return ["i32", "i32"];
  const fields = recordFields(m, t);
  if (fields) return fields.flatMap((f) => flatten(m, f));
  const cases = variantCases(m, t);
  if (cases) return ["i32", ...joinedPayload(m, cases)];
  return ["i32"]; // flags (up to 32)
}

/** The joined flat payload slots of a variant's cases. */
export function joinedPayload(m: Model, cases: (TypeRef | null)[]): CoreType[] {
  const out: CoreType[] = [];
  for (const c of cases) {
    if (!c) continue;
    flatten(m, c).forEach((ft, i) => {
      out[i] = i < out.length ? join(out[i]!, ft) : ft;
    });
  }
  return out;
}

/** Size and alignment of the parameter tuple, for spilled parameters. */
export function tupleLayout(m: Model, types: TypeRef[]): { size: number; align: number; offsets: number[] } {
  const t: TypeRef = { kind: "tuple", elems: types };
  return types.length === 0
    ? { size: 0, align: 1, offsets: [] }
    : { size: size(m, t), align: alignment(m, t), offsets: fieldOffsets(m, types) };
}
