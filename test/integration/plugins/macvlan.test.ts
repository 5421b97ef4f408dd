// macvlan through the host binary, exec'd inside a test-made "host" netns that holds the
// master (one end of a veth pair whose other end is in a "wire" netns), with host-local or
// static as IPAM (in process); and side by side with the Go plugin (/usr/lib/cni/macvlan).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildPluginsUnderTest } from "../../helpers/plugin-under-test";
import { netnsPerTest, ipJson, type TestNetns } from "../../helpers/netns";
import {
  call, callGo, type Caller, globalAddrs, GO_PLUGINS, type IpLink, linkNames, links, network, type Net, normalizeResult, ok, pings,
  pluginBinary, reservations, routeTable,
} from "./attach-fixture";

let p: Caller;

beforeAll(async () => {
  p = { pluginDir: await buildPluginsUnderTest(["macvlan", "host-local", "static"]), binary: pluginBinary("macvlan") };
}, 300_000);


const netns = netnsPerTest();

/** A host netns whose `eth0` (mtu 1500) is wired to `peer` in a "wire" netns holding 10.20.0.1/24 and fd20::1/64. */
function hostWithMaster(): { host: TestNetns; wire: TestNetns } {
  const host = netns("h"), wire = netns("w");
  host.exec("ip", ["link", "add", "eth0", "type", "veth", "peer", "name", "peer", "netns", wire.name]);
  host.exec("ip", ["link", "set", "eth0", "up"]);
  wire.exec("ip", ["addr", "add", "10.20.0.1/24", "dev", "peer"]);
  wire.exec("ip", ["addr", "add", "fd20::1/64", "dev", "peer", "nodad"]);
  wire.exec("ip", ["link", "set", "peer", "up"]);
  return { host, wire };
}

const DUAL = { ranges: [[{ subnet: "10.20.0.0/24", gateway: "10.20.0.1" }], [{ subnet: "fd20::/64", gateway: "fd20::1" }]], routes: [{ dst: "0.0.0.0/0" }] };

function conf(net: Net, extra: Record<string, unknown> = {}, ipam: Record<string, unknown> | null = DUAL, cniVersion = "1.0.0") {
  return { cniVersion, name: net.name, type: "macvlan", master: "eth0", ...extra, ...(ipam && { ipam: { type: "host-local", dataDir: net.dataDir, ...ipam } }) };
}

const link = (ns: TestNetns, name: string) => links(ns).find((l) => l.ifname === name);
type MacvlanLink = IpLink & { link?: string; linkinfo?: { info_kind?: string; info_data?: { mode?: string } } };
const details = (ns: TestNetns, name: string) => ipJson<MacvlanLink[]>(ns, ["-d", "link", "show", "dev", name])[0]!;

