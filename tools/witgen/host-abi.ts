// The host's canonical ABI tables of a world (host/generated/abi.ts): every imported function
// and every export with its parameter and result types, each type with its size, alignment,
// field offsets and flattening, computed here once from the same layout code the guest
// bindings use (abi.ts). host/runtime/abi walks these tables to lift and lower; the host needs
// no per-component JS glue at run time.
import type { Func, TypeRef } from "./ast";
import {
  MAX_FLAT_PARAMS, MAX_FLAT_RESULTS, alignment, discSize, fieldOffsets, flagsSize, flatten,
  payloadOffset, recordFields, size, variantCases,
} from "./abi";
import { HEADER } from "./generate";
import { parsePackage } from "./parser";
import { resolve, type Model } from "./resolve";

/** jco's JS names: lowerCamelCase, keywords kept (`delete`). */
export const jsName = (kebab: string): string =>
  kebab.split("-").filter(Boolean).map((w, i) => (i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1))).join("");

class TableEmitter {
  private readonly consts = new Map<string, string>();
  private readonly lines: string[] = [];
  constructor(private readonly m: Model) {}

  /** The name of a const holding `t`'s descriptor, emitted (children first) on first use. */
  ref(t: TypeRef): string {
    const body = this.describe(t);
    const known = this.consts.get(body);
    if (known) return known;
    const name = `t${this.consts.size}`;
    this.consts.set(body, name);
    this.lines.push(`const ${name}: AbiType = ${body};`);
    return name;
  }

  private layout(t: TypeRef): string {
    return `size: ${size(this.m, t)}, align: ${alignment(this.m, t)}, flat: ${JSON.stringify(flatten(this.m, t))}`;
  }

  private describe(t: TypeRef): string {
    const u = this.m.unalias(t);
    const lay = this.layout(u);
    if (u.kind === "prim") {
      return u.name === "string" ? `{ k: "string", ${lay} }` : `{ k: "scalar", scalar: "${u.name}", ${lay} }`;
    }
    if (u.kind === "list") return `{ k: "list", elem: ${this.ref(u.elem)}, ${lay} }`;
    const fields = recordFields(this.m, u);
    if (fields) {
      const offs = fieldOffsets(this.m, fields);
      if (u.kind === "tuple") {
        return `{ k: "tuple", elems: [${fields.map((f, i) => `{ type: ${this.ref(f)}, offset: ${offs[i]} }`).join(", ")}], ${lay} }`;
      }
      const def = this.m.def(u as { name: string; iface?: string });
      if (def.kind !== "record") throw new Error("unreachable");
      const items = def.fields.map((f, i) => `{ key: "${jsName(f.name)}", type: ${this.ref(f.type)}, offset: ${offs[i]} }`);
      return `{ k: "record", fields: [${items.join(", ")}], ${lay} }`;
    }
    const cases = variantCases(this.m, u);
    if (cases) {
      const names = this.caseNames(u);
      const k = u.kind === "option" ? "option" : u.kind === "result" ? "result" : this.m.def(u as { name: string }).kind;
      const items = cases.map((c, i) => `{ name: "${names[i]}", type: ${c ? this.ref(c) : "null"} }`);
      return `{ k: "${k}", cases: [${items.join(", ")}], discSize: ${discSize(cases.length)}, payloadOffset: ${payloadOffset(this.m, cases)}, ${lay} }`;
    }
    const def = this.m.def(u as { name: string; iface?: string });
    if (def.kind === "flags") {
      flagsSize(def.flags.length); // throws beyond 32
      return `{ k: "flags", keys: ${JSON.stringify(def.flags.map((f) => jsName(f.name)))}, ${lay} }`;
    }
    throw new Error(`host-abi: unsupported type ${JSON.stringify(u)}`);
  }

  private caseNames(u: TypeRef): string[] {
    if (u.kind === "option") return ["none", "some"];
    if (u.kind === "result") return ["ok", "err"];
    const def = this.m.def(u as { name: string; iface?: string });
    if (def.kind === "variant" || def.kind === "enum") return def.cases.map((c) => c.name);
    throw new Error("unreachable");
  }

  func(f: Func): string {
    const flatParams = f.params.reduce((n, p) => n + flatten(this.m, p.type).length, 0);
    const flatResults = f.result ? flatten(this.m, f.result).length : 0;
    const params = f.params.map((p) => this.ref(p.type));
    // Spilled parameters travel as one tuple in memory.
    const spilled = flatParams > MAX_FLAT_PARAMS ? this.ref({ kind: "tuple", elems: f.params.map((p) => p.type) }) : "null";
    return `{ name: "${f.name}", js: "${jsName(f.name)}", params: [${params.join(", ")}], result: ${f.result ? this.ref(f.result) : "null"}, ` +
      `spilledParams: ${spilled}, resultInMemory: ${flatResults > MAX_FLAT_RESULTS} }`;
  }

  get typeLines(): string[] {
    return this.lines;
  }
}

/** host/generated/abi.ts for `worlds` of the package in `files`: one table per world, named `name`. */
export function hostAbiFile(files: Record<string, string>, worlds: readonly { world: string; name: string }[], runtimeImport = "../runtime/abi/types"): string {
  const m = resolve(parsePackage(files));
  const t = new TableEmitter(m);
  const version = m.pkg.version ? `@${m.pkg.version}` : "";
  const tables = worlds.map(({ world, name }) => {
    const w = m.pkg.worlds.find((x) => x.name === world);
    if (!w) throw new Error(`no world ${world}`);
    const imports: string[] = [];
    for (const item of w.imports) {
      if (item.kind !== "interface") throw new Error("host-abi: world-level imported functions are not supported");
      const iface = m.iface(item.name);
      if (iface.funcs.length === 0) continue;
      const funcs = iface.funcs.map((f) => `    ${t.func(f)},`);
      imports.push(`  "${m.pkg.namespace}:${m.pkg.name}/${iface.name}${version}": [\n${funcs.join("\n")}\n  ],`);
    }
    const exports = w.exports.map((item) => {
      if (item.kind !== "func") throw new Error("host-abi: exported interfaces are not supported");
      return `    ${t.func(item.func)},`;
    });
    return `/** World ${world}. */
export const ${name}: AbiWorld = {
  imports: {
${imports.map((s) => s.replace(/^/gm, "  ")).join("\n")}
  },
  exports: [
${exports.join("\n")}
  ],
};
`;
  });
  return `${HEADER}// The canonical ABI of the worlds ${worlds.map((w) => w.world).join(", ")}: types with their layout, imports and exports.
import type { AbiType, AbiWorld } from "${runtimeImport}";

${t.typeLines.join("\n")}

${tables.join("\n")}`;
}
