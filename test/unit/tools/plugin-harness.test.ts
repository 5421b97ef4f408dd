// The plugin author's harness (tools/plugin-harness.ts): real plugins (loopback, built from
// guest-plugins; route-override, built by the kit as its author would) run against the in-memory
// host through the host's canonical ABI, with no root and no namespaces. What a kernel does is
// tested in test/integration; here, the calls a plugin makes and what it makes of their answers.
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { grantFor } from "../../../host/runtime/policy";
import { loadPlugin, PluginTrap, type RouteInfo } from "../../../tools/plugin-harness";
import { buildExample, buildFixtures, buildPluginUnderTest } from "../../helpers/plugin-under-test";

let loopback: string, routeOverride: string, bridge: string, fixtures: string, tuning: string;

beforeAll(async () => {
  loopback = join(await buildPluginUnderTest("loopback"), "loopback.wasm");
  routeOverride = buildExample("route-override");
  bridge = join(await buildPluginUnderTest("bridge"), "bridge");
  fixtures = await buildFixtures(["panic", "spin"]);
  tuning = join(await buildPluginUnderTest("tuning"), "tuning.wasm");
}, 120_000);

const LO_CONF = { cniVersion: "1.1.0", name: "lo", type: "loopback" };

describe("plugin harness: loopback", () => {
  it("ADD sets lo up and reports its addresses; the calls are recorded with their arguments and outcomes", () => {
    const h = loadPlugin(loopback);
    expect(h.imports).toEqual(["addr", "link", "netns"]);
    const r = h.add(LO_CONF);
    expect(r).toEqual({ ok: true, value: expect.objectContaining({
      interfaces: [{ name: "lo", mac: "00:00:00:00:00:00", sandbox: "/run/netns/test" }],
      ips: [{ interface: 0, address: "127.0.0.1/8" }, { interface: 0, address: "::1/128" }],
    }) });
    expect(h.state.container.links.get("lo")?.up).toBe(true);
    expect(h.state.host.links.get("lo")?.up).toBe(false);
    expect(h.calls.map((c) => [c.fn, c.outcome])).toEqual([
      ["netns.container", "ok"], ["link.set", "ok"], ["addr.list", "ok"], ["addr.list", "ok"],
    ]);
    expect(h.calls[1]!.args).toEqual([1, "lo", expect.objectContaining({ up: true })]);
  });

  it("DEL sets lo down, and CHECK then fails with the plugin's CNI error", () => {
    const h = loadPlugin(loopback);
    expect(h.add(LO_CONF).ok).toBe(true);
    expect(h.del(LO_CONF)).toEqual({ ok: true, value: undefined });
    expect(h.state.container.links.get("lo")?.up).toBe(false);
    expect(h.check(LO_CONF)).toEqual({ ok: false, error: expect.objectContaining({ code: 999, msg: expect.stringMatching(/down/) }) });
  });

  it("a host function scripted to fail: link.set denied becomes the plugin's CNI error, recorded as denied", () => {
    const h = loadPlugin(loopback);
    h.fail("link.set", { tag: "denied", val: "not today" });
    const r = h.add(LO_CONF);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.msg).toMatch(/not today/);
    expect(h.calls.at(-1)).toEqual({ fn: "link.set", args: [1, "lo", expect.anything()], outcome: "denied: not today" });
    expect(h.state.container.links.get("lo")?.up).toBe(false);
  });

  it("a grant that leaves out an interface it imports refuses the load, as the host does", () => {
    expect(() => loadPlugin(loopback, { grant: { interfaces: ["netns", "link", "log"] } }))
      .toThrow(/imports cni:host\/addr, which its grant does not allow/);
  });
});

const prevResult = {
  cniVersion: "1.1.0",
  interfaces: [{ name: "eth0", sandbox: "/run/netns/test" }],
  ips: [{ interface: 0, address: "10.61.7.2/24", gateway: "10.61.7.1" }],
  routes: [{ dst: "0.0.0.0/0", gw: "10.61.7.1" }, { dst: "10.200.0.0/16", gw: "10.61.7.1" }],
};
const RO_CONF = (extra: object) => ({ cniVersion: "1.1.0", name: "ronet", type: "route-override", prevResult, ...extra });

