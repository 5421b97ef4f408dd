// Lifting and lowering code for the canonical ABI, in memory form (load/store at an address) and
// flat form (core parameters and results). Composite types get a helper function per file (named
// after the type); records and variants get exported lift/lower functions in their own file.
import type { TypeRef } from "./ast";
import {
  alignment, discSize, fieldOffsets, flatten, payloadOffset, recordFields,
  size, variantCases, type CoreType,
} from "./abi";
import type { AsTypes } from "./as-types";
import { camel, pascal } from "./names";

const LOAD: Record<string, string> = {
  bool: "u8", u8: "u8", s8: "i8", u16: "u16", s16: "i16", u32: "u32", s32: "i32", char: "u32",
  u64: "u64", s64: "i64", f32: "f32", f64: "f64",
};
const uint = (n: number): string => `u${n * 8}`;
const at = (base: string, off: number): string => (off ? `${base} + ${off}` : base);

/** From a core value of type `have` to the flat type `want` it stands for (lift_flat_variant). */
function narrow(v: string, have: CoreType, want: CoreType): string {
  if (have === want) return v;
  if (have === "i64" && want === "i32") return `<i32>${v}`;
  if (have === "i32" && want === "f32") return `reinterpret<f32>(${v})`;
  if (have === "i64" && want === "f32") return `reinterpret<f32>(<i32>${v})`;
  if (have === "i64" && want === "f64") return `reinterpret<f64>(${v})`;
  throw new Error(`cannot narrow ${have} to ${want}`);
}

/**
 * From a flat value of type `have` into the joined slot type `want` (lower_flat_variant). The
 * spec zero-extends i32 into i64 and the reader wraps back to i32, so sign-extending gives the
 * same value; it does so for signed payloads because jco 1.10.2 range-checks the whole i64.
 */
function widen(v: string, have: CoreType, want: CoreType, signed: boolean): string {
  if (have === want) return v;
  if (have === "i32" && want === "i64") return signed ? `<i64>${v}` : `<i64><u32>${v}`;
  if (have === "f32" && want === "i32") return `reinterpret<i32>(${v})`;
  if (have === "f32" && want === "i64") return `<i64><u32>reinterpret<i32>(${v})`;
  if (have === "f64" && want === "i64") return `reinterpret<i64>(${v})`;
  throw new Error(`cannot widen ${have} to ${want}`);
}

export class AbiEmitter {
  constructor(private readonly ty: AsTypes) {}
  private get m() { return this.ty.m; }
  private get ctx() { return this.ty.ctx; }
  private g(name: string): string { return this.ctx.glue(name); }

  /** Which kind of named definition `t` is (after aliases), or null. */
  private namedKind(t: TypeRef): string | null {
    const u = this.m.unalias(t);
    return u.kind === "named" ? this.m.def(u).kind : null;
  }

  /** Name of the exported lift/lower function of a record or variant. */
  namedFn(prefix: "lift" | "lower", t: TypeRef): string {
    const u = this.m.unalias(t);
    if (u.kind !== "named") throw new Error("not a named type");
    return this.ctx.fromIface(u.iface!, `${prefix}${pascal(u.name)}`);
  }

  // ---- memory form -------------------------------------------------------------------------

  /** An expression: the value of type `t` stored at `base + off`. Frees received blocks. */
  liftMem(t: TypeRef, base: string, off: number): string {
    const u = this.m.unalias(t);
    if (u.kind === "prim") {
      if (u.name === "string") return `${this.g("loadString")}(${at(base, off)})`;
      const v = `load<${LOAD[u.name]}>(${base}, ${off})`;
      return u.name === "bool" ? `(${v} != 0)` : v;
    }
    if (u.kind === "list") {
      return `${this.liftListFn(u.elem)}(<usize>load<u32>(${base}, ${off}), <usize>load<u32>(${base}, ${off + 4}))`;
    }
    const kind = this.namedKind(u);
    if (kind === "enum") {
      const n = variantCases(this.m, u)!.length;
      return `<${this.ty.of(t)}>load<${uint(discSize(n))}>(${base}, ${off})`;
    }
    if (kind === "flags") return `<u32>load<${uint(size(this.m, u))}>(${base}, ${off})`;
    if (kind === "record" || kind === "variant") return `${this.namedFn("lift", u)}(${at(base, off)})`;
    return `${this.liftMemHelper(u)}(${at(base, off)})`;
  }

  /** Helper `liftX(src: usize): T` for options, results and tuples. */
  private liftMemHelper(t: TypeRef): string {
    const name = `lift${this.ty.mangle(t)}`;
    return this.ctx.helper(name, () => `// @ts-ignore: decorator\n@unsafe\nfunction ${name}(src: usize): ${this.ty.of(t)} {\n${this.liftMemBody(t, "src")}}\n`);
  }

