// The WIT subset witgen understands, as parsed (names still kebab-case, references unresolved).

export type Prim =
  | "bool" | "u8" | "u16" | "u32" | "u64" | "s8" | "s16" | "s32" | "s64"
  | "f32" | "f64" | "char" | "string";

export const PRIMS: readonly Prim[] = [
  "bool", "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "f32", "f64", "char", "string",
];

/** A type expression. `named` is a reference to a type defined or `use`d in the enclosing scope. */
export type TypeRef =
  | { kind: "prim"; name: Prim }
  | { kind: "list"; elem: TypeRef }
  | { kind: "option"; elem: TypeRef }
  | { kind: "result"; ok: TypeRef | null; err: TypeRef | null }
  | { kind: "tuple"; elems: TypeRef[] }
  | { kind: "named"; name: string; iface?: string };

export interface Field { name: string; type: TypeRef; docs: string }
export interface Case { name: string; type: TypeRef | null; docs: string }

export type TypeDef =
  | { kind: "record"; name: string; docs: string; fields: Field[] }
  | { kind: "variant"; name: string; docs: string; cases: Case[] }
  | { kind: "enum"; name: string; docs: string; cases: Case[] }
  | { kind: "flags"; name: string; docs: string; flags: Case[] }
  | { kind: "alias"; name: string; docs: string; type: TypeRef };

export interface Param { name: string; type: TypeRef }
export interface Func { name: string; docs: string; params: Param[]; result: TypeRef | null }

/** `use iface.{a, b as c};` */
export interface Use { from: string; names: { name: string; as: string }[] }

/** An interface, or the scope of a world (its uses and types). */
export interface Scope { name: string; docs: string; uses: Use[]; types: TypeDef[] }
export interface Interface extends Scope { funcs: Func[] }

export type WorldItem = { kind: "interface"; name: string } | { kind: "func"; func: Func };
export interface World extends Scope { imports: WorldItem[]; exports: WorldItem[] }

export interface Package {
  namespace: string;
  name: string;
  version: string | null;
  interfaces: Interface[];
  worlds: World[];
}