/** The container after bridge's ADD: eth0 with its address, a link route, the default route and one more. */
function afterBridge(h: ReturnType<typeof loadPlugin>): void {
  h.addLink("container", "eth0", { kind: "veth", up: true, addrs: ["10.61.7.2/24"] });
  const routes: RouteInfo[] = [
    { dst: "10.61.7.0/24", dev: "eth0", scope: "link", onlink: false },
    { dst: "0.0.0.0/0", gw: "10.61.7.1", dev: "eth0", onlink: false },
    { dst: "10.200.0.0/16", gw: "10.61.7.1", dev: "eth0", onlink: false },
  ];
  h.state.container.routes.push(...routes);
}
const routeTexts = (rs: RouteInfo[]): string[] => rs.map((r) => `${r.dst}${r.gw ? ` via ${r.gw}` : ""}`).sort();

describe("plugin harness: route-override built with the kit", () => {
  it("its manifest is its grant: netns and route, no host netns", () => {
    const h = loadPlugin(routeOverride);
    expect(h.name).toBe("route-override");
    expect(h.imports).toEqual(["netns", "route"]);
  });

  it("flushroutes and addroutes: the gateway routes go, the link route stays, the new route is added and in the result", () => {
    const h = loadPlugin(routeOverride);
    afterBridge(h);
    const r = h.add(RO_CONF({ flushroutes: true, addroutes: [{ dst: "172.30.0.0/16", gw: "10.61.7.254" }] }));
    expect(r).toEqual({ ok: true, value: expect.objectContaining({ routes: [{ dst: "172.30.0.0/16", gw: "10.61.7.254" }] }) });
    expect(routeTexts(h.state.container.routes)).toEqual(["10.61.7.0/24", "172.30.0.0/16 via 10.61.7.254"]);
    expect(h.calls.map((c) => c.fn)).toEqual(["netns.container", "route.list", "route.delete", "route.delete", "route.add"]);
    expect(h.calls.at(-1)!.args).toEqual([1, expect.objectContaining({ dst: "172.30.0.0/16", gw: "10.61.7.254", dev: "eth0" })]);
    // CHECK gets the chain's result as prevResult, as a runtime passes it.
    const conf = RO_CONF({ flushroutes: true, addroutes: [{ dst: "172.30.0.0/16", gw: "10.61.7.254" }] });
    expect(h.check({ ...conf, prevResult: r.ok && r.value })).toEqual({ ok: true, value: undefined });
  });

  it("route.add failing in the kernel: ADD fails with the plugin's CNI error naming the route and the kernel's message", () => {
    const h = loadPlugin(routeOverride);
    afterBridge(h);
    h.fail("route.add", { tag: "kernel", val: { errno: 101, message: "network is unreachable" } });
    const r = h.add(RO_CONF({ addroutes: [{ dst: "172.30.0.0/16", gw: "10.99.0.1" }] }));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.msg).toMatch(/failed to add route 172\.30\.0\.0\/16 via 10\.99\.0\.1.*network is unreachable/);
    expect(h.calls.at(-1)!.outcome).toBe("kernel: network is unreachable");
  });
});

