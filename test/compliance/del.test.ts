// SPEC.md "DEL: Remove container from network": best effort, idempotent, prevResult optional,
// IPAM released even when the netns is gone; libcni's DelNetworkList around it.
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { attachment, bridgePlugin, conflist, execPlugin, GO_BIN, globalAddrs, type Net, netns, network, OURS, reservations, runnerFor } from "./compliance-fixture";
import type { JsonObject } from "../../tools/conflist-runner";
import { ipJson } from "../helpers/netns";

const IMPLS = [["ours", OURS], ["go", GO_BIN]] as const;
const links = (ns: Parameters<typeof ipJson>[0]) => ipJson<{ ifname: string }[]>(ns, ["link", "show"]).map((l) => l.ifname).sort();

describe("DEL", () => {
  for (const [impl, bin] of IMPLS) {
    for (const plugin of ["bridge", "ptp"]) {
      it(`${impl} ${plugin}: DEL removes eth0 and the host veth, releases the address and the cache file`, () => {
        const host = netns("h"), c = netns("c"), net = network("del");
        const { runner } = runnerFor(bin, host, net);
        const list = conflist(net, "1.0.0", [{ ...bridgePlugin(net), type: plugin }]);
        const att = attachment(c);
        runner.add(list, att);
        expect(reservations(net)).toEqual([`${net.prefix}2`]);
        runner.del(list, att);
        expect(links(c)).toEqual(["lo"]);
        expect(links(host).filter((l) => l.startsWith("veth"))).toEqual([]);
        expect(reservations(net)).toEqual([]);
        expect(existsSync(runner.cacheFile(net.name, att))).toBe(false);
      });

      it(`${impl} ${plugin}: DEL twice succeeds (the second finds nothing and no cached result)`, () => {
        const host = netns("h"), c = netns("c"), net = network("del2");
        const { runner, calls } = runnerFor(bin, host, net);
        const list = conflist(net, "1.0.0", [{ ...bridgePlugin(net), type: plugin }]);
        runner.add(list, attachment(c));
        runner.del(list, attachment(c));
        runner.del(list, attachment(c));
        expect(calls.filter((x) => x.command === "DEL").map((x) => "prevResult" in x.conf)).toEqual([true, false]);
      });

      it(`${impl} ${plugin}: DEL for a container never added succeeds`, () => {
        const host = netns("h"), c = netns("c"), net = network("del3");
        const { runner } = runnerFor(bin, host, net);
        runner.del(conflist(net, "1.0.0", [{ ...bridgePlugin(net), type: plugin }]), attachment(c, { containerId: "never-added" }));
      });

      it(`${impl} ${plugin}: DEL with the netns already gone succeeds and releases the address`, () => {
        const host = netns("h"), c = netns("c"), net = network("del4");
        const { runner } = runnerFor(bin, host, net);
        const list = conflist(net, "1.0.0", [{ ...bridgePlugin(net), type: plugin }]);
        const att = attachment(c);
        runner.add(list, att);
        c.remove();
        runner.del(list, att);
        expect(reservations(net)).toEqual([]);
        // The host veth goes with the netns, when the kernel gets to it (netns teardown is asynchronous).
      });

      it(`${impl} ${plugin}: DEL without CNI_NETNS succeeds and releases the address`, () => {
        const host = netns("h"), c = netns("c"), net = network("del5");
        const { runner } = runnerFor(bin, host, net);
        const list = conflist(net, "1.0.0", [{ ...bridgePlugin(net), type: plugin }]);
        runner.add(list, attachment(c));
        runner.del(list, attachment(c, { netns: "" }));
        expect(reservations(net)).toEqual([]);
      });
    }
  }

  // A runtime must always be able to clean up: a value or a combination only ADD uses does not
  // block DEL. [what, config, also run against Go's v1.1.1 (which has no ipMasqBackend)]
  const refused: [string, (net: Net, master: string) => JsonObject, boolean][] = [
    ["bridge with hairpinMode and promiscMode", (net) => bridgePlugin(net, { hairpinMode: true, promiscMode: true }), true],
    ["bridge with an invalid mac", (net) => bridgePlugin(net, { runtimeConfig: { mac: "not-a-mac" } }), true],
    ["ptp with ipMasqBackend bogus", (net) => ({ ...bridgePlugin(net, { ipMasq: true, ipMasqBackend: "bogus" }), type: "ptp" }), false],
    ["macvlan with mode bogus", (net, master) => ({ type: "macvlan", master, mode: "bogus", ipam: bridgePlugin(net)["ipam"] }), true],
  ];
  for (const [impl, bin] of IMPLS) {
    for (const [what, plugin, inGo] of refused) {
      if (impl === "go" && !inGo) continue;
      it(`${impl}: ${what}: ADD fails${impl === "ours" ? " and changes nothing" : ""}, DEL succeeds`, () => {
        const host = netns("h"), c = netns("c"), net = network("delrefused");
        host.exec("ip", ["link", "add", "up0", "type", "veth", "peer", "name", "up1"]);
        const conf: JsonObject = { cniVersion: "1.0.0", name: net.name, ...plugin(net, "up0") };
        const before = links(host);
        const add = execPlugin(bin, String(conf["type"]), "ADD", conf, host, attachment(c));
        expect(add.code, add.stdout).not.toBe(0);
        // Go leaves the bridge it made before the check that failed.
        if (impl === "ours") expect([links(host), links(c), reservations(net)]).toEqual([before, ["lo"], []]);
        const del = execPlugin(bin, String(conf["type"]), "DEL", conf, host, attachment(c));
        expect([del.code, del.stdout]).toEqual([0, ""]);
        expect(reservations(net)).toEqual([]);
      });
    }
  }

  it("DEL without a prevResult (exec'd directly) removes eth0 and releases the address", () => {
    const host = netns("h"), c = netns("c"), net = network("del6");
    const conf = { cniVersion: "1.1.0", name: net.name, ...bridgePlugin(net) };
    expect(execPlugin(OURS, "bridge", "ADD", conf, host, attachment(c)).code).toBe(0);
    const out = execPlugin(OURS, "bridge", "DEL", conf, host, attachment(c));
    expect([out.code, out.stdout]).toEqual([0, ""]);
    expect(links(c)).toEqual(["lo"]);
    expect(reservations(net)).toEqual([]);
  });

  it("DEL at 0.3.1 gets no prevResult from the runner (it came in 0.4.0) and still cleans up", () => {
    const host = netns("h"), c = netns("c"), net = network("del7");
    const { runner, calls } = runnerFor(OURS, host, net);
    const list = conflist(net, "0.3.1", [bridgePlugin(net)]);
    runner.add(list, attachment(c));
    runner.del(list, attachment(c));
    expect(calls.find((x) => x.command === "DEL")?.conf).not.toHaveProperty("prevResult");
    expect(links(c)).toEqual(["lo"]);
    expect(reservations(net)).toEqual([]);
  });

  it("DEL leaves the bridge for the network's other containers, and a second container keeps its address", () => {
    const host = netns("h"), c1 = netns("c"), c2 = netns("c"), net = network("del8");
    const { runner } = runnerFor(OURS, host, net);
    const list = conflist(net, "1.1.0", [bridgePlugin(net)]);
    runner.add(list, attachment(c1));
    runner.add(list, attachment(c2));
    runner.del(list, attachment(c1));
    expect(links(host)).toContain(net.bridge);
    expect(globalAddrs(c2, "eth0")).toEqual([`${net.prefix}3/24`]);
    expect(reservations(net)).toEqual([`${net.prefix}3`]);
  });
});
