// ptp through the host binary, exec'd as a runtime execs it inside a test-made "host" netns,
// with host-local as its IPAM (in process). Kernel state is read back with `ip -j`.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { netnsPerTest, type TestNetns } from "../../helpers/netns";
import {
  addrs, buildSuitePlugins, call as callAs, callGo, type Caller, globalAddrs, GO_PLUGINS, linkNames, links, type Net,
  network, normalizeResult, ok, pings, pluginBinary, reservations, routes, routeTable,
} from "./attach-fixture";

const VERSIONS = ["1.0.0", "1.1.0"] as const;
let p: Caller;

beforeAll(async () => {
  p = { pluginDir: await buildSuitePlugins("ptp"), binary: pluginBinary("ptp") };
}, 180_000);


const netns = netnsPerTest();

const DUAL = { ranges: [[{ subnet: "10.20.0.0/24" }], [{ subnet: "fd20::/64" }]], routes: [{ dst: "0.0.0.0/0" }, { dst: "::/0" }] };

function conf(net: Net, extra: Record<string, unknown> = {}, ipam: Record<string, unknown> = DUAL, cniVersion = "1.0.0") {
  return { cniVersion, name: net.name, type: "ptp", ...extra, ipam: { type: "host-local", dataDir: net.dataDir, ...ipam } };
}

function hostVeth(containerId: string, ifname = "eth0"): string {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(`${containerId}/${ifname}`)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return `veth${h.toString(16).padStart(8, "0")}`;
}

const sysctl = (ns: TestNetns, key: string): string => ns.exec("cat", [`/proc/sys/${key.replaceAll(".", "/")}`]).trim();
const link = (ns: TestNetns, name: string) => links(ns).find((l) => l.ifname === name);

describe("ptp ADD", () => {
  for (const version of VERSIONS) {
    it(`ADD links eth0 to a host veth holding the gateways, with the subnet routed via the gateway (cniVersion ${version})`, () => {
      const host = netns("h"), c = netns("c"), net = network("ptp");
      const r = ok(callAs(p, "ADD", conf(net, {}, DUAL, version), c, host));
      const veth = hostVeth("ctr1");
      expect(r).toEqual({
        cniVersion: version,
        interfaces: [{ name: veth, mac: link(host, veth)!.address }, { name: "eth0", mac: link(c, "eth0")!.address, sandbox: c.path }],
        ips: [
          { interface: 1, address: "10.20.0.2/24", gateway: "10.20.0.1" },
          { interface: 1, address: "fd20::2/64", gateway: "fd20::1" },
        ],
        routes: [{ dst: "0.0.0.0/0" }, { dst: "::/0" }],
      });
      expect(globalAddrs(c, "eth0")).toEqual(["10.20.0.2/24", "fd20::2/64"]);
      expect(addrs(c, "eth0").filter((a) => a.scope === "global" && a.tentative)).toEqual([]);
      expect(globalAddrs(host, veth)).toEqual(["10.20.0.1/32", "fd20::1/128"]);
      // The kernel's prefix route is replaced by a link route to the gateway and the subnet via it.
      const r4 = routes(c, "-4");
      expect(r4).toContainEqual(expect.objectContaining({ dst: "10.20.0.1", dev: "eth0", scope: "link", prefsrc: "10.20.0.2" }));
      expect(r4).toContainEqual(expect.objectContaining({ dst: "10.20.0.0/24", gateway: "10.20.0.1", prefsrc: "10.20.0.2" }));
      expect(r4).toContainEqual(expect.objectContaining({ dst: "default", gateway: "10.20.0.1", dev: "eth0" }));
      expect(r4.filter((x) => x.dst === "10.20.0.0/24" && !x.gateway)).toEqual([]);
      const r6 = routes(c, "-6");
      expect(r6).toContainEqual(expect.objectContaining({ dst: "fd20::/64", gateway: "fd20::1" }));
      expect(r6).toContainEqual(expect.objectContaining({ dst: "default", gateway: "fd20::1" }));
      expect(routes(host, "-4")).toContainEqual(expect.objectContaining({ dst: "10.20.0.2", dev: veth, scope: "host" }));
      expect(routes(host, "-6")).toContainEqual(expect.objectContaining({ dst: "fd20::2", dev: veth }));
      expect(sysctl(host, "net.ipv4.ip_forward")).toBe("1");
      expect(sysctl(host, "net.ipv6.conf.all.forwarding")).toBe("1");
    });
  }

  it("two containers reach the gateway and each other through the host routes over IPv4 and IPv6", () => {
    const host = netns("h"), a = netns("a"), b = netns("b"), net = network("ptp");
    ok(callAs(p, "ADD", conf(net), a, host, { containerId: "a" }));
    ok(callAs(p, "ADD", conf(net), b, host, { containerId: "b" }));
    expect(pings(a, "10.20.0.1")).toBe(true);
    expect(pings(a, "10.20.0.3")).toBe(true);
    expect(pings(b, "10.20.0.2")).toBe(true);
    expect(pings(a, "fd20::1")).toBe(true);
    expect(pings(a, "fd20::3")).toBe(true);
    expect(pings(b, "fd20::2")).toBe(true);
  });

  it("mtu reaches both veth ends", () => {
    const host = netns("h"), c = netns("c"), net = network("ptp");
    ok(callAs(p, "ADD", conf(net, { mtu: 1300 }), c, host));
    expect(link(c, "eth0")!.mtu).toBe(1300);
    expect(link(host, hostVeth("ctr1"))!.mtu).toBe(1300);
  });

  it("ipMasq adds a masquerade rule per address to the host's wasm-cni-ptp table (traffic: firewall.test.ts)", () => {
    const host = netns("h"), c = netns("c"), net = network("ptp");
    ok(callAs(p, "ADD", conf(net, { ipMasq: true }), c, host));
    const ruleset = host.exec("nft", ["list", "table", "inet", "wasm-cni-ptp"]);
    expect(ruleset).toContain(`ip saddr 10.20.0.2 ip daddr != 10.20.0.0/24 ip daddr != 224.0.0.0/4 masquerade comment "${net.name}:ctr1/eth0 masquerade 10.20.0.2/24"`);
    expect(ruleset).toContain(`comment "${net.name}:ctr1/eth0 masquerade fd20::2/64"`);
  });

  it("an eth0 already in the container fails ADD with 999, releases the reservation and keeps that eth0", () => {
    const host = netns("h"), c = netns("c"), net = network("ptp");
    c.exec("ip", ["link", "add", "eth0", "type", "veth", "peer", "name", "eth0p"]);
    const r = callAs(p, "ADD", conf(net), c, host);
    expect(r.json).toMatchObject({ code: 999 });
    expect((r.json as { msg: string }).msg).toContain("already exists");
    expect(reservations(net)).toEqual([]);
    expect(linkNames(c)).toEqual(["eth0", "eth0p", "lo"]);
    expect(linkNames(host)).toEqual(["lo"]);
  });

  it.each([
    ["mtu is not a number", { mtu: "abc" }, {}, 'field "mtu"'],
    ["an ipam without type", {}, { type: undefined }, 'field "ipam.type" is required'],
  ])("a config with %s fails with code 7 and changes nothing", (_, extra, ipam, details) => {
    const host = netns("h"), c = netns("c"), net = network("ptp");
    const r = callAs(p, "ADD", conf(net, extra, { ...DUAL, ...ipam }), c, host);
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ code: 7 });
    expect((r.json as { details: string }).details).toContain(details);
    expect(linkNames(host)).toEqual(["lo"]);
    expect(linkNames(c)).toEqual(["lo"]);
    expect(reservations(net)).toEqual([]);
    expect(sysctl(host, "net.ipv4.ip_forward")).toBe("0");
  });
});