describe("plugin harness: bridge (a built folder, checked with its built-in grant)", () => {
  const conf = { cniVersion: "1.1.0", name: "n", type: "bridge", bridge: "cni0", isGateway: true, ipam: { type: "host-local", subnet: "10.10.0.0/24" } };
  const ipamResult = JSON.stringify({ cniVersion: "1.1.0", ips: [{ address: "10.10.0.2/24", gateway: "10.10.0.1" }], routes: [{ dst: "0.0.0.0/0" }] });

  it("ADD makes cni0 with the gateway, a veth into it, eth0 with IPAM's address and route, and turns on forwarding", () => {
    const h = loadPlugin(bridge);
    h.state.ipamResult = ipamResult;
    const r = h.add(conf);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    const cni0 = h.state.host.links.get("cni0")!;
    expect(cni0).toMatchObject({ kind: "bridge", up: true, addrs: ["10.10.0.1/24"] });
    const veth = [...h.state.host.links.values()].find((l) => l.kind === "veth")!;
    expect(veth).toMatchObject({ up: true, master: cni0.index, peerIndex: h.state.container.links.get("eth0")!.index });
    expect(h.state.container.links.get("eth0")).toMatchObject({ up: true, addrs: ["10.10.0.2/24"] });
    expect(h.state.container.routes).toEqual([expect.objectContaining({ dst: "0.0.0.0/0", gw: "10.10.0.1", dev: "eth0" })]);
    expect(h.state.host.sysctl.get("net.ipv4.ip_forward")).toBe("1");
  });

  it("a grant without ip_forward in its sysctlKeys: the host's own check denies sysctl.set, and ADD fails with the plugin's CNI error", () => {
    const g = grantFor("bridge");
    const h = loadPlugin(bridge, { grant: { ...g, sysctlKeys: g.sysctlKeys.filter((k) => k !== "net.ipv4.ip_forward") } });
    h.state.ipamResult = ipamResult;
    const r = h.add(conf);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.msg).toMatch(/may not use sysctl net\.ipv4\.ip_forward: not in its grant's sysctlKeys/);
    expect(h.calls.find((c) => c.fn === "sysctl.set" && c.args[1] === "net.ipv4.ip_forward")?.outcome).toMatch(/^denied: /);
  });
});

describe("plugin harness: a plugin that does not return", () => {
  it("a panic throws PluginTrap with the host's message: the guest's message, file and line", () => {
    const h = loadPlugin(join(fixtures, "panic")); // a built folder (meta.json) loads too
    const run = () => h.add({ cniVersion: "1.1.0", name: "p", type: "panic", mode: "throw" });
    expect(run).toThrow(PluginTrap);
    expect(run).toThrow(/^plugin "panic" panicked in add: boom \(at panic\.ts:\d+:\d+\)$/);
  });

  it("an endless loop is stopped at the time limit and throws PluginTrap", () => {
    const h = loadPlugin(join(fixtures, "spin"), { timeLimitMs: 100 });
    expect(() => h.add({ cniVersion: "1.1.0", name: "s", type: "spin" })).toThrow(/^plugin "spin" add: plugin ran longer than its time limit of 100 ms/);
  });
});

describe("plugin harness: tuning (its manifest's sysctlFromConfig)", () => {
  const conf = (sysctl: Record<string, string>) => ({
    cniVersion: "1.1.0", name: "t", type: "tuning", sysctl, mtu: 1400,
    prevResult: { cniVersion: "1.1.0", interfaces: [{ name: "eth0" }] },
  });

  it("the keys its config names are set in the container, IFNAME as the call's ifname; DEL puts them back", () => {
    const h = loadPlugin(tuning);
    h.addLink("container", "eth0");
    const r = h.add(conf({ "net.core.somaxconn": "500", "net.ipv4.conf.IFNAME.arp_filter": "1" }));
    expect(r.ok, JSON.stringify(r)).toBe(true);
    expect([...h.state.container.sysctl]).toEqual([["net/core/somaxconn", "500"], ["net/ipv4/conf/eth0/arp_filter", "1"]]);
    expect(h.state.container.links.get("eth0")?.mtu).toBe(1400);
    expect(h.del(conf({ "net.core.somaxconn": "500", "net.ipv4.conf.IFNAME.arp_filter": "1" })).ok).toBe(true);
    expect([...h.state.container.sysctl]).toEqual([["net/core/somaxconn", "0"], ["net/ipv4/conf/eth0/arp_filter", "0"]]);
    expect(h.state.container.links.get("eth0")?.mtu).toBe(1500);
  });
});