  /** The statements of a lift function body reading a record-like or variant-like `t` at `src`. */
  liftMemBody(t: TypeRef, src: string): string {
    const u = this.m.unalias(t);
    const fields = recordFields(this.m, u);
    if (fields) {
      const offs = fieldOffsets(this.m, fields);
      const vals = fields.map((f, i) => this.liftMem(f, src, offs[i]!));
      return this.build(u, vals);
    }
    const cases = variantCases(this.m, u)!;
    const po = payloadOffset(this.m, cases);
    const disc = `<i32>load<${uint(discSize(cases.length))}>(${src})`;
    return this.caseSwitch(u, disc, cases.map((c) => (c ? this.liftMem(c, src, po) : null)));
  }

  /** Statements: `v` (type `t`) stored at `base + off`. Allocations are tracked for release. */
  lowerMem(t: TypeRef, v: string, base: string, off: number): string {
    const u = this.m.unalias(t);
    if (u.kind === "prim") {
      if (u.name === "string") return `${this.g("storeString")}(${v}, ${at(base, off)});\n`;
      if (u.name === "bool") return `store<u8>(${base}, <u8>(${v} ? 1 : 0), ${off});\n`;
      return `store<${LOAD[u.name]}>(${base}, ${v}, ${off});\n`;
    }
    const kind = this.namedKind(u);
    if (kind === "enum") {
      return `store<${uint(discSize(variantCases(this.m, u)!.length))}>(${base}, <${uint(discSize(variantCases(this.m, u)!.length))}>${v}, ${off});\n`;
    }
    if (kind === "flags") return `store<${uint(size(this.m, u))}>(${base}, <${uint(size(this.m, u))}>${v}, ${off});\n`;
    if (kind === "record" || kind === "variant") return `${this.namedFn("lower", u)}(${v}, ${at(base, off)});\n`;
    return `${this.lowerMemHelper(u)}(${v}, ${at(base, off)});\n`;
  }

  private lowerMemHelper(t: TypeRef): string {
    const name = `lower${this.ty.mangle(t)}`;
    return this.ctx.helper(name, () => {
      const body = t.kind === "list"
        ? `store<u32>(dst, <u32>${this.lowerListFn(t.elem)}(v));\nstore<u32>(dst, <u32>v.length, 4);\n`
        : this.lowerMemBody(t, "v", "dst");
      return `// @ts-ignore: decorator\n@unsafe\nfunction ${name}(v: ${this.ty.of(t)}, dst: usize): void {\n${indent(body)}}\n`;
    });
  }

  /** Statements storing a record-like or variant-like `v` at `dst`. */
  lowerMemBody(t: TypeRef, v: string, dst: string): string {
    const u = this.m.unalias(t);
    const fields = recordFields(this.m, u);
    if (fields) {
      const offs = fieldOffsets(this.m, fields);
      return fields.map((f, i) => this.lowerMem(f, this.fieldExpr(u, v, i), dst, offs[i]!)).join("");
    }
    const cases = variantCases(this.m, u)!;
    const po = payloadOffset(this.m, cases);
    const ds = uint(discSize(cases.length));
    return this.tagSwitch(u, v, cases, (i, payload) =>
      `store<${ds}>(${dst}, ${i});\n${payload ? this.lowerMem(cases[i]!, payload, dst, po) : ""}`);
  }

  // ---- lists -------------------------------------------------------------------------------

  /** Helper `liftListX(ptr, len): Array<T>`, freeing the received block. */
  liftListFn(elem: TypeRef): string {
    const name = `liftList${this.ty.mangle(elem)}`;
    return this.ctx.helper(name, () => {
      const sz = size(this.m, elem);
      return `// @ts-ignore: decorator\n@unsafe\nfunction ${name}(ptr: usize, len: usize): Array<${this.ty.of(elem)}> {\n` +
        `  const out = new Array<${this.ty.of(elem)}>();\n` +
        `  for (let i: usize = 0; i < len; i++) {\n    const e = ptr + i * ${sz};\n    out.push(${this.liftMem(elem, "e", 0)});\n  }\n` +
        `  ${this.g("freeReceived")}(ptr, len * ${sz});\n  return out;\n}\n`;
    });
  }

  /** Helper `lowerElemsX(v): usize` that stores the elements in a tracked block. */
  lowerListFn(elem: TypeRef): string {
    const name = `lowerElems${this.ty.mangle(elem)}`;
    return this.ctx.helper(name, () => {
      const sz = size(this.m, elem);
      return `// @ts-ignore: decorator\n@unsafe\nfunction ${name}(v: Array<${this.ty.of(elem)}>): usize {\n` +
        `  const ptr = ${this.g("allocList")}(v.length, ${sz}, ${alignment(this.m, elem)});\n` +
        `  for (let i = 0; i < v.length; i++) {\n    const e = ptr + <usize>i * ${sz};\n` +
        indent(indent(this.lowerMem(elem, "unchecked(v[i])", "e", 0))) +
        `  }\n  return ptr;\n}\n`;
    });
  }

