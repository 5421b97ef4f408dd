// routed (Calico's pod network without BGP) through the host binary, exec'd as a runtime execs
// it inside a test-made node netns, with host-local as its IPAM (in process). The node has an
// uplink but no default route: the pod's gateway is a permanent neighbour, so it needs none
// (proxy ARP alone would answer only for an address the node routes elsewhere). Kernel state is
// read back with `ip -j`.
import { beforeAll, describe, expect, it } from "vitest";
import { ip, ipJson, netnsPerTest, type TestNetns } from "../../helpers/netns";
import {
  addrs, buildSuitePlugins, call as callAs, type Caller, globalAddrs, linkNames, links, type Net, network, ok, pings,
  pluginBinary, reservations, routes,
} from "./attach-fixture";

const VERSIONS = ["1.0.0", "1.1.0"] as const;
let p: Caller;

beforeAll(async () => {
  p = { pluginDir: await buildSuitePlugins("routed"), binary: pluginBinary("routed") };
}, 180_000);

const netns = netnsPerTest();

const V4 = { ranges: [[{ subnet: "10.30.0.0/24" }]] };
const DUAL = { ranges: [[{ subnet: "10.30.0.0/24" }], [{ subnet: "fd30::/64" }]] };

function conf(net: Net, extra: Record<string, unknown> = {}, ipam: Record<string, unknown> = DUAL, cniVersion = "1.0.0") {
  return { cniVersion, name: net.name, type: "routed", ...extra, ipam: { type: "host-local", dataDir: net.dataDir, ...ipam } };
}

function hostVeth(containerId: string, ifname = "eth0"): string {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(`${containerId}/${ifname}`)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return `veth${h.toString(16).padStart(8, "0")}`;
}

/** A node netns with an uplink (a veth pair of its own) holding 192.168.50.1/24; no default route. */
function node(): TestNetns {
  const n = netns("node");
  ip(n, "link", "add", "up0", "type", "veth", "peer", "name", "up1");
  ip(n, "link", "set", "up0", "up");
  ip(n, "link", "set", "up1", "up");
  ip(n, "addr", "add", "192.168.50.1/24", "dev", "up0");
  return n;
}

const sysctl = (ns: TestNetns, key: string): string => ns.exec("cat", [`/proc/sys/${key.replaceAll(".", "/")}`]).trim();
const link = (ns: TestNetns, name: string) => links(ns).find((l) => l.ifname === name);

/** Everything ADD could leave in a netns: links, addresses, routes of every table, neighbours. */
function dump(ns: TestNetns): unknown {
  return {
    links: linkNames(ns),
    addrs: ipJson<{ ifname: string; addr_info: { local: string; prefixlen: number }[] }[]>(ns, ["addr", "show"])
      .map((l) => [l.ifname, l.addr_info.map((a) => `${a.local}/${a.prefixlen}`).sort()]),
    routes4: ipJson(ns, ["-4", "route", "show", "table", "all"]),
    // Without the kernel's link-local routes: they appear on their own when DAD ends.
    routes6: ipJson<{ dst: string }[]>(ns, ["-6", "route", "show", "table", "all"]).filter((r) => !r.dst.startsWith("fe80:")),
  };
}

