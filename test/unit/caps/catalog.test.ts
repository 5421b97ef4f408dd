// The capability list cannot drift from the WIT or from the host: every WIT host function has
// exactly one catalog entry, every entry names a WIT function, and every CAPS factory returns
// exactly the functions of its interface (jco's camelCase names), nothing more.
import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { CATALOG, CREATABLE_LINK_KINDS, RISKS, SCOPE_SOURCES } from "../../../host/caps/catalog";
import type { CallContext } from "../../../host/caps/context";
import { CAPS, TYPE_ONLY_INTERFACES } from "../../../host/caps/index";
import { WIT_INTERFACES } from "../../../host/generated/capabilities";
import { hostInterfaces } from "../../../tools/witgen/capabilities";

const ROOT = resolve(import.meta.dirname, "../../..");
const camel = (s: string): string => s.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
const witFiles = (): Record<string, string> =>
  Object.fromEntries(readdirSync(join(ROOT, "wit")).filter((f) => f.endsWith(".wit")).map((f) => [f, readFileSync(join(ROOT, "wit", f), "utf8")]));
const witKeys = (): string[] => hostInterfaces(witFiles(), ["plugin", "controller"]).interfaces.flatMap((i) => i.functions.map((f) => `${i.name}.${f.name}`));

describe("capability catalog", () => {
  it("has an entry for every host function in wit/, and none for a function wit/ lacks", () => {
    expect(Object.keys(CATALOG).sort()).toEqual(witKeys().sort());
  });

  it("the generated list is the one wit/ gives today", () => {
    expect(WIT_INTERFACES.flatMap((i) => i.functions.map((f) => `${i.name}.${f.name}`))).toEqual(witKeys());
  });

  it("every entry has a risk level, a change and a scope", () => {
    for (const [fn, e] of Object.entries(CATALOG)) {
      expect(RISKS, fn).toContain(e.risk);
      expect(e.changes.length, fn).toBeGreaterThan(3);
      expect(e.scope.length, fn).toBeGreaterThan(3);
    }
  });

  // The security model's rule: a scope comes from what the runtime passed, the grant, the host's
  // rules, its owner marks or kernel state it reads, never from a value of the plugin's.
  it("every function names where its scope comes from, and only from the runtime, the grant or the host", () => {
    for (const [fn, e] of Object.entries(CATALOG)) {
      expect(e.from.length, fn).toBeGreaterThan(0);
      for (const source of e.from) expect(SCOPE_SOURCES, fn).toContain(source);
    }
  });

  it("a function that takes a netns id is bounded by CNI_NETNS and the grant (hostNetns)", () => {
    for (const i of WIT_INTERFACES) {
      for (const f of i.functions.filter((x) => /\(.*netns-id.*\)\s*->|\bns: netns-id/.test(x.signature))) {
        const e = CATALOG[`${i.name}.${f.name}` as keyof typeof CATALOG];
        expect(e.from, `${i.name}.${f.name}`).toEqual(expect.arrayContaining(["CNI_NETNS", "grant"]));
      }
    }
  });

  it("the functions that take no path, network or plugin from the plugin are bounded by the runtime's config", () => {
    for (const fn of ["store.open", "ipam.add", "ipam.del", "ipam.gc", "dns.read-resolv-conf", "firewall.retain"] as const) {
      expect(CATALOG[fn].from, fn).toContain("config");
    }
  });

  it("reads are never rated above low, and nothing that changes the kernel is rated below high", () => {
    for (const [fn, e] of Object.entries(CATALOG)) {
      if (e.changes.startsWith("nothing (") || e.changes === "nothing") expect(["none", "low"], fn).toContain(e.risk);
      if (/^(link|addr|route|sysctl)\.(create|set|set-port|delete|add|replace)$/.test(fn)) expect(e.risk, fn).toBe("high");
    }
  });

  it("CAPS implements every WIT interface with functions, and the type-only ones have none", () => {
    expect(Object.keys(CAPS).sort()).toEqual(WIT_INTERFACES.map((i) => i.name).sort());
    for (const t of TYPE_ONLY_INTERFACES) expect(WIT_INTERFACES.map((i) => i.name)).not.toContain(t);
  });

  it.each(WIT_INTERFACES.map((i) => [i.name, i] as const))("the %s factory returns exactly the WIT functions", (name, iface) => {
    const factory = CAPS[name as keyof typeof CAPS];
    // Factories only close over ctx; nothing is called, so an empty context suffices.
    const made = factory({ plugin: "t", records: [] } as unknown as CallContext);
    expect(Object.keys(made).sort()).toEqual(iface.functions.map((f) => camel(f.name)).sort());
    for (const v of Object.values(made)) expect(typeof v).toBe("function");
  });

  it("the creatable link kinds are the cases of WIT link-kind", () => {
    const variant = /variant link-kind \{([^}]*)\}/.exec(readFileSync(join(ROOT, "wit/link.wit"), "utf8"))?.[1] ?? "";
    const cases = variant.split("\n").filter((l) => !l.trim().startsWith("//")).join("\n");
    expect([...CREATABLE_LINK_KINDS].sort()).toEqual([...cases.matchAll(/([a-z][a-z0-9-]*)\s*(?:\(|,|$)/g)].map((m) => m[1]).sort());
  });
});
