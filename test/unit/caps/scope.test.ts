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