describe("routed ADD", () => {
  for (const version of VERSIONS) {
    it(`ADD gives the pod /32 and /128 addresses, default routes via 169.254.1.1 and fe80::1 onlink, and the node a host route per address (cniVersion ${version})`, () => {
      const host = node(), c = netns("c"), net = network("routed");
      const r = ok(callAs(p, "ADD", conf(net, {}, DUAL, version), c, host));
      const veth = hostVeth("ctr1");
      expect(r).toEqual({
        cniVersion: version,
        interfaces: [{ name: veth, mac: link(host, veth)!.address }, { name: "eth0", mac: link(c, "eth0")!.address, sandbox: c.path }],
        ips: [
          { interface: 1, address: "10.30.0.2/32", gateway: "169.254.1.1" },
          { interface: 1, address: "fd30::2/128", gateway: "fe80::1" },
        ],
        routes: [{ dst: "0.0.0.0/0", gw: "169.254.1.1" }, { dst: "::/0", gw: "fe80::1" }],
      });
      expect(globalAddrs(c, "eth0")).toEqual(["10.30.0.2/32", "fd30::2/128"]);
      expect(addrs(c, "eth0").filter((a) => a.scope === "global" && a.tentative)).toEqual([]);
      expect(routes(c, "-4")).toEqual([expect.objectContaining({ dst: "default", gateway: "169.254.1.1", dev: "eth0", flags: ["onlink"] })]);
      expect(routes(c, "-6")).toContainEqual(expect.objectContaining({ dst: "default", gateway: "fe80::1", dev: "eth0", flags: ["onlink"] }));
      expect(ipJson(c, ["neigh", "show", "dev", "eth0"])).toContainEqual(
        expect.objectContaining({ dst: "169.254.1.1", lladdr: link(host, veth)!.address, state: ["PERMANENT"] }));
      // The host end: proxy ARP, fe80::1 without DAD, a host route per pod address, forwarding.
      expect(sysctl(host, `net.ipv4.conf.${veth}.proxy_arp`)).toBe("1");
      expect(addrs(host, veth)).toContainEqual(expect.objectContaining({ local: "fe80::1", prefixlen: 64, scope: "link", nodad: true }));
      expect(routes(host, "-4")).toContainEqual(expect.objectContaining({ dst: "10.30.0.2", dev: veth, scope: "link" }));
      expect(routes(host, "-6")).toContainEqual(expect.objectContaining({ dst: "fd30::2", dev: veth }));
      expect(sysctl(host, "net.ipv4.ip_forward")).toBe("1");
      expect(sysctl(host, "net.ipv6.conf.all.forwarding")).toBe("1");
    });
  }

  it("two pods reach each other and the node over IPv4", () => {
    const host = node(), a = netns("a"), b = netns("b"), net = network("routed");
    ok(callAs(p, "ADD", conf(net, {}, V4), a, host, { containerId: "a" }));
    ok(callAs(p, "ADD", conf(net, {}, V4), b, host, { containerId: "b" }));
    expect(sysctl(host, "net.ipv6.conf.all.forwarding")).toBe("0"); // IPv4 only: IPv6 untouched
    expect(pings(a, "10.30.0.3")).toBe(true);
    expect(pings(b, "10.30.0.2")).toBe(true);
    expect(pings(a, "192.168.50.1")).toBe(true); // the node's own address
    expect(pings(host, "10.30.0.2")).toBe(true);
    // A pod that flushed its neighbours gets the gateway back from the host end's proxy ARP.
    ip(host, "route", "add", "default", "via", "192.168.50.2", "dev", "up0"); // proxy ARP answers only for an address routed elsewhere
    a.exec("ip", ["neigh", "flush", "dev", "eth0", "nud", "permanent"]);
    expect(pings(a, "10.30.0.3")).toBe(true);
    const neigh = ipJson<{ dst: string; lladdr?: string; state?: string[] }[]>(a, ["neigh", "show", "dev", "eth0"]);
    const gw = neigh.find((n) => n.dst === "169.254.1.1");
    expect(gw).toMatchObject({ lladdr: link(host, hostVeth("a"))!.address }); // learned again: the host end answered
    expect(gw!.state).not.toContain("PERMANENT");
  });

  it("two pods reach each other and the node over IPv4 and IPv6 (dual stack)", () => {
    const host = node(), a = netns("a"), b = netns("b"), net = network("routed");
    ip(host, "addr", "add", "fd50::1/64", "dev", "up0", "nodad");
    ok(callAs(p, "ADD", conf(net), a, host, { containerId: "a" }));
    ok(callAs(p, "ADD", conf(net), b, host, { containerId: "b" }));
    for (const [from, to] of [[a, "10.30.0.3"], [b, "10.30.0.2"], [a, "fd30::3"], [b, "fd30::2"], [a, "192.168.50.1"], [a, "fd50::1"], [host, "fd30::2"]] as const) {
      expect(pings(from, to), `${from.name} → ${to}`).toBe(true);
    }
  });

  it("mtu reaches both veth ends", () => {
    const host = node(), c = netns("c"), net = network("routed");
    ok(callAs(p, "ADD", conf(net, { mtu: 1400 }), c, host));
    expect(link(c, "eth0")!.mtu).toBe(1400);
    expect(link(host, hostVeth("ctr1"))!.mtu).toBe(1400);
  });

  it("IPAM's other routes go via the gateway onlink; its default is the one routed makes", () => {
    const host = node(), c = netns("c"), net = network("routed");
    const r = ok(callAs(p, "ADD", conf(net, {}, { ...V4, routes: [{ dst: "0.0.0.0/0" }, { dst: "10.40.0.0/16", gw: "10.30.0.9" }] }), c, host));
    expect(r.routes).toEqual([{ dst: "0.0.0.0/0", gw: "169.254.1.1" }, { dst: "10.40.0.0/16", gw: "169.254.1.1" }]);
    expect(routes(c, "-4")).toContainEqual(expect.objectContaining({ dst: "10.40.0.0/16", gateway: "169.254.1.1", flags: ["onlink"] }));
  });

  it.each([
    ["mtu is not a number", { mtu: "abc" }, {}, 'field "mtu"'],
    ["mtu above 65535", { mtu: 70000 }, {}, 'field "mtu" is 70000, must be 0 (the kernel\'s default) or between 68 and 65535'],
    ["mtu below 68", { mtu: 60 }, {}, 'field "mtu" is 60, must be 0'],
    ["an ipam without type", {}, { type: undefined }, 'field "ipam.type" is required'],
  ])("a config with %s fails with code 7 and changes nothing", (_, extra, ipam, details) => {
    const host = node(), c = netns("c"), net = network("routed");
    const before = { host: dump(host), c: dump(c) };
    const r = callAs(p, "ADD", conf(net, extra, { ...DUAL, ...ipam }), c, host);
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ code: 7 });
    expect((r.json as { details: string }).details).toContain(details);
    expect({ host: dump(host), c: dump(c) }).toEqual(before);
    expect(reservations(net)).toEqual([]);
    expect(sysctl(host, "net.ipv4.ip_forward")).toBe("0");
  });

  it("an eth0 already in the container fails ADD with 999, releases the reservation and leaves the node as it was", () => {
    const host = node(), c = netns("c"), net = network("routed");
    c.exec("ip", ["link", "add", "eth0", "type", "veth", "peer", "name", "eth0p"]);
    const before = dump(host);
    const r = callAs(p, "ADD", conf(net), c, host);
    expect(r.json).toMatchObject({ code: 999 });
    expect((r.json as { msg: string }).msg).toContain("already exists");
    expect(reservations(net)).toEqual([]);
    expect(linkNames(c)).toEqual(["eth0", "eth0p", "lo"]);
    expect(dump(host)).toEqual(before);
  });
});

