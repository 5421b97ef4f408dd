// The per-plugin scope without a kernel: which netns ids a plugin may use, which sysctl keys a
// grant covers, and which host links its config names.
import { describe, expect, it } from "vitest";
import type { CallContext, NamespaceTable } from "../../../host/caps/context";
import { CapError } from "../../../host/caps/errors";
import { createLinkCaps } from "../../../host/caps/link";
import { PluginScope } from "../../../host/caps/scope";
import { checkSysctlKey, sysctlPatternMatches } from "../../../host/caps/sysctl";
import { DEFAULT_LIMITS, type Grant, grantFor } from "../../../host/runtime/policy";

const grant = (g: Partial<Grant> = {}): Grant => ({ interfaces: [], hostNetns: true, delegates: [], linkKinds: [], sysctlKeys: [], ...DEFAULT_LIMITS, ...g });

/** A context over a namespace table nobody may reach: any use of it fails the test. */
function context(plugin: string, config = "{}", g: Grant = grant()): CallContext {
  const namespaces = { rtnl: () => { throw new Error("reached the kernel"); }, netns: () => { throw new Error("reached the kernel"); } } as unknown as NamespaceTable;
  return { plugin, grant: g, config, namespaces, records: [], hostCalls: 0 } as unknown as CallContext;
}

const deniedWith = (msg: RegExp) => expect.objectContaining({ payload: { tag: "denied", val: expect.stringMatching(msg) } });

describe("netns ids", () => {
  it("an id the plugin did not get from netns.* is denied, even one its parent holds in the same call", () => {
    const parent = context("bridge");
    parent.scope = new PluginScope(parent);
    parent.scope.hold(0, true);
    const delegate = context("evil-ipam", "{}", grant({ hostNetns: false }));
    const link = createLinkCaps(delegate);
    for (const id of [0, 1, -1, 2 ** 32 - 1]) {
      expect(() => link.list(id)).toThrow(CapError);
      expect(() => link.list(id)).toThrow(deniedWith(new RegExp(`^plugin "evil-ipam" used netns id ${id}, which is not a handle`)));
    }
    expect(delegate.records.map((r) => r.outcome)).toEqual(Array(8).fill(expect.stringMatching(/^denied: /)));
  });
});