describe("macvlan ADD", () => {
  for (const version of ["0.4.0", "1.0.0", "1.1.0"]) {
    it(`ADD makes eth0 a macvlan in bridge mode with the IPAM addresses and routes (cniVersion ${version})`, () => {
      const { host } = hostWithMaster(), c = netns("c"), net = network("mv");
      const r = ok(call(p, "ADD", conf(net, {}, DUAL, version), c, host));
      const eth0 = details(c, "eth0");
      expect(eth0.linkinfo?.info_kind).toBe("macvlan");
      expect(eth0.linkinfo?.info_data?.mode).toBe("bridge");
      expect(eth0.flags).toContain("UP");
      expect(globalAddrs(c, "eth0")).toEqual(["10.20.0.2/24", "fd20::2/64"]);
      expect(routeTable(c)).toContain("default via 10.20.0.1 dev eth0");
      expect(reservations(net)).toEqual(["10.20.0.2", "fd20::2"]);
      expect(linkNames(host)).toEqual(["eth0", "lo"]); // nothing left in the host netns
      if (version === "0.4.0") {
        expect(r.interfaces).toEqual([{ name: "eth0", mac: eth0.address, sandbox: c.path }]);
      } else {
        expect(r).toEqual({
          cniVersion: version,
          interfaces: [{ name: "eth0", mac: eth0.address, sandbox: c.path }],
          ips: [{ interface: 0, address: "10.20.0.2/24", gateway: "10.20.0.1" }, { interface: 0, address: "fd20::2/64", gateway: "fd20::1" }],
          routes: [{ dst: "0.0.0.0/0" }],
        });
      }
    });
  }

  it("two containers on one master reach each other and the wire over IPv4 and IPv6", () => {
    const { host } = hostWithMaster(), a = netns("a"), b = netns("b"), net = network("mv");
    ok(call(p, "ADD", conf(net), a, host, { containerId: "a" }));
    ok(call(p, "ADD", conf(net), b, host, { containerId: "b" }));
    expect(pings(a, "10.20.0.3")).toBe(true);
    expect(pings(b, "10.20.0.1")).toBe(true);
    expect(pings(a, "fd20::3")).toBe(true);
  });

  it("mode, mtu, bcqueuelen and a runtimeConfig MAC reach the link", () => {
    const { host } = hostWithMaster(), c = netns("c"), net = network("mv");
    const r = ok(call(p, "ADD", conf(net, { mode: "private", mtu: 1400, bcqueuelen: 200, runtimeConfig: { mac: "0a:58:0a:14:00:99" } }), c, host));
    const eth0 = details(c, "eth0") as MacvlanLink & { linkinfo?: { info_data?: { mode?: string; bcqueuelen?: number } } };
    expect(eth0.linkinfo?.info_data?.mode).toBe("private");
    expect(eth0.mtu).toBe(1400);
    expect(eth0.address).toBe("0a:58:0a:14:00:99");
    expect(r.interfaces[0].mac).toBe("0a:58:0a:14:00:99");
  });

  it("without master the link of the host's default route is the master", () => {
    const { host } = hostWithMaster(), c = netns("c"), net = network("mv");
    host.exec("ip", ["link", "add", "other", "type", "veth", "peer", "name", "other1"]);
    host.exec("ip", ["route", "add", "default", "dev", "eth0"]);
    ok(call(p, "ADD", { ...conf(net), master: undefined }, c, host));
    expect(details(c, "eth0").linkinfo?.info_kind).toBe("macvlan");
  });

  it("linkInContainer takes the master from the container netns", () => {
    const host = netns("h"), c = netns("c"), net = network("mv");
    c.exec("ip", ["link", "add", "m0", "type", "veth", "peer", "name", "m1"]);
    ok(call(p, "ADD", conf(net, { master: "m0", linkInContainer: true }), c, host));
    expect(details(c, "eth0").linkinfo?.info_kind).toBe("macvlan");
  });

  it("static IPAM gives the configured address and route", () => {
    const { host } = hostWithMaster(), c = netns("c"), net = network("mv");
    const ipam = { type: "static", addresses: [{ address: "10.20.0.50/24", gateway: "10.20.0.1" }], routes: [{ dst: "0.0.0.0/0" }] };
    const r = ok(call(p, "ADD", { ...conf(net, {}, null), ipam }, c, host));
    expect(r.ips).toEqual([{ interface: 0, address: "10.20.0.50/24", gateway: "10.20.0.1" }]);
    expect(globalAddrs(c, "eth0")).toEqual(["10.20.0.50/24"]);
    expect(pings(c, "10.20.0.1")).toBe(true);
  });

  it("without ipam the link is only brought up (layer 2)", () => {
    const { host } = hostWithMaster(), c = netns("c"), net = network("mv");
    const r = ok(call(p, "ADD", conf(net, {}, null), c, host));
    expect(r.ips).toBeUndefined();
    expect(link(c, "eth0")!.flags).toContain("UP");
    expect(globalAddrs(c, "eth0")).toEqual([]);
  });
});