  // ---- flat form ---------------------------------------------------------------------------

  /** An expression of type `t` from its flat core values `vals` (typed as flatten(t)). */
  liftFlat(t: TypeRef, vals: string[]): string {
    const u = this.m.unalias(t);
    if (u.kind === "prim") {
      const v = vals[0]!;
      switch (u.name) {
        case "string": return `${this.g("liftString")}(<usize>${v}, <usize>${vals[1]})`;
        case "bool": return `(${v} != 0)`;
        case "s32": case "s64": case "f32": case "f64": return v;
        default: return `<${LOAD[u.name]}>${v}`;
      }
    }
    if (u.kind === "list") return `${this.liftListFn(u.elem)}(<usize>${vals[0]}, <usize>${vals[1]})`;
    const kind = this.namedKind(u);
    if (kind === "enum") return `<${this.ty.of(t)}>${vals[0]}`;
    if (kind === "flags") return `<u32>${vals[0]}`;
    return `${this.liftFlatHelper(u)}(${vals.join(", ")})`;
  }

  /** Helper `liftFlatX(p0, p1, ...): T` for records, variants, options, results, tuples. */
  private liftFlatHelper(t: TypeRef): string {
    const name = `liftFlat${this.ty.mangle(t)}`;
    return this.ctx.helper(name, () => {
      const flat = flatten(this.m, t);
      const params = flat.map((ft, i) => `p${i}: ${ft}`).join(", ");
      let body: string;
      const fields = recordFields(this.m, t);
      if (fields) {
        let k = 0;
        const vals = fields.map((f) => {
          const n = flatten(this.m, f).length;
          const part = flat.slice(k, k + n).map((_, j) => `p${k + j}`);
          k += n;
          return this.liftFlat(f, part);
        });
        body = this.build(t, vals);
      } else {
        const cases = variantCases(this.m, t)!;
        const joined = flat.slice(1);
        body = this.caseSwitch(t, "p0", cases.map((c) => {
          if (!c) return null;
          const own = flatten(this.m, c);
          return this.liftFlat(c, own.map((ft, j) => narrow(`p${j + 1}`, joined[j]!, ft)));
        }));
      }
      return `// @ts-ignore: decorator\n@unsafe\nfunction ${name}(${params}): ${this.ty.of(t)} {\n${body}}\n`;
    });
  }

  /** Statements assigning the flat values of `v` (type `t`) to `slots` (typed as flatten(t)). */
  lowerFlat(t: TypeRef, v: string, slots: string[]): string {
    const u = this.m.unalias(t);
    if (u.kind === "prim") {
      const s = slots[0]!;
      switch (u.name) {
        case "string": {
          const x = this.ctx.fresh();
          const n = this.ctx.fresh("_n");
          return `const ${x} = ${v};\nconst ${n} = ${this.g("utf8Length")}(${x});\n` +
            `${s} = <i32>${this.g("utf8Encode")}(${x}, ${n});\n${slots[1]} = <i32>${n};\n`;
        }
        case "bool": return `${s} = ${v} ? 1 : 0;\n`;
        case "u64": case "s64": return `${s} = <i64>${v};\n`;
        case "f32": case "f64": return `${s} = ${v};\n`;
        default: return `${s} = <i32>${v};\n`;
      }
    }
    if (u.kind === "list") {
      const x = this.ctx.fresh();
      return `const ${x} = ${v};\n${slots[0]} = <i32>${this.lowerListFn(u.elem)}(${x});\n${slots[1]} = ${x}.length;\n`;
    }
    const kind = this.namedKind(u);
    if (kind === "enum" || kind === "flags") return `${slots[0]} = <i32>${v};\n`;
    const x = this.ctx.fresh();
    const fields = recordFields(this.m, u);
    if (fields) {
      let k = 0;
      const parts = fields.map((f, i) => {
        const n = flatten(this.m, f).length;
        const part = slots.slice(k, k + n);
        k += n;
        return this.lowerFlat(f, this.fieldExpr(u, x, i), part);
      });
      return `{\n${indent(`const ${x} = ${v};\n${parts.join("")}`)}}\n`;
    }
    const cases = variantCases(this.m, u)!;
    const joined = flatten(this.m, u).slice(1);
    const body = this.tagSwitch(u, x, cases, (i, payload) => {
      let s = `${slots[0]} = ${i};\n`;
      if (!payload) return s;
      const own = flatten(this.m, cases[i]!);
      if (own.every((ft, j) => ft === joined[j])) return s + this.lowerFlat(cases[i]!, payload, slots.slice(1, 1 + own.length));
      // The case's own flat types differ from the joined slots: lower into temporaries, widen.
      const tmps = own.map(() => this.ctx.fresh("_t"));
      s += tmps.map((tn, j) => `let ${tn}: ${own[j]} = 0;\n`).join("");
      s += this.lowerFlat(cases[i]!, payload, tmps);
      const signed = this.signedSlots(cases[i]!);
      return s + tmps.map((tn, j) => `${slots[1 + j]} = ${widen(tn, own[j]!, joined[j]!, signed[j]!)};\n`).join("");
    });
    return `{\n${indent(`const ${x} = ${v};\n${body}`)}}\n`;
  }

