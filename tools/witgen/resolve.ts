// Name resolution: every `named` TypeRef gets the interface that defines it (following `use`
// chains and `as` renames), so emitters can look definitions up by (iface, name).
import type { Func, Interface, Package, Scope, TypeDef, TypeRef } from "./ast";

export interface Model {
  pkg: Package;
  iface(name: string): Interface;
  /** The definition of a resolved named type. */
  def(ref: { iface?: string; name: string }): TypeDef;
  /** Follows aliases to the underlying type expression. */
  unalias(t: TypeRef): TypeRef;
}

export function resolve(pkg: Package): Model {
  const ifaces = new Map(pkg.interfaces.map((i) => [i.name, i]));
  const iface = (name: string): Interface => {
    const i = ifaces.get(name);
    if (!i) throw new Error(`unknown interface ${name}`);
    return i;
  };

  /** Where `name`, as seen from `scope`, is defined. */
  const locate = (scope: Scope, name: string, seen: string[] = []): { iface: string; name: string } => {
    if (seen.length > 20) throw new Error(`use cycle: ${seen.join(" -> ")}`);
    if (scope.types.some((t) => t.name === name)) {
      if (!ifaces.has(scope.name)) throw new Error(`types defined in world ${scope.name} are not supported`);
      return { iface: scope.name, name };
    }
    for (const u of scope.uses) {
      const hit = u.names.find((n) => n.as === name);
      if (hit) return locate(iface(u.from), hit.name, [...seen, `${scope.name}.${name}`]);
    }
    throw new Error(`${scope.name}: unknown type ${name}`);
  };

  const visit = (scope: Scope, t: TypeRef | null): void => {
    if (!t) return;
    switch (t.kind) {
      case "named": Object.assign(t, locate(scope, t.name)); break;
      case "list": case "option": visit(scope, t.elem); break;
      case "result": visit(scope, t.ok); visit(scope, t.err); break;
      case "tuple": t.elems.forEach((e) => visit(scope, e)); break;
      default: break;
    }
  };
  const visitFunc = (scope: Scope, f: Func): void => {
    f.params.forEach((p) => visit(scope, p.type));
    visit(scope, f.result);
  };
  const visitDef = (scope: Scope, d: TypeDef): void => {
    if (d.kind === "record") d.fields.forEach((f) => visit(scope, f.type));
    else if (d.kind === "variant") d.cases.forEach((c) => visit(scope, c.type));
    else if (d.kind === "alias") visit(scope, d.type);
  };

  for (const i of pkg.interfaces) {
    i.types.forEach((d) => visitDef(i, d));
    i.funcs.forEach((f) => visitFunc(i, f));
    i.uses.forEach((u) => u.names.forEach((n) => locate(iface(u.from), n.name)));
  }
  for (const w of pkg.worlds) {
    for (const item of [...w.imports, ...w.exports]) {
      if (item.kind === "func") visitFunc(w, item.func);
      else iface(item.name);
    }
  }

  const def = (ref: { iface?: string; name: string }): TypeDef => {
    const d = iface(ref.iface ?? "").types.find((t) => t.name === ref.name);
    if (!d) throw new Error(`unresolved type ${ref.iface}.${ref.name}`);
    return d;
  };
  const unalias = (t: TypeRef): TypeRef => {
    while (t.kind === "named") {
      const d = def(t);
      if (d.kind !== "alias") return t;
      t = d.type;
    }
    return t;
  };
  return { pkg, iface, def, unalias };
}
