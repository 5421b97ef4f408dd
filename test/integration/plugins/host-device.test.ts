// host-device through the host binary, exec'd inside a test-made "host" netns holding the
// device: one end of a veth pair (this kernel has no dummy; a PCI device is out of reach in a
// sandbox) whose other end is in a "wire" netns; and side by side with the Go plugin
// (/usr/lib/cni/host-device, v1.1.1).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildPluginsUnderTest } from "../../helpers/plugin-under-test";
import { netnsPerTest, ipJson, type TestNetns } from "../../helpers/netns";
import {
  call, callGo, type Caller, globalAddrs, GO_PLUGINS, type IpLink, linkNames, network, type Net, normalizeResult, ok, pings,
  pluginBinary, reservations, routeTable,
} from "./attach-fixture";

let p: Caller;

beforeAll(async () => {
  p = { pluginDir: await buildPluginsUnderTest(["host-device", "host-local", "static"]), binary: pluginBinary("host-device") };
}, 300_000);


const netns = netnsPerTest();

/** A host netns whose `dev0` (up, mac 0a:00:00:00:00:d0) is wired to `peer` in a "wire" netns holding 10.30.0.1/24. */
function hostWithDevice(): { host: TestNetns; wire: TestNetns } {
  const host = netns("h"), wire = netns("w");
  host.exec("ip", ["link", "add", "dev0", "address", "0a:00:00:00:00:d0", "type", "veth", "peer", "name", "peer", "netns", wire.name]);
  host.exec("ip", ["link", "set", "dev0", "up"]);
  wire.exec("ip", ["addr", "add", "10.30.0.1/24", "dev", "peer"]);
  wire.exec("ip", ["link", "set", "peer", "up"]);
  return { host, wire };
}

const V4 = { ranges: [[{ subnet: "10.30.0.0/24", gateway: "10.30.0.1" }]], routes: [{ dst: "0.0.0.0/0" }] };

function conf(net: Net, extra: Record<string, unknown> = { device: "dev0" }, ipam: Record<string, unknown> | null = V4, cniVersion = "1.0.0") {
  return { cniVersion, name: net.name, type: "host-device", ...extra, ...(ipam && { ipam: { type: "host-local", dataDir: net.dataDir, ...ipam } }) };
}

type Detailed = IpLink & { ifalias?: string };
const details = (ns: TestNetns, name: string): Detailed | undefined => ipJson<Detailed[]>(ns, ["-d", "link", "show"]).find((l) => l.ifname === name);

describe("host-device ADD", () => {
  for (const version of ["0.4.0", "1.0.0", "1.1.0"]) {
    it(`ADD moves dev0 into the container as eth0 with its alias, the IPAM address and routes (cniVersion ${version})`, () => {
      const { host } = hostWithDevice(), c = netns("c"), net = network("hd");
      const r = ok(call(p, "ADD", conf(net, { device: "dev0" }, V4, version), c, host));
      const eth0 = details(c, "eth0")!;
      expect(eth0.ifalias).toBe("dev0");
      expect(eth0.address).toBe("0a:00:00:00:00:d0");
      expect(eth0.flags).toContain("UP");
      expect(globalAddrs(c, "eth0")).toEqual(["10.30.0.2/24"]);
      expect(routeTable(c)).toContain("default via 10.30.0.1 dev eth0");
      expect(linkNames(host)).toEqual(["lo"]);
      expect(pings(c, "10.30.0.1")).toBe(true);
      expect(r.interfaces).toEqual([{ name: "eth0", mac: "0a:00:00:00:00:d0", sandbox: c.path }]);
      if (version !== "0.4.0") expect(r.ips).toEqual([{ interface: 0, address: "10.30.0.2/24", gateway: "10.30.0.1" }]);
    });
  }

  it.each([
    ["hwaddr", { hwaddr: "0A:00:00:00:00:D0" }],
    ["hwaddr with dashes", { hwaddr: "0a-00-00-00-00-d0" }],
  ])("ADD finds the device by %s", (_, extra) => {
    const { host } = hostWithDevice(), c = netns("c"), net = network("hd");
    ok(call(p, "ADD", conf(net, extra, null), c, host));
    expect(details(c, "eth0")?.ifalias).toBe("dev0");
  });

  it("without ipam the link is moved and up, and the result has the interface only", () => {
    const { host } = hostWithDevice(), c = netns("c"), net = network("hd");
    const r = ok(call(p, "ADD", conf(net, { device: "dev0" }, null), c, host));
    expect(r).toEqual({ cniVersion: "1.0.0", interfaces: [{ name: "eth0", mac: "0a:00:00:00:00:d0", sandbox: c.path }] });
    expect(details(c, "eth0")!.flags).toContain("UP");
    expect(globalAddrs(c, "eth0")).toEqual([]);
  });

  it("a device whose name the container already uses moves under CNI_IFNAME in one step", () => {
    const { host } = hostWithDevice(), c = netns("c"), net = network("hd");
    c.exec("ip", ["link", "add", "dev0", "type", "veth", "peer", "name", "x0"]);
    ok(call(p, "ADD", conf(net, { device: "dev0" }, null), c, host, { ifname: "net1" }));
    expect(details(c, "net1")?.ifalias).toBe("dev0");
    expect(details(c, "dev0")?.address).not.toBe("0a:00:00:00:00:d0");
  });
});