  /** Per flat slot of `t`: does it hold a signed s8/s16/s32 (for widen)? */
  private signedSlots(t: TypeRef): boolean[] {
    const u = this.m.unalias(t);
    if (u.kind === "prim") return flatten(this.m, u).map(() => ["s8", "s16", "s32"].includes(u.name));
    const fields = recordFields(this.m, u);
    if (fields) return fields.flatMap((f) => this.signedSlots(f));
    return flatten(this.m, u).map(() => false);
  }

  // ---- shared shapes -----------------------------------------------------------------------

  /** The expression of field `i` of a record-like value `v`. */
  private fieldExpr(t: TypeRef, v: string, i: number): string {
    if (t.kind === "tuple") return `${v}.v${i}`;
    const d = this.m.def(t as { name: string; iface?: string });
    if (d.kind !== "record") throw new Error("not a record");
    return `${v}.${camel(d.fields[i]!.name)}`;
  }

  /** Statements returning a record-like value built from field expressions. */
  private build(t: TypeRef, vals: string[]): string {
    if (t.kind === "tuple") return `  return new ${this.ty.of(t)}(${vals.join(", ")});\n`;
    const d = this.m.def(t as { name: string; iface?: string });
    if (d.kind !== "record") throw new Error("not a record");
    const name = this.ty.of(t);
    return `  const v = new ${name}();\n` +
      d.fields.map((f, i) => `  v.${camel(f.name)} = ${vals[i]};\n`).join("") + "  return v;\n";
  }

  /** Statements returning the case `disc` of a variant-like `t`, from payload expressions. */
  private caseSwitch(t: TypeRef, disc: string, payloads: (string | null)[]): string {
    const arms = payloads.map((p, i) => `    case ${i}: return ${this.construct(t, i, p)};\n`).join("");
    return `  switch (${disc}) {\n${arms}  }\n  return unreachable();\n`;
  }

  /** An expression constructing case `i` of a variant-like `t` with payload expression `p`. */
  private construct(t: TypeRef, i: number, p: string | null): string {
    if (t.kind === "option") {
      if (i === 0) return "null";
      return this.ty.isRef(t.elem) ? p! : `new ${this.g("Box")}<${this.ty.of(t.elem)}>(${p})`;
    }
    if (t.kind === "result") {
      const targs = `<${this.ty.side(t.ok)}, ${this.ty.side(t.err)}>`;
      if (i === 0) return t.ok ? `${this.g("ok")}${targs}(${p})` : `${this.g("okUnit")}<${this.ty.side(t.err)}>()`;
      return `${this.g("err")}${targs}(${p ?? this.g("UNIT")})`;
    }
    const d = this.m.def(t as { name: string; iface?: string });
    if (d.kind === "enum") return `<${this.ty.of(t)}>${i}`;
    if (d.kind !== "variant") throw new Error("not a variant");
    return `${this.ty.of(t)}.${camel(d.cases[i]!.name)}(${p ?? ""})`;
  }

  /** A switch over the case of variant-like value `v`; `arm(i, payloadExpr)` gives each body. */
  private tagSwitch(t: TypeRef, v: string, cases: (TypeRef | null)[], arm: (i: number, payload: string | null) => string): string {
    if (t.kind === "option") {
      const some = this.ty.isRef(t.elem) ? v : `${v}.value`;
      return `if (${v} === null) {\n${indent(arm(0, null))}} else {\n${indent(arm(1, some))}}\n`;
    }
    if (t.kind === "result") {
      return `if (${v}.isOk) {\n${indent(arm(0, t.ok ? `${v}.value` : null))}} else {\n${indent(arm(1, t.err ? `${v}.error` : null))}}\n`;
    }
    const d = this.m.def(t as { name: string; iface?: string });
    if (d.kind !== "variant") throw new Error("not a variant");
    const arms = d.cases.map((c, i) =>
      `  case ${i}: {\n${indent(indent(arm(i, cases[i] ? `${v}.${camel(c.name)}` : null)))}    break;\n  }\n`).join("");
    return `switch (<i32>${v}.tag) {\n${arms}}\n`;
  }
}

export function indent(s: string, by = "  "): string {
  return s.split("\n").map((l) => (l ? by + l : l)).join("\n");
}
