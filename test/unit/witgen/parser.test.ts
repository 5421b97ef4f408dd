// The WIT subset parser and name resolution, and the canonical-ABI layout witgen computes.
import { describe, expect, it } from "vitest";
import { resolve as resolvePath } from "node:path";
import { parsePackage } from "../../../tools/witgen/parser";
import { resolve } from "../../../tools/witgen/resolve";
import { alignment, flatten, size } from "../../../tools/witgen/abi";
import type { TypeRef } from "../../../tools/witgen/ast";
import { readWit } from "../../../tools/witgen/generate-all";

const WIT = `package a:b@1.2.3;
/// Shared.
interface t {
  /// An error.
  variant err { gone(string), kernel(kerr), other }
  record kerr { errno: u32, message: string }
  type id = u32;
  enum fam { all, v4 }
  flags perms { read, write }
}
interface i {
  use t.{err, id as handle};
  record r { %type: option<handle>, xs: list<tuple<string, s64>>, f: f64 }
  %list: func(h: handle) -> result<list<r>, err>;
  nothing: func();
  plain: func() -> result;
  unit-err: func() -> result<_, err>;
  ok-only: func() -> result<char>;
}
world w {
  import i;
  use t.{err};
  /// Exported.
  export run: func(x: u8) -> result<string, err>;
}
`;

describe("witgen parser", () => {
  const pkg = parsePackage({ "a.wit": WIT });

  it("reads the package, interfaces with docs, and worlds", () => {
    expect([pkg.namespace, pkg.name, pkg.version]).toEqual(["a", "b", "1.2.3"]);
    expect(pkg.interfaces.map((i) => i.name)).toEqual(["t", "i"]);
    expect(pkg.interfaces[0]!.docs).toBe("Shared.");
    expect(pkg.worlds[0]!.imports).toEqual([{ kind: "interface", name: "i" }]);
    const run = pkg.worlds[0]!.exports[0]!;
    expect(run.kind === "func" && run.func.docs).toBe("Exported.");
  });

  it("reads every type definition kind", () => {
    const [variant, record, alias, en, flags] = pkg.interfaces[0]!.types;
    expect(variant).toMatchObject({ kind: "variant", docs: "An error.", cases: [{ name: "gone" }, { name: "kernel" }, { name: "other", type: null }] });
    expect(record).toMatchObject({ kind: "record", fields: [{ name: "errno" }, { name: "message" }] });
    expect(alias).toMatchObject({ kind: "alias", type: { kind: "prim", name: "u32" } });
    expect(en).toMatchObject({ kind: "enum", cases: [{ name: "all" }, { name: "v4" }] });
    expect(flags).toMatchObject({ kind: "flags", flags: [{ name: "read" }, { name: "write" }] });
  });

  it("reads % escapes and every result form", () => {
    const i = pkg.interfaces[1]!;
    expect(i.types[0]).toMatchObject({ fields: [{ name: "type" }, { name: "xs" }, { name: "f" }] });
    expect(i.funcs.map((f) => f.name)).toEqual(["list", "nothing", "plain", "unit-err", "ok-only"]);
    expect(i.funcs[1]!.result).toBeNull();
    expect(i.funcs[2]!.result).toEqual({ kind: "result", ok: null, err: null });
    expect(i.funcs[3]!.result).toMatchObject({ kind: "result", ok: null, err: { name: "err" } });
    expect(i.funcs[4]!.result).toMatchObject({ kind: "result", ok: { kind: "prim", name: "char" }, err: null });
  });

  it("resolves uses with `as` to the defining interface", () => {
    resolve(pkg);
    const r = pkg.interfaces[1]!.types[0]!;
    expect(r.kind === "record" && r.fields[0]!.type).toEqual({ kind: "option", elem: { kind: "named", name: "id", iface: "t" } });
  });

  it("fails with file and line on unsupported items", () => {
    expect(() => parsePackage({ "x.wit": "package a:b;\ninterface x {\n  resource r;\n}" })).toThrow(/x\.wit:3: resources are not supported/);
    expect(() => parsePackage({ "x.wit": "package a:b;\ninterface x {\n  f: func() -> borrow<r>;\n}" })).toThrow(/x\.wit:3: borrow is not supported/);
    expect(() => resolve(parsePackage({ "x.wit": "package a:b;\ninterface x { f: func(a: nope); }" }))).toThrow(/unknown type nope/);
  });

  it("parses the project's wit/ folder", () => {
    const m = resolve(parsePackage(readWit(resolvePath(import.meta.dirname, "../../../wit"))));
    expect(m.pkg.interfaces.map((i) => i.name).sort()).toEqual(["addr", "cluster", "dns", "firewall", "ipam", "link", "log", "neigh", "netns", "qdisc", "route", "rule", "store", "sysctl", "types", "verbs"]);
  });
});

describe("witgen canonical ABI layout", () => {
  const m = resolve(parsePackage({ "a.wit": WIT }));
  const named = (iface: string, name: string): TypeRef => ({ kind: "named", name, iface });
  const prim = (name: string): TypeRef => ({ kind: "prim", name } as TypeRef);
  const table: [string, TypeRef, number, number, string[]][] = [
    ["bool", prim("bool"), 1, 1, ["i32"]],
    ["string", prim("string"), 8, 4, ["i32", "i32"]],
    ["option<bool>", { kind: "option", elem: prim("bool") }, 2, 1, ["i32", "i32"]],
    ["option<u64>", { kind: "option", elem: prim("u64") }, 16, 8, ["i32", "i64"]],
    ["tuple<u8, u64>", { kind: "tuple", elems: [prim("u8"), prim("u64")] }, 16, 8, ["i32", "i64"]],
    ["result<f32, u32>", { kind: "result", ok: prim("f32"), err: prim("u32") }, 8, 4, ["i32", "i32"]],
    ["result<f32, f64>", { kind: "result", ok: prim("f32"), err: prim("f64") }, 16, 8, ["i32", "i64"]],
    ["result<_, _>", { kind: "result", ok: null, err: null }, 1, 1, ["i32"]],
    ["variant err", named("t", "err"), 16, 4, ["i32", "i32", "i32", "i32"]],
    ["enum fam", named("t", "fam"), 1, 1, ["i32"]],
    ["flags perms", named("t", "perms"), 1, 1, ["i32"]],
    ["alias id", named("t", "id"), 4, 4, ["i32"]],
    ["record r", named("i", "r"), 24, 8, ["i32", "i32", "i32", "i32", "f64"]],
  ];
  for (const [name, t, sz, al, flat] of table) {
    it(`${name}: size ${sz}, align ${al}, flat [${flat.join(", ")}]`, () => {
      expect([size(m, t), alignment(m, t), flatten(m, t)]).toEqual([sz, al, flat]);
    });
  }

  it("cni:host types have the layouts jco expects (link-spec 17 flat, so with ns link.create spills, as route-info does)", () => {
    const w = resolve(parsePackage(readWit(resolvePath(import.meta.dirname, "../../../wit"))));
    // The vxlan case (vni, port, two option<string>, learning) is the widest payload of link-kind.
    expect(flatten(w, { kind: "named", name: "link-spec", iface: "link" })).toHaveLength(17);
    expect(flatten(w, { kind: "named", name: "route-info", iface: "route" }).length + 1).toBeGreaterThan(16);
    expect(size(w, { kind: "named", name: "host-error", iface: "types" })).toBe(16);
  });
});