describe("ptp CHECK and DEL", () => {
  it("ADD, CHECK, DEL leave no link, address, route or reservation behind", () => {
    const host = netns("h"), c = netns("c"), net = network("ptp");
    const before = { c4: routes(c, "-4"), c6: routes(c, "-6"), h4: routes(host, "-4"), h6: routes(host, "-6") };
    const result = ok(callAs(p, "ADD", conf(net, {}, DUAL, "1.1.0"), c, host));
    ok(callAs(p, "CHECK", { ...conf(net, {}, DUAL, "1.1.0"), prevResult: result }, c, host));
    ok(callAs(p, "DEL", conf(net, {}, DUAL, "1.1.0"), c, host));
    expect(linkNames(c)).toEqual(["lo"]);
    expect(linkNames(host)).toEqual(["lo"]);
    expect({ c4: routes(c, "-4"), c6: routes(c, "-6"), h4: routes(host, "-4"), h6: routes(host, "-6") }).toEqual(before);
    expect(reservations(net)).toEqual([]);
  });

  it("CHECK fails with 999 when the container lost its route via the gateway", () => {
    const host = netns("h"), c = netns("c"), net = network("ptp");
    const result = ok(callAs(p, "ADD", conf(net), c, host));
    c.exec("ip", ["route", "del", "default"]);
    const r = callAs(p, "CHECK", { ...conf(net), prevResult: result }, c, host);
    expect(r.json).toMatchObject({ code: 999, msg: "expected route not found in routing table: 0.0.0.0/0" });
  });

  it("DEL twice succeeds", () => {
    const host = netns("h"), c = netns("c"), net = network("ptp");
    ok(callAs(p, "ADD", conf(net), c, host));
    ok(callAs(p, "DEL", conf(net), c, host));
    ok(callAs(p, "DEL", conf(net), c, host));
    expect(linkNames(host)).toEqual(["lo"]);
  });

  it("DEL with the netns already removed succeeds and still releases the addresses", async () => {
    const host = netns("h"), c = netns("c"), net = network("ptp");
    ok(callAs(p, "ADD", conf(net), c, host));
    c.remove();
    ok(callAs(p, "DEL", conf(net), c, host));
    expect(reservations(net)).toEqual([]);
    // The kernel tears a deleted netns down asynchronously; its veth's host end goes with it.
    await expect.poll(() => linkNames(host), { timeout: 5_000 }).toEqual(["lo"]);
  });
});

describe.skipIf(!existsSync(join(GO_PLUGINS, "ptp")))("ptp parity with the Go plugin (/usr/lib/cni, v1.1.1)", () => {
  it("ADD, dual stack, gives Go's result and Go's addresses and routes in the container and the host", () => {
    const goHost = netns("gh"), goC = netns("gc"), goNet = network("goptp");
    const host = netns("h"), c = netns("c"), net = network("ptp");
    const want = ok(callGo("ptp", "ADD", conf(goNet), goC, goHost));
    const got = ok(callAs(p, "ADD", conf(net), c, host));
    expect(normalizeResult(got)).toEqual(normalizeResult(want));
    expect(globalAddrs(c, "eth0")).toEqual(globalAddrs(goC, "eth0"));
    expect(routeTable(c)).toEqual(routeTable(goC));
    expect(routeTable(host)).toEqual(routeTable(goHost));
    ok(callGo("ptp", "DEL", conf(goNet), goC, goHost));
  });
});