describe("macvlan failures", () => {
  it("a master that does not exist fails ADD with 999 before any reservation", () => {
    const { host } = hostWithMaster(), c = netns("c"), net = network("mv");
    const r = call(p, "ADD", conf(net, { master: "nope0" }), c, host);
    expect(r.json).toMatchObject({ code: 999 });
    expect((r.json as { msg: string }).msg).toMatch(/^failed to lookup master "nope0": not found/);
    expect(reservations(net)).toEqual([]);
    expect(linkNames(c)).toEqual(["lo"]);
  });

  it("an mtu above the master's fails with 999 and Go's message", () => {
    const { host } = hostWithMaster(), c = netns("c"), net = network("mv");
    const r = call(p, "ADD", conf(net, { mtu: 9000 }), c, host);
    expect(r.json).toMatchObject({ code: 999, msg: "invalid MTU 9000, must be [0, master MTU(1500)]" });
  });

  it.each([
    ["an unknown mode", { mode: "l3" }, 'field "mode" must be one of'],
    ["a malformed MAC", { runtimeConfig: { mac: "zz" } }, 'field "mac" must be a MAC address'],
  ])("a config with %s fails with code 7 and changes nothing", (_, extra, details) => {
    const { host } = hostWithMaster(), c = netns("c"), net = network("mv");
    const r = call(p, "ADD", conf(net, extra), c, host);
    expect(r.json).toMatchObject({ code: 7 });
    expect((r.json as { details: string }).details).toContain(details);
    expect(linkNames(c)).toEqual(["lo"]);
    expect(reservations(net)).toEqual([]);
  });

  it.each([
    ["the master the config names", {}],
    ["the default route's link (no master)", { master: undefined }],
  ])("mode passthru on %s is denied under the built-in grant (no parentTakeover): 999, the master not taken over", (_, extra) => {
    const { host } = hostWithMaster(), c = netns("c"), net = network("mv");
    host.exec("ip", ["route", "add", "default", "dev", "eth0"]);
    const before = ipJson(host, ["-d", "link", "show"]);
    const r = call(p, "ADD", conf(net, { mode: "passthru", ...extra }), c, host);
    expect(r.json).toMatchObject({ code: 999, msg: expect.stringMatching(/may not make a macvlan in passthru mode on host link eth0: taking over a host link needs parentTakeover: true/) });
    expect(ipJson(host, ["-d", "link", "show"])).toEqual(before);
    expect(link(host, "eth0")!.flags).not.toContain("PROMISC");
    expect(linkNames(c)).toEqual(["lo"]);
    expect(reservations(net)).toEqual([]);
  });

  it("IPAM failing (range full) deletes the new link", () => {
    const { host } = hostWithMaster(), a = netns("a"), b = netns("b"), net = network("mv");
    const tiny = { ranges: [[{ subnet: "10.20.0.0/30" }]] }; // one usable address besides the gateway
    ok(call(p, "ADD", conf(net, {}, tiny), a, host, { containerId: "a" }));
    const r = call(p, "ADD", conf(net, {}, tiny), b, host, { containerId: "b" });
    expect(r.code).toBe(1);
    expect(linkNames(b)).toEqual(["lo"]);
  });
});

