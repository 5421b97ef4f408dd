// SPEC.md "CHECK: Check container's networking is as expected" and "Checking an attachment":
// the cached ADD result as prevResult, an error for anything of it removed behind the plugin's
// back (link, address, route, IP reservation), no error for what a later plugin may add, and
// the runtime's side (0.4.0 and later only, disableCheck).
import { rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConflistError } from "../../tools/conflist-runner";
import type { TestNetns } from "../helpers/netns";
import { attachment, bridgePlugin, conflist, execPlugin, expectCniError, GO_BIN, netns, network, OURS, runnerFor, type Net } from "./compliance-fixture";

const IMPLS = [["ours", OURS], ["go", GO_BIN]] as const;

/** A fresh attachment of `plugin` (bridge or ptp) made through the runner over `bin`. */
function attached(bin: string, plugin: string, version = "1.0.0") {
  const host = netns("h"), c = netns("c"), net = network("chk");
  const rec = runnerFor(bin, host, net);
  const list = conflist(net, version, [{ ...bridgePlugin(net), type: plugin }]);
  const att = attachment(c);
  const result = rec.runner.add(list, att) as { interfaces: { name: string; sandbox?: string }[] };
  const hostVeth = result.interfaces.find((i) => i.name.startsWith("veth"))!.name;
  return { host, c, net, list, att, hostVeth, ...rec };
}

/** What is removed behind the plugin's back, and whether CHECK notices it (per implementation). */
const BREAKAGES: { title: string; plugins: string[]; break: (a: { host: TestNetns; c: TestNetns; net: Net; hostVeth: string }) => void }[] = [
  { title: "the container interface is deleted", plugins: ["bridge", "ptp"], break: ({ c }) => c.exec("ip", ["link", "del", "eth0"]) },
  { title: "the container's address is removed", plugins: ["bridge", "ptp"], break: ({ c, net }) => c.exec("ip", ["addr", "del", `${net.prefix}2/24`, "dev", "eth0"]) },
  { title: "the container's default route is removed", plugins: ["bridge", "ptp"], break: ({ c }) => c.exec("ip", ["route", "del", "default"]) },
  { title: "the IP reservation is removed", plugins: ["bridge", "ptp"], break: ({ net }) => rmSync(join(net.dataDir, net.name, `${net.prefix}2`)) },
  { title: "the host veth leaves the bridge", plugins: ["bridge"], break: ({ host, hostVeth }) => host.exec("ip", ["link", "set", hostVeth, "nomaster"]) },
];

describe("CHECK", () => {
  for (const [impl, bin] of IMPLS) {
    for (const plugin of ["bridge", "ptp"]) {
      it(`${impl} ${plugin}: CHECK right after ADD succeeds and gets the cached ADD result as prevResult`, () => {
        const a = attached(bin, plugin);
        a.runner.check(a.list, a.att);
        const add = a.calls.find((x) => x.command === "ADD")!.out.json;
        expect(a.calls.find((x) => x.command === "CHECK")?.conf["prevResult"]).toEqual(add);
      });

      it(`${impl} ${plugin}: CHECK still succeeds after another address and route were added (a later plugin may add them)`, () => {
        const a = attached(bin, plugin);
        a.c.exec("ip", ["addr", "add", "192.0.2.9/32", "dev", "eth0"]);
        a.c.exec("ip", ["route", "add", "198.51.100.0/24", "dev", "eth0"]);
        a.runner.check(a.list, a.att);
      });

      for (const b of BREAKAGES.filter((x) => x.plugins.includes(plugin))) {
        it(`${impl} ${plugin}: CHECK fails with an error JSON when ${b.title}`, () => {
          const a = attached(bin, plugin);
          b.break(a);
          expect(() => a.runner.check(a.list, a.att)).toThrow(ConflistError);
          const out = a.calls.at(-1)!.out;
          expect(a.calls.at(-1)!.command).toBe("CHECK");
          expectCniError(out);
        });
      }
    }
  }

  it("CHECK of a chain runs every plugin in order with the same cached result", () => {
    const host = netns("h"), c = netns("c"), net = network("chk2");
    const { runner, calls } = runnerFor(OURS, host, net);
    const list = conflist(net, "1.1.0", [bridgePlugin(net), { type: "loopback" }]);
    const r = runner.add(list, attachment(c));
    runner.check(list, attachment(c));
    const checks = calls.filter((x) => x.command === "CHECK");
    expect(checks.map((x) => x.plugin)).toEqual(["bridge", "loopback"]);
    expect(checks.map((x) => x.conf["prevResult"])).toEqual([r, r]);
  });

  it("CHECK without a prevResult fails with code 7 (ours) where Go's bridge fails with 999", () => {
    const a = attached(OURS, "bridge");
    const conf = { cniVersion: "1.0.0", name: a.net.name, ...bridgePlugin(a.net) };
    expectCniError(execPlugin(OURS, "bridge", "CHECK", conf, a.host, a.att), 7);
    const g = attached(GO_BIN, "bridge");
    expectCniError(execPlugin(GO_BIN, "bridge", "CHECK", { ...conf, name: g.net.name, ...bridgePlugin(g.net) }, g.host, g.att), 999);
  });

  it("the runner refuses CHECK below 0.4.0 without exec'ing any plugin, and the plugin itself refuses it with code 1", () => {
    const a = attached(OURS, "bridge", "0.3.1");
    expect(() => a.runner.check(a.list, a.att)).toThrow('configuration version "0.3.1" does not support the CHECK command');
    expect(a.calls.filter((x) => x.command === "CHECK")).toEqual([]);
    expectCniError(execPlugin(OURS, "bridge", "CHECK", { ...a.list.plugins[0], name: a.net.name, cniVersion: "0.3.1" }, a.host, a.att), 1);
  });

  it("the runner honours disableCheck: no plugin is exec'd and a broken attachment passes", () => {
    const host = netns("h"), c = netns("c"), net = network("chk3");
    const { runner, calls } = runnerFor(OURS, host, net);
    const list = conflist(net, "1.1.0", [bridgePlugin(net)], { disableCheck: true });
    runner.add(list, attachment(c));
    c.exec("ip", ["link", "del", "eth0"]);
    runner.check(list, attachment(c));
    expect(calls.map((x) => x.command)).toEqual(["ADD"]);
  });
});
