// SPEC.md "Lifecycle & Ordering": "A delete must still be executed even if the add fails", and
// "Adding an attachment" step 4 (halt, return the error, store no result); what a failed ADD
// leaves for the DEL and the next ADD, ours against the Go reference plugins.
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ipJson, type TestNetns } from "../helpers/netns";
import { cniExec } from "../../tools/cni-exec";
import { attachment, bridgePlugin, conflist, GO_BIN, netns, network, OURS, reservations, runnerFor } from "./compliance-fixture";

const IMPLS = [["ours", OURS], ["go", GO_BIN]] as const;
const vethsOf = (ns: TestNetns) => ipJson<{ ifname: string }[]>(ns, ["link", "show"]).map((l) => l.ifname).filter((n) => n.startsWith("veth"));

/** A container netns that already has a default route, through a veth pair of its own. */
function containerWithDefaultRoute(): TestNetns {
  const c = netns("c");
  c.exec("ip", ["link", "add", "d0", "type", "veth", "peer", "name", "d1"]);
  c.exec("ip", ["link", "set", "d0", "up"]);
  c.exec("ip", ["link", "set", "d1", "up"]);
  c.exec("ip", ["route", "add", "default", "dev", "d0"]);
  return c;
}

describe("a failed ADD", () => {
  for (const [impl, bin] of IMPLS) {
    it(`${impl}: ADD failing after IPAM (the bridge holds another address) halts the chain, caches nothing, and DEL then succeeds leaving no reservation or veth`, () => {
      const host = netns("h"), c = netns("c"), net = network("fail");
      host.exec("ip", ["link", "add", net.bridge, "type", "bridge"]);
      host.exec("ip", ["addr", "add", `${net.prefix}50/24`, "dev", net.bridge]);
      const { runner, calls } = runnerFor(bin, host, net);
      const list = conflist(net, "1.0.0", [bridgePlugin(net), { type: "loopback" }]);
      const att = attachment(c);
      expect(() => runner.add(list, att)).toThrow(/plugin type="bridge" failed \(add\)/);
      expect(calls.map((x) => x.plugin)).toEqual(["bridge"]);
      expect(existsSync(runner.cacheFile(net.name, att))).toBe(false);
      runner.del(list, att);
      expect(reservations(net)).toEqual([]);
      expect(vethsOf(host)).toEqual([]);
    });

    // Go's ConfigureIface skips a route that exists ("we assume the first one wins"); ours fails ADD with EEXIST.
    it(`${impl}: ADD into a container that already has a default route succeeds, the existing route winning`, () => {
      const host = netns("h"), c = containerWithDefaultRoute(), net = network("dflt");
      runnerFor(bin, host, net).runner.add(conflist(net, "1.0.0", [bridgePlugin(net)]), attachment(c));
      expect(reservations(net)).toEqual([`${net.prefix}2`]);
    });

    // Bug in ours: the rolled-back ADD leaves the new bridge portless with MAC 00:00:00:00:00:00; the next ADD pins that MAC and gets EADDRNOTAVAIL.
    it(`${impl}: after an ADD that failed on a new bridge, the next container's ADD succeeds`, () => {
      const host = netns("h"), c1 = containerWithDefaultRoute(), c2 = netns("c"), net = network("mac");
      const { runner } = runnerFor(bin, host, net);
      const list = conflist(net, "1.0.0", [bridgePlugin(net)]);
      try {
        runner.add(list, attachment(c1));
      } catch {
        runner.del(list, attachment(c1));
      }
      runner.add(list, attachment(c2));
      expect(ipJson<{ address: string }[]>(host, ["link", "show", net.bridge])[0]?.address).not.toBe("00:00:00:00:00:00");
    });
  }
});

describe("an ADD whose result the config's version cannot hold", () => {
  // libcni's convertTo02x: "cannot convert: no valid IP addresses". Go's skel prints that after
  // the plugin has changed the namespaces; ours fails before the call ends, so it rolls back.
  it("ours: a layer-2 bridge (no IPAM) at cniVersion 0.2.0 fails with 999 and leaves no link behind", () => {
    const host = netns("h"), c = netns("c");
    const links = (ns: TestNetns) => ipJson<{ ifname: string }[]>(ns, ["link", "show"]).map((l) => l.ifname).sort();
    const before = { host: links(host), c: links(c) };
    const out = cniExec({
      binary: `${OURS}/bridge`, command: "ADD", containerId: "conv020", netns: c.path, ifname: "eth0", inNetns: host.name,
      config: { cniVersion: "0.2.0", name: "conv", type: "bridge", bridge: "conv0" },
    });
    expect(out.code).toBe(1);
    expect(out.json).toMatchObject({ code: 999, msg: "cannot convert: no valid IP addresses" });
    expect({ host: links(host), c: links(c) }).toEqual(before);
  });
});