describe("macvlan CHECK and DEL", () => {
  it("ADD, CHECK, DEL leave no link, address or reservation behind", () => {
    const { host } = hostWithMaster(), c = netns("c"), net = network("mv");
    const result = ok(call(p, "ADD", conf(net, {}, DUAL, "1.1.0"), c, host));
    ok(call(p, "CHECK", { ...conf(net, {}, DUAL, "1.1.0"), prevResult: result }, c, host));
    ok(call(p, "DEL", conf(net, {}, DUAL, "1.1.0"), c, host));
    expect(linkNames(c)).toEqual(["lo"]);
    expect(linkNames(host)).toEqual(["eth0", "lo"]);
    expect(reservations(net)).toEqual([]);
  });

  it("CHECK fails with 999 when the container lost its address", () => {
    const { host } = hostWithMaster(), c = netns("c"), net = network("mv");
    const result = ok(call(p, "ADD", conf(net), c, host));
    c.exec("ip", ["addr", "del", "10.20.0.2/24", "dev", "eth0"]);
    expect(call(p, "CHECK", { ...conf(net), prevResult: result }, c, host).json).toMatchObject({ code: 999, msg: "failed to match addr 10.20.0.2/24 on eth0" });
  });

  it("CHECK fails with 999 when the link's mode is not the config's (the kernel's IFLA_MACVLAN_MODE)", () => {
    const { host } = hostWithMaster(), c = netns("c"), net = network("mv");
    const result = ok(call(p, "ADD", conf(net, { mode: "private" }), c, host));
    ok(call(p, "CHECK", { ...conf(net, { mode: "private" }), prevResult: result }, c, host));
    expect(call(p, "CHECK", { ...conf(net, { mode: "vepa" }), prevResult: result }, c, host).json)
      .toMatchObject({ code: 999, msg: "Container macvlan mode private does not match expected value: vepa" });
  });

  it("DEL twice succeeds; DEL with the netns gone releases the addresses", () => {
    const { host } = hostWithMaster(), c = netns("c"), net = network("mv");
    ok(call(p, "ADD", conf(net), c, host));
    ok(call(p, "DEL", conf(net), c, host));
    ok(call(p, "DEL", conf(net), c, host));
    ok(call(p, "ADD", conf(net), c, host));
    c.remove();
    ok(call(p, "DEL", conf(net), c, host));
    expect(reservations(net)).toEqual([]);
  });
});

describe("macvlan STATUS and GC", () => {
  it("STATUS reaches host-local; GC with no valid attachments releases the reservation (1.1.0)", () => {
    const { host } = hostWithMaster(), c = netns("c"), net = network("mv");
    ok(call(p, "ADD", conf(net, {}, DUAL, "1.1.0"), c, host));
    ok(call(p, "STATUS", conf(net, {}, DUAL, "1.1.0"), c, host));
    ok(call(p, "GC", { ...conf(net, {}, DUAL, "1.1.0"), "cni.dev/valid-attachments": [] }, c, host));
    expect(reservations(net)).toEqual([]);
  });
});

describe.skipIf(!existsSync(join(GO_PLUGINS, "macvlan")))("macvlan parity with the Go plugin (/usr/lib/cni, v1.1.1)", () => {
  it.each([
    ["dual stack, bridge mode", {}, DUAL],
    ["IPv4 only, vepa mode, mtu 1400", { mode: "vepa", mtu: 1400 }, { ranges: [[{ subnet: "10.20.0.0/24" }]] }],
    ["no ipam (layer 2)", {}, null],
  ])("ADD with %s gives Go's result, container addresses, routes, mode and mtu", (_, extra: Record<string, unknown>, ipam) => {
    const { host: goHost } = hostWithMaster(), goC = netns("gc"), goNet = network("gomv");
    const { host } = hostWithMaster(), c = netns("c"), net = network("mv");
    const want = ok(callGo("macvlan", "ADD", conf(goNet, extra, ipam), goC, goHost));
    const got = ok(call(p, "ADD", conf(net, extra, ipam), c, host));
    expect(normalizeResult(got)).toEqual(normalizeResult(want));
    expect(globalAddrs(c, "eth0")).toEqual(globalAddrs(goC, "eth0"));
    expect(routeTable(c)).toEqual(routeTable(goC));
    const [mine, go] = [details(c, "eth0"), details(goC, "eth0")];
    expect([mine.linkinfo?.info_data?.mode, mine.mtu, mine.flags.includes("UP")]).toEqual([go.linkinfo?.info_data?.mode, go.mtu, go.flags.includes("UP")]);
    expect(linkNames(host)).toEqual(linkNames(goHost));
    ok(callGo("macvlan", "DEL", conf(goNet, extra, ipam), goC, goHost));
    expect(linkNames(goC)).toEqual(["lo"]);
  });
});