describe("routed CHECK and DEL", () => {
  it("ADD, CHECK, DEL of two pods leave no link, address, route or reservation behind", () => {
    const host = node(), a = netns("a"), b = netns("b"), net = network("routed");
    const before = { host: dump(host), a: dump(a), b: dump(b) };
    const ra = ok(callAs(p, "ADD", conf(net, {}, DUAL, "1.1.0"), a, host, { containerId: "a" }));
    const rb = ok(callAs(p, "ADD", conf(net, {}, DUAL, "1.1.0"), b, host, { containerId: "b" }));
    ok(callAs(p, "CHECK", { ...conf(net, {}, DUAL, "1.1.0"), prevResult: ra }, a, host, { containerId: "a" }));
    ok(callAs(p, "CHECK", { ...conf(net, {}, DUAL, "1.1.0"), prevResult: rb }, b, host, { containerId: "b" }));
    ok(callAs(p, "DEL", conf(net, {}, DUAL, "1.1.0"), a, host, { containerId: "a" }));
    ok(callAs(p, "DEL", conf(net, {}, DUAL, "1.1.0"), b, host, { containerId: "b" }));
    expect({ host: dump(host), a: dump(a), b: dump(b) }).toEqual(before);
    expect(reservations(net)).toEqual([]);
  });

  it("CHECK fails with 999 when the pod lost its default route", () => {
    const host = node(), c = netns("c"), net = network("routed");
    const result = ok(callAs(p, "ADD", conf(net), c, host));
    c.exec("ip", ["route", "del", "default"]);
    const r = callAs(p, "CHECK", { ...conf(net), prevResult: result }, c, host);
    expect(r.json).toMatchObject({ code: 999, msg: "expected route not found in routing table: 0.0.0.0/0 via 169.254.1.1" });
  });

  it("CHECK fails with 999 when the node lost a pod's host route or proxy ARP", () => {
    const host = node(), c = netns("c"), net = network("routed");
    const result = ok(callAs(p, "ADD", conf(net), c, host));
    const veth = hostVeth("ctr1");
    host.exec("ip", ["route", "del", "10.30.0.2/32", "dev", veth]);
    expect(callAs(p, "CHECK", { ...conf(net), prevResult: result }, c, host).json)
      .toMatchObject({ code: 999, msg: `expected host route not found: 10.30.0.2/32 dev ${veth}` });
    host.exec("ip", ["route", "add", "10.30.0.2/32", "dev", veth]);
    host.exec("sysctl", ["-qw", `net.ipv4.conf.${veth}.proxy_arp=0`]);
    expect(callAs(p, "CHECK", { ...conf(net), prevResult: result }, c, host).json)
      .toMatchObject({ code: 999, msg: `proxy ARP is off on ${veth}: net.ipv4.conf.${veth}.proxy_arp = 0` });
  });

  it("DEL without CNI_NETNS removes the host end and its routes by name, and releases the addresses", () => {
    const host = node(), c = netns("c"), net = network("routed");
    const before = dump(host);
    ok(callAs(p, "ADD", conf(net), c, host));
    ok(callAs(p, "DEL", conf(net), "", host));
    expect(dump(host)).toEqual(before);
    expect(reservations(net)).toEqual([]);
  });

  it("DEL twice succeeds, and DEL with the netns gone succeeds", () => {
    const host = node(), c = netns("c"), net = network("routed");
    ok(callAs(p, "ADD", conf(net), c, host));
    ok(callAs(p, "DEL", conf(net), c, host));
    ok(callAs(p, "DEL", conf(net), c, host));
    const d = netns("d");
    ok(callAs(p, "ADD", conf(net), d, host, { containerId: "d" }));
    const gone = d.path;
    d.remove();
    ok(callAs(p, "DEL", conf(net), gone, host, { containerId: "d" }));
    expect(linkNames(host)).toEqual(["lo", "up0", "up1"]);
    expect(reservations(net)).toEqual([]);
  });
});