describe("host links named by the config", () => {
  it("bridge, master and device name links; other keys do not", () => {
    const ctx = context("p", JSON.stringify({ bridge: "cni0", master: "eth0", device: "dev0", name: "net0", victim: "vic0" }));
    const scope = new PluginScope(ctx);
    scope.hold(0, true);
    for (const name of ["cni0", "eth0", "dev0"]) expect(() => scope.requireLink(0, name, "delete")).not.toThrow();
    // Not named: the scope has to read the link (and here reaches the fake kernel).
    expect(() => scope.requireLink(0, "vic0", "delete")).toThrow(/reached the kernel/);
    expect(() => scope.requireLink(0, "net0", "delete")).toThrow(/reached the kernel/);
  });

  it("in a netns that is not the host's every link is in scope", () => {
    const scope = new PluginScope(context("p"));
    scope.hold(1, false);
    expect(() => scope.requireLink(1, "anything", "delete")).not.toThrow();
  });

  it("an alias with the owner prefix is refused in the host netns only", () => {
    const scope = new PluginScope(context("p"));
    scope.hold(0, true);
    scope.hold(1, false);
    expect(() => scope.checkAlias(0, { alias: "wasm-cni:p" })).toThrow(deniedWith(/the prefix wasm-cni: is the host's owner mark/));
    expect(() => scope.checkAlias(0, { alias: "dev0" })).not.toThrow();
    expect(() => scope.checkAlias(1, { alias: "wasm-cni:other" })).not.toThrow();
  });
});

describe("sysctl grants", () => {
  it.each([
    ["net.ipv4.ip_forward", "net.ipv4.ip_forward", true],
    ["net.ipv6.conf.*.accept_ra", "net.ipv6.conf.eth0.accept_ra", true],
    ["net.ipv6.conf.*.accept_ra", "net.ipv6.conf.all.accept_ra", false],
    ["net.ipv6.conf.*.accept_ra", "net.ipv6.conf.default.accept_ra", false],
    ["net.ipv6.conf.all.accept_ra", "net.ipv6.conf.all.accept_ra", true],
    ["net.ipv6.conf.*.accept_ra", "net.ipv6.conf.eth0.accept_dad", false],
    ["net.ipv4.*", "net.ipv4.conf.eth0.forwarding", false],
  ])("pattern %s covers %s: %s", (pattern, key, covered) => {
    expect(sysctlPatternMatches(pattern, key)).toBe(covered);
  });

  it("a key must pass the host's allowlist and the grant; each refusal names its rule", () => {
    const g = grant({ sysctlKeys: ["net.ipv4.ip_forward", "net.core.*"] });
    expect(() => checkSysctlKey("p", g, "net.ipv4.ip_forward")).not.toThrow();
    expect(() => checkSysctlKey("p", g, "net.core.somaxconn")).toThrow(deniedWith(/not on the host's allowlist/));
    expect(() => checkSysctlKey("p", g, "net.ipv6.conf.all.forwarding")).toThrow(deniedWith(/not in its grant's sysctlKeys \(net\.ipv4\.ip_forward, net\.core\.\*\)/));
  });

  it("the built-in grants cover what our plugins set, and no more than the host allows", () => {
    const bridge = grantFor("bridge");
    for (const key of ["net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding", "net.ipv6.conf.veth1234.accept_ra", "net.ipv6.conf.cni0.accept_ra",
      "net.ipv6.conf.eth0.accept_dad", "net.ipv4.conf.eth0.arp_notify", "net.ipv6.conf.lo.disable_ipv6", "net.ipv6.conf.eth0.keep_addr_on_down"]) {
      expect(() => checkSysctlKey("bridge", bridge, key)).not.toThrow();
    }
    expect(() => checkSysctlKey("bridge", bridge, "net.ipv4.conf.all.rp_filter")).toThrow(CapError);
    expect(grantFor("loopback")).toMatchObject({ linkKinds: [], sysctlKeys: [] });
    expect(grantFor("host-device").linkKinds).toEqual([]);
    expect(grantFor("macvlan").linkKinds).toEqual(["macvlan"]);
  });
});

describe("host routes inside the grant", () => {
  const route = (config: object, g: Partial<Grant> = {}) => {
    const scope = new PluginScope(context("p", JSON.stringify(config), grant(g)));
    scope.hold(0, true);
    scope.hold(1, false);
    return scope;
  };

  it("a destination inside an address range the config names is allowed, in the main table", () => {
    const configs = [
      { ipam: { subnet: "10.1.0.0/16" } },
      { ipam: { ranges: [[{ subnet: "10.9.0.0/24" }], [{ subnet: "10.1.0.0/16" }]] } },
      { ipam: { addresses: [{ address: "10.1.2.3/16" }] } },
      { runtimeConfig: { ips: ["10.1.2.3/16"] } },
      { args: { cni: { ips: ["10.1.2.3/16"] } } },
      { prevResult: { ips: [{ address: "10.1.2.3/16" }] } },
    ];
    for (const c of configs) {
      for (const dst of ["10.1.2.3/32", "10.1.0.0/16", "10.1.128.0/17"]) expect(() => route(c).requireHostRoute(0, dst, undefined, "add"), `${JSON.stringify(c)} ${dst}`).not.toThrow();
      expect(() => route(c).requireHostRoute(0, "10.1.2.3/32", 254, "add")).not.toThrow();
    }
  });

  it.each([
    ["10.2.0.1/32", undefined],
    ["10.0.0.0/8", undefined],
    ["0.0.0.0/0", undefined],
    ["fd00::1/128", undefined],
  ])("%s is denied: outside every range", (dst, table) => {
    expect(() => route({ ipam: { subnet: "10.1.0.0/16" }, victim: "10.2.0.0/16" }).requireHostRoute(0, dst, table, "add"))
      .toThrow(deniedWith(new RegExp(`^plugin "p" may not add route ${dst.replace(".", "\\.")} in the host netns: outside the address ranges`)));
  });

  it("another table needs the grant's hostRouteTables; hostRoutes adds destinations; the container's netns is not checked", () => {
    const c = { ipam: { subnet: "10.1.0.0/16" } };
    expect(() => route(c).requireHostRoute(0, "10.1.2.3/32", 100, "replace")).toThrow(deniedWith(/^plugin "p" may not replace route 10.1.2.3\/32 in table 100 of the host netns: only the main table/));
    expect(() => route(c, { hostRouteTables: [100] }).requireHostRoute(0, "10.1.2.3/32", 100, "replace")).not.toThrow();
    expect(() => route(c, { hostRoutes: ["192.168.0.0/16"] }).requireHostRoute(0, "192.168.7.0/24", undefined, "delete")).not.toThrow();
    expect(() => route({}).requireHostRoute(1, "0.0.0.0/0", 100, "add")).not.toThrow();
  });
});
