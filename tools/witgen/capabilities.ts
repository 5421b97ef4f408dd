// The host's capability list as data: every function of every interface a world (plugin,
// controller) imports, with its WIT signature and doc text, written to host/generated/capabilities.ts.
// `wasm-cni caps` joins it with the hand-written risk table (host/caps/catalog.ts), whose type
// is keyed by the names generated here, so a WIT function without a risk entry (or an entry
// for a function the WIT lost) fails `tsc` rather than going unnoticed in a review.
import type { Func, TypeRef } from "./ast";
import { HEADER } from "./generate";
import { parsePackage } from "./parser";

/** `list<tuple<string, string>>`, as written in WIT. */
export function witTypeText(t: TypeRef): string {
  switch (t.kind) {
    case "prim": return t.name;
    case "named": return t.name;
    case "list": return `list<${witTypeText(t.elem)}>`;
    case "option": return `option<${witTypeText(t.elem)}>`;
    case "tuple": return `tuple<${t.elems.map(witTypeText).join(", ")}>`;
    case "result":
      if (!t.ok && !t.err) return "result";
      return `result<${t.ok ? witTypeText(t.ok) : "_"}${t.err ? `, ${witTypeText(t.err)}` : ""}>`;
  }
}

/** `func(ns: netns-id, name: string) -> result<link-info, host-error>` */
export function witSignature(f: Func): string {
  const params = f.params.map((p) => `${p.name}: ${witTypeText(p.type)}`).join(", ");
  return `func(${params})${f.result ? ` -> ${witTypeText(f.result)}` : ""}`;
}

export interface WitFunctionInfo { name: string; signature: string; docs: string }
export interface WitInterfaceInfo { name: string; docs: string; functions: WitFunctionInfo[] }

/** The interfaces with functions that any of `worlds` imports, in the worlds' order. */
export function hostInterfaces(files: Record<string, string>, worlds: readonly string[]): { pkg: string; interfaces: WitInterfaceInfo[] } {
  const pkg = parsePackage(files);
  const interfaces: WitInterfaceInfo[] = [];
  for (const world of worlds) {
    const w = pkg.worlds.find((x) => x.name === world);
    if (!w) throw new Error(`no world ${world}`);
    for (const item of w.imports) {
      if (item.kind !== "interface" || interfaces.some((i) => i.name === item.name)) continue;
      const iface = pkg.interfaces.find((i) => i.name === item.name);
      if (!iface || iface.funcs.length === 0) continue;
      interfaces.push({
        name: iface.name,
        docs: iface.docs,
        functions: iface.funcs.map((f) => ({ name: f.name, signature: witSignature(f), docs: f.docs })),
      });
    }
  }
  const version = pkg.version ? `@${pkg.version}` : "";
  return { pkg: `${pkg.namespace}:${pkg.name}${version}`, interfaces };
}

/** host/generated/capabilities.ts: the data, and `WitFunctionKey` ("link.set-port", ...). */
export function capabilitiesFile(files: Record<string, string>, worlds: readonly string[]): string {
  const { pkg, interfaces } = hostInterfaces(files, worlds);
  const keys = interfaces.flatMap((i) => i.functions.map((f) => `${i.name}.${f.name}`));
  return `${HEADER}// Every host function the worlds import, from wit/; risks are in host/caps/catalog.ts.

export interface WitFunctionInfo {
  name: string;
  /** The WIT signature, as written in wit/. */
  signature: string;
  /** The WIT doc comment. */
  docs: string;
}

export interface WitInterfaceInfo {
  name: string;
  docs: string;
  functions: readonly WitFunctionInfo[];
}

export const WIT_PACKAGE = ${JSON.stringify(pkg)};

export const WIT_INTERFACES: readonly WitInterfaceInfo[] = ${JSON.stringify(interfaces, null, 2)};

/** "<interface>.<function>", WIT spelling, one per host function. */
export type WitFunctionKey =
${keys.map((k) => `  | ${JSON.stringify(k)}`).join("\n")};
`;
}
