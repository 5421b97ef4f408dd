// How WIT types look in AssemblyScript: value types stay values, options of reference types are
// `T | null`, options of value types `Box<T> | null`, results `Result<T, E>` (Unit for `_`),
// tuples `TupleN<...>`, lists `Array<T>`, named types their PascalCase class, enum or alias.
import type { Prim, TypeRef } from "./ast";
import type { FileCtx } from "./file-ctx";
import { camel, pascal } from "./names";
import type { Model } from "./resolve";

const PRIM_AS: Record<Prim, string> = {
  bool: "bool", u8: "u8", u16: "u16", u32: "u32", u64: "u64", s8: "i8", s16: "i16", s32: "i32",
  s64: "i64", f32: "f32", f64: "f64", char: "u32", string: "string",
};

export class AsTypes {
  constructor(readonly m: Model, readonly ctx: FileCtx) {}

  /** A non-nullable reference in AS (can be written `T | null`). */
  isRef(t: TypeRef): boolean {
    const u = this.m.unalias(t);
    switch (u.kind) {
      case "prim": return u.name === "string";
      case "option": return false; // already nullable
      case "named": {
        const k = this.m.def(u).kind;
        return k === "record" || k === "variant";
      }
      default: return true;
    }
  }

  /** The AS type of a WIT type. */
  of(t: TypeRef): string {
    switch (t.kind) {
      case "prim": return PRIM_AS[t.name];
      case "list": return `Array<${this.of(t.elem)}>`;
      case "option":
        return this.isRef(t.elem) ? `${this.of(t.elem)} | null` : `${this.ctx.glue("Box")}<${this.of(t.elem)}> | null`;
      case "result":
        return `${this.ctx.glue("Result")}<${this.side(t.ok)}, ${this.side(t.err)}>`;
      case "tuple":
        return `${this.tupleClass(t.elems.length)}<${t.elems.map((e) => this.of(e)).join(", ")}>`;
      case "named": {
        const d = this.m.def(t);
        return this.ctx.fromIface(t.iface!, d.kind === "flags" ? pascal(d.name) : pascal(d.name));
      }
    }
  }

  /** One side of a result: its type, or Unit for `_`. */
  side(t: TypeRef | null): string {
    return t ? this.of(t) : this.ctx.glue("Unit");
  }

  tupleClass(n: number): string {
    if (n < 2 || n > 4) throw new Error(`tuples of ${n} elements are not supported`);
    return this.ctx.glue(`Tuple${n}`);
  }

  /** An expression of the default value of a type, for record field initializers. */
  defaultValue(t: TypeRef): string {
    switch (t.kind) {
      case "prim": return t.name === "bool" ? "false" : t.name === "string" ? '""' : "0";
      case "list": return `new Array<${this.of(t.elem)}>()`;
      case "option": return "null";
      case "result":
        return t.ok
          ? `${this.ctx.glue("ok")}<${this.side(t.ok)}, ${this.side(t.err)}>(${this.defaultValue(t.ok)})`
          : `${this.ctx.glue("okUnit")}<${this.side(t.err)}>()`;
      case "tuple":
        return `new ${this.of(t)}(${t.elems.map((e) => this.defaultValue(e)).join(", ")})`;
      case "named": {
        const d = this.m.def(t);
        const name = this.of(t);
        switch (d.kind) {
          case "record": return `new ${name}()`;
          case "variant": {
            const c = d.cases[0]!;
            return `${name}.${camel(c.name)}(${c.type ? this.defaultValue(c.type) : ""})`;
          }
          case "alias": return this.defaultValue(d.type);
          default: return "0";
        }
      }
    }
  }

  /** A name-safe spelling of a type, for helper function names. */
  mangle(t: TypeRef): string {
    switch (t.kind) {
      case "prim": return pascal(t.name);
      case "list": return `List${this.mangle(t.elem)}`;
      case "option": return `Opt${this.mangle(t.elem)}`;
      case "result": return `Res${t.ok ? this.mangle(t.ok) : "Unit"}Or${t.err ? this.mangle(t.err) : "Unit"}`;
      case "tuple": return `Tup${t.elems.length}${t.elems.map((e) => this.mangle(e)).join("")}`;
      case "named": return pascal(t.name);
    }
  }
}
