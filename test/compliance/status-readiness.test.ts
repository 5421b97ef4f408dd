// SPEC.md STATUS for every main plugin: 0 when ADD can succeed, 50 when it cannot, 51 when,
// besides, attached containers may have lost connectivity; the IPAM plugin's STATUS is passed
// on; nothing changes. Each plugin reads only what it can without side effects (its master,
// bridge or device in the host netns). STATUS makes no link, so ipvlan and vlan answer here
// although this kernel has neither kind.
import { describe, expect, it } from "vitest";
import type { TestNetns } from "../helpers/netns";
import { attachment, execPlugin, expectCniError, netns, network, OURS, reservations, type Net } from "./compliance-fixture";

const v = "1.1.0";
/** host-local with exactly one free address (.2), in `net`'s dataDir. */
const oneAddress = (net: Net) => ({ type: "host-local", ranges: [[{ subnet: `${net.prefix}0/24`, rangeStart: `${net.prefix}2`, rangeEnd: `${net.prefix}2` }]], dataDir: net.dataDir });
const base = (net: Net, type: string, extra: Record<string, unknown> = {}) => ({ cniVersion: v, name: net.name, type, ipam: oneAddress(net), ...extra });

/** A host netns with a veth `eth0` (the master) and a default route through it. */
function hostWithMaster(): TestNetns {
  const host = netns("h");
  host.exec("ip", ["link", "add", "eth0", "type", "veth", "peer", "name", "peer0"]);
  host.exec("ip", ["addr", "add", "10.77.0.2/24", "dev", "eth0"]);
  host.exec("ip", ["link", "set", "eth0", "up"]);
  host.exec("ip", ["route", "add", "default", "via", "10.77.0.1"]);
  return host;
}

/**
 * What STATUS must not change: links, addresses, routes of the host netns and the reservations
 * (host-local's STATUS may make the network's folder and lock: it checks its state is writable).
 */
function snapshot(host: TestNetns, net: Net): string {
  const ip = (args: string[]) => host.exec("ip", ["-j", ...args]);
  return JSON.stringify([ip(["link", "show"]), ip(["addr", "show"]), ip(["route", "show", "table", "all"]), reservations(net)]);
}

describe("STATUS of every main plugin", () => {
  // [plugin, extra config, expected code]
  it.each<[string, Record<string, unknown>, number]>([
    ["bridge", { bridge: "cni-st0" }, 0],
    ["bridge", { bridge: "eth0" }, 50], // a veth holds the name: ADD would fail
    ["ptp", {}, 0],
    ["macvlan", { master: "eth0" }, 0],
    ["macvlan", {}, 0], // the default route's link
    ["macvlan", { master: "gone0" }, 51], // its macvlans went with it
    ["macvlan", { master: "eth0", mtu: 9000 }, 50],
    ["ipvlan", { master: "eth0" }, 0],
    ["ipvlan", { master: "gone0" }, 51],
    ["vlan", { master: "eth0", vlanId: 10 }, 0],
    ["vlan", { master: "gone0", vlanId: 10 }, 51],
    ["vlan", { master: "gone0", vlanId: 10, linkInContainer: true }, 0], // in a container netns STATUS has none of
    ["host-device", { device: "eth0" }, 0],
    ["host-device", { device: "gone0" }, 50], // nothing to move in: ADD would fail
    ["host-device", { runtimeConfig: {} }, 0], // the runtime names the device at ADD only
    ["tap", {}, 0],
    ["dummy", {}, 0],
  ])("%s %j answers %i and changes nothing", (plugin, extra, code) => {
    const host = hostWithMaster(), net = network("sr");
    const before = snapshot(host, net);
    const out = execPlugin(OURS, plugin, "STATUS", base(net, plugin, extra), host);
    if (code === 0) expect([out.code, out.stdout], out.stdout + out.stderr).toEqual([0, ""]);
    else expectCniError(out, code);
    expect(snapshot(host, net)).toBe(before);
  });

  it.each(["bridge", "ptp", "macvlan", "ipvlan", "vlan", "host-device", "tap", "dummy"])(
    "%s STATUS passes on its IPAM plugin's 50 once the range is exhausted", (plugin) => {
      const host = hostWithMaster(), c = netns("c"), net = network("sx");
      const ipamOnly = { cniVersion: v, name: net.name, type: "host-local", ipam: oneAddress(net) };
      expect(execPlugin(OURS, "host-local", "ADD", ipamOnly, host, attachment(c)).code).toBe(0);
      expect(reservations(net)).toEqual([`${net.prefix}2`]);
      const extra = { bridge: { bridge: "cni-st1" }, vlan: { master: "eth0", vlanId: 10 }, "host-device": { device: "eth0" } }[plugin] ?? { master: "eth0" };
      expectCniError(execPlugin(OURS, plugin, "STATUS", base(net, plugin, extra), host), 50);
    });
});