describe("host-device failures", () => {
  it("a device that does not exist fails ADD with 999 before any reservation", () => {
    const { host } = hostWithDevice(), c = netns("c"), net = network("hd");
    const r = call(p, "ADD", conf(net, { device: "nope0" }), c, host);
    expect(r.json).toMatchObject({ code: 999 });
    expect((r.json as { msg: string }).msg).toMatch(/^failed to find host device: "nope0": not found/);
    expect(reservations(net)).toEqual([]);
    expect(linkNames(host)).toEqual(["dev0", "lo"]);
  });

  it.each([
    ["a pciBusID", { pciBusID: "0000:00:1f.6" }, /no link on PCI device 0000:00:1f.6 \(.*DPDK mode is not supported\)/],
    ["a runtimeConfig deviceID", { runtimeConfig: { deviceID: "mlx5_core.sf.4" } }, /no link on PCI or auxiliary device mlx5_core.sf.4/],
    ["a kernelpath", { kernelpath: "/sys/devices/pci0000:00/0000:00:1f.6" }, /no link on kernel device 0000:00:1f.6/],
    ["an hwaddr", { hwaddr: "0a:00:00:00:00:99" }, /no link with MAC 0a:00:00:00:00:99/],
  ])("%s no link has fails ADD with 999 naming it and moves nothing", (_, extra, msg) => {
    const { host } = hostWithDevice(), c = netns("c"), net = network("hd");
    const r = call(p, "ADD", conf(net, extra), c, host);
    expect(r.json).toMatchObject({ code: 999 });
    expect((r.json as { msg: string }).msg).toMatch(msg);
    expect(linkNames(host)).toEqual(["dev0", "lo"]);
  });

  it.each([
    ["no device at all", {}, 'specify either "device", "hwaddr", "kernelpath" or "pciBusID"'],
    ["a malformed hwaddr", { hwaddr: "zz" }, 'field "hwaddr" must be a MAC address'],
    ["a kernelpath outside /sys/devices", { kernelpath: "/etc/passwd" }, 'field "kernelpath" must be absolute'],
    ["a device that is not a string", { device: 7 }, 'field "device"'],
  ])("a config with %s fails with code 7 and changes nothing", (_, extra, text) => {
    const { host } = hostWithDevice(), c = netns("c"), net = network("hd");
    const r = call(p, "ADD", conf(net, extra), c, host);
    expect(r.json).toMatchObject({ code: 7 });
    expect(JSON.stringify(r.json)).toContain(text.replace(/"/g, '\\"'));
    expect(linkNames(host)).toEqual(["dev0", "lo"]);
    expect(reservations(net)).toEqual([]);
  });

  it("IPAM failing (range full) puts the device back in the host under its name, up, without alias", () => {
    const { host } = hostWithDevice(), c = netns("c"), net = network("hd");
    const full = { ranges: [[{ subnet: "10.30.0.0/30", rangeStart: "10.30.0.2", rangeEnd: "10.30.0.2" }]] };
    ok(call(p, "ADD", conf(net, { device: "dev0" }, full), c, host));
    host.exec("ip", ["link", "add", "dev1", "address", "0a:00:00:00:00:d1", "type", "veth", "peer", "name", "p1"]);
    host.exec("ip", ["link", "set", "dev1", "up"]);
    const c2 = netns("c");
    const r = call(p, "ADD", conf(net, { device: "dev1" }, full), c2, host, { containerId: "b" });
    expect(r.code).toBe(1);
    expect(linkNames(c2)).toEqual(["lo"]);
    const dev1 = details(host, "dev1")!;
    expect([dev1.address, dev1.flags.includes("UP"), dev1.ifalias ?? ""]).toEqual(["0a:00:00:00:00:d1", true, ""]);
  });

  it("a route that cannot be added (gateway unreachable) fails ADD with 999 and puts the device back, up", () => {
    const { host } = hostWithDevice(), c = netns("c"), net = network("hd");
    const ipam = { type: "static", addresses: [{ address: "10.30.0.9/24" }], routes: [{ dst: "10.99.0.0/16", gw: "10.77.0.1" }] };
    const r = call(p, "ADD", { ...conf(net, { device: "dev0" }, null), ipam }, c, host);
    expect(r.json).toMatchObject({ code: 999 });
    expect(linkNames(c)).toEqual(["lo"]);
    expect(linkNames(host)).toEqual(["dev0", "lo"]);
    expect(details(host, "dev0")!.flags).toContain("UP");
  });
});

describe("host-device CHECK and DEL", () => {
  it("ADD, CHECK, DEL: the device is back in the host under its own name, down, alias cleared", () => {
    const { host } = hostWithDevice(), c = netns("c"), net = network("hd");
    const result = ok(call(p, "ADD", conf(net, { device: "dev0" }, V4, "1.1.0"), c, host));
    ok(call(p, "CHECK", { ...conf(net, { device: "dev0" }, V4, "1.1.0"), prevResult: result }, c, host));
    ok(call(p, "DEL", conf(net, { device: "dev0" }, V4, "1.1.0"), c, host));
    expect(linkNames(c)).toEqual(["lo"]);
    expect(linkNames(host)).toEqual(["dev0", "lo"]);
    const dev0 = details(host, "dev0")!;
    expect([dev0.address, dev0.flags.includes("UP"), dev0.ifalias ?? ""]).toEqual(["0a:00:00:00:00:d0", false, ""]);
    expect(reservations(net)).toEqual([]);
  });

  it("DEL returns the device even when the host has a link named like CNI_IFNAME", () => {
    const { host } = hostWithDevice(), c = netns("c"), net = network("hd");
    ok(call(p, "ADD", conf(net), c, host));
    host.exec("ip", ["link", "add", "eth0", "type", "veth", "peer", "name", "eth0p"]);
    ok(call(p, "DEL", conf(net), c, host));
    expect(linkNames(host)).toEqual(["dev0", "eth0", "eth0p", "lo"]);
  });

  it("CHECK fails with 999 when the container lost its address", () => {
    const { host } = hostWithDevice(), c = netns("c"), net = network("hd");
    const result = ok(call(p, "ADD", conf(net), c, host));
    c.exec("ip", ["addr", "del", "10.30.0.2/24", "dev", "eth0"]);
    expect(call(p, "CHECK", { ...conf(net), prevResult: result }, c, host).json).toMatchObject({ code: 999, msg: "failed to match addr 10.30.0.2/24 on eth0" });
  });

  it("DEL of a link without alias fails with 999 and leaves it", () => {
    const { host } = hostWithDevice(), c = netns("c"), net = network("hd");
    c.exec("ip", ["link", "add", "eth0", "type", "veth", "peer", "name", "x0"]);
    const r = call(p, "DEL", conf(net, { device: "dev0" }, null), c, host);
    expect(r.json).toMatchObject({ code: 999, msg: 'failed to find original ifname for "eth0" (alias is not set)' });
    expect(linkNames(c)).toEqual(["eth0", "lo", "x0"]);
  });

  it("DEL twice succeeds; DEL with the netns gone releases the addresses", () => {
    const { host } = hostWithDevice(), c = netns("c"), net = network("hd");
    ok(call(p, "ADD", conf(net), c, host));
    ok(call(p, "DEL", conf(net), c, host));
    ok(call(p, "DEL", conf(net), c, host));
    ok(call(p, "ADD", conf(net), c, host));
    c.remove(); // a veth is destroyed with its netns; a physical device returns to the initial netns
    ok(call(p, "DEL", conf(net), c, host));
    expect(reservations(net)).toEqual([]);
  });

  it("STATUS succeeds while the device is in the host and answers 50 once a container has it; GC with no valid attachments releases the reservation (1.1.0)", () => {
    const { host } = hostWithDevice(), c = netns("c"), net = network("hd");
    ok(call(p, "STATUS", conf(net, { device: "dev0" }, V4, "1.1.0"), c, host));
    ok(call(p, "ADD", conf(net, { device: "dev0" }, V4, "1.1.0"), c, host));
    expect(call(p, "STATUS", conf(net, { device: "dev0" }, V4, "1.1.0"), c, host).json).toMatchObject({ code: 50 });
    ok(call(p, "GC", { ...conf(net, { device: "dev0" }, V4, "1.1.0"), "cni.dev/valid-attachments": [] }, c, host));
    expect(reservations(net)).toEqual([]);
  });
});

describe.skipIf(!existsSync(join(GO_PLUGINS, "host-device")))("host-device parity with the Go plugin (/usr/lib/cni, v1.1.1)", () => {
  it.each([
    ["device, IPv4 host-local", { device: "dev0" }, V4],
    ["hwaddr, no ipam", { hwaddr: "0a:00:00:00:00:d0" }, null],
    ["device, static ipam", { device: "dev0" }, "static"],
  ])("ADD with %s gives Go's result and kernel state; DEL leaves the host as Go's does", (_, extra: Record<string, unknown>, ipamKind) => {
    const staticIpam = { type: "static", addresses: [{ address: "10.30.0.50/24", gateway: "10.30.0.1" }], routes: [{ dst: "10.40.0.0/16" }] };
    const make = (net: Net) => (ipamKind === "static" ? { ...conf(net, extra, null), ipam: staticIpam } : conf(net, extra, ipamKind as Record<string, unknown> | null));
    const { host: goHost } = hostWithDevice(), goC = netns("gc"), goNet = network("gohd");
    const { host } = hostWithDevice(), c = netns("c"), net = network("hd");
    const want = ok(callGo("host-device", "ADD", make(goNet), goC, goHost));
    const got = ok(call(p, "ADD", make(net), c, host));
    expect(normalizeResult(got)).toEqual(normalizeResult(want));
    expect(globalAddrs(c, "eth0")).toEqual(globalAddrs(goC, "eth0"));
    expect(routeTable(c)).toEqual(routeTable(goC));
    const [mine, go] = [details(c, "eth0")!, details(goC, "eth0")!];
    expect([mine.address, mine.mtu, mine.flags.includes("UP"), mine.ifalias]).toEqual([go.address, go.mtu, go.flags.includes("UP"), go.ifalias]);
    expect(linkNames(host)).toEqual(linkNames(goHost));
    ok(callGo("host-device", "DEL", make(goNet), goC, goHost));
    ok(call(p, "DEL", make(net), c, host));
    expect(linkNames(c)).toEqual(linkNames(goC));
    expect(linkNames(host)).toEqual(linkNames(goHost));
    const [back, goBack] = [details(host, "dev0")!, details(goHost, "dev0")!];
    // Go v1.1.1 leaves the alias set; upstream (and we) clear it.
    expect([back.address, back.flags.includes("UP")]).toEqual([goBack.address, goBack.flags.includes("UP")]);
  });
});
