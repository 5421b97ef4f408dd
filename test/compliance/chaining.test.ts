// SPEC.md section 3 "Adding an attachment", "Deleting an attachment", "Deriving request
// configuration" and "Deriving runtimeConfig", section 5's prevResult rule, and CONVENTIONS.md's
// `args` and CNI_ARGS: what a chain passes from plugin to plugin, and libcni's result cache.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { attachment, bridgePlugin, conflist, GO_BIN, globalAddrs, netns, network, OURS, reservations, runnerFor } from "./compliance-fixture";
import { ipJson } from "../helpers/netns";

const IMPLS = [["ours", OURS], ["go", GO_BIN]] as const;
const macOf = (ns: ReturnType<typeof netns>, dev: string) => ns.exec("cat", [`/sys/class/net/${dev}/address`]).trim();

describe("chaining and the result cache", () => {
  for (const [impl, bin] of IMPLS) {
    it(`${impl}: ADD runs bridge then loopback, loopback returns the bridge's result unchanged, and the cache holds it`, () => {
      const host = netns("h"), c = netns("c"), net = network("chain");
      const { runner, calls } = runnerFor(bin, host, net);
      const list = conflist(net, "1.0.0", [bridgePlugin(net), { type: "loopback" }]);
      const att = attachment(c);
      const r = runner.add(list, att);
      expect(calls.map((x) => `${x.command} ${x.plugin}`)).toEqual(["ADD bridge", "ADD loopback"]);
      const bridgeResult = calls[0]!.out.json;
      expect(calls[0]!.conf).not.toHaveProperty("prevResult");
      expect(calls[1]!.conf["prevResult"]).toEqual(bridgeResult);
      expect(r).toEqual(bridgeResult);
      const record = JSON.parse(readFileSync(join(net.cacheDir, "results", `${net.name}-${att.containerId}-eth0`), "utf8"));
      expect(record).toEqual({ kind: "cniCacheV1", containerId: att.containerId, config: Buffer.from(list.bytes).toString("base64"), ifName: "eth0", networkName: net.name, netns: c.path, result: r });
    });

    it(`${impl}: DEL runs loopback then bridge, each with the cached ADD result, and removes the cache file`, () => {
      const host = netns("h"), c = netns("c"), net = network("chain2");
      const { runner, calls } = runnerFor(bin, host, net);
      const list = conflist(net, "1.0.0", [bridgePlugin(net), { type: "loopback" }]);
      const r = runner.add(list, attachment(c));
      runner.del(list, attachment(c));
      const dels = calls.filter((x) => x.command === "DEL");
      expect(dels.map((x) => x.plugin)).toEqual(["loopback", "bridge"]);
      expect(dels.map((x) => x.conf["prevResult"])).toEqual([r, r]);
      expect(existsSync(join(net.cacheDir, "results", `${net.name}-${attachment(c).containerId}-eth0`))).toBe(false);
      expect(reservations(net)).toEqual([]);
    });

    it(`${impl}: each plugin gets the network's name and cniVersion, whatever its own object says`, () => {
      const host = netns("h"), c = netns("c"), net = network("inject");
      const { runner } = runnerFor(bin, host, net);
      runner.add(conflist(net, "1.0.0", [{ ...bridgePlugin(net), name: "other", cniVersion: "0.3.1" }]), attachment(c));
      expect(reservations(net)).toEqual([`${net.prefix}2`]);
    });

    it(`${impl}: runtimeConfig carries the capability args the plugin declares (mac, ips) and no others`, () => {
      const host = netns("h"), c = netns("c"), net = network("caps");
      const { runner, calls } = runnerFor(bin, host, net);
      const list = conflist(net, "1.0.0", [{ ...bridgePlugin(net), capabilities: { mac: true, ips: true, portMappings: false } }]);
      const capabilityArgs = { mac: "02:11:22:33:44:55", ips: [`${net.prefix}9/24`], portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }] };
      runner.add(list, attachment(c, { capabilityArgs }));
      expect(calls[0]!.conf["runtimeConfig"]).toEqual({ mac: capabilityArgs.mac, ips: capabilityArgs.ips });
      expect(macOf(c, "eth0")).toBe("02:11:22:33:44:55");
      expect(globalAddrs(c, "eth0")).toEqual([`${net.prefix}9/24`]);
    });

    it(`${impl}: the config's "args" reaches IPAM unchanged (args.cni.ips picks the address)`, () => {
      const host = netns("h"), c = netns("c"), net = network("args");
      const { runner, calls } = runnerFor(bin, host, net);
      const args = { cni: { ips: [`${net.prefix}7`] }, org: { anything: [1, 2] } };
      runner.add(conflist(net, "1.0.0", [{ ...bridgePlugin(net), args }]), attachment(c));
      expect(calls[0]!.conf["args"]).toEqual(args);
      expect(globalAddrs(c, "eth0")).toEqual([`${net.prefix}7/24`]);
    });

    it(`${impl}: CNI_ARGS with IgnoreUnknown=1 and the K8S_POD_* keys succeeds, and IP= picks the address`, () => {
      const host = netns("h"), c = netns("c"), net = network("cniargs");
      const { runner } = runnerFor(bin, host, net);
      const args: [string, string][] = [["IgnoreUnknown", "1"], ["K8S_POD_NAMESPACE", "default"], ["K8S_POD_NAME", "web-0"], ["IP", `${net.prefix}8`]];
      runner.add(conflist(net, "1.0.0", [bridgePlugin(net)]), attachment(c, { args }));
      expect(globalAddrs(c, "eth0")).toEqual([`${net.prefix}8/24`]);
    });

    it(`${impl}: unknown fields in a plugin object pass through to the plugin, which accepts them`, () => {
      const host = netns("h"), c = netns("c"), net = network("unknown");
      const { runner, calls } = runnerFor(bin, host, net);
      runner.add(conflist(net, "1.0.0", [{ ...bridgePlugin(net), keyA: ["some more", "plugin specific"], "org.example/x": { y: 1 } }]), attachment(c));
      expect(calls[0]!.conf).toMatchObject({ keyA: ["some more", "plugin specific"], "org.example/x": { y: 1 } });
    });
  }

  it("CNI_ARGS with an unknown key (a typo of IP=) and no IgnoreUnknown fails in host-local, ours (4) as Go's (999), and changes nothing; our DEL still succeeds", () => {
    const [h1, c1, n1, h2, c2, n2] = [netns("h"), netns("c"), network("unk"), netns("h"), netns("c"), network("unk")];
    const args: [string, string][] = [["ip", `${n1.prefix}8`]];
    const ours = runnerFor(OURS, h1, n1).runner, list = conflist(n1, "1.0.0", [bridgePlugin(n1)]);
    expect(() => ours.add(list, attachment(c1, { args }))).toThrow(
      expect.objectContaining({ code: 4, message: expect.stringContaining(`ARGS: unknown args ["ip=${n1.prefix}8"]`) }),
    );
    expect(reservations(n1)).toEqual([]);
    expect(ipJson<{ ifname: string }[]>(c1, ["link", "show"]).map((l) => l.ifname)).toEqual(["lo"]);
    ours.del(list, attachment(c1, { args }));
    expect(() => runnerFor(GO_BIN, h2, n2).runner.add(conflist(n2, "1.0.0", [bridgePlugin(n2)]), attachment(c2, { args }))).toThrow(
      expect.objectContaining({ code: 999, message: expect.stringContaining("unknown args") }),
    );
  });

  it("bridge with static IPAM that returns dns: ours gives the IPAM's dns unless the config has one (as Go since v1.2.0); Go's v1.1.1 always the config's", () => {
    const out: Record<string, unknown> = {};
    for (const [impl, bin] of [["ours", OURS], ["go", GO_BIN]] as const) {
      for (const withDns of [false, true]) {
        const host = netns("h"), c = netns("c"), net = network("dns");
        const ipam = { type: "static", addresses: [{ address: `${net.prefix}5/24` }], dns: { nameservers: ["10.0.0.53"] } };
        const plugin = { type: "bridge", bridge: net.bridge, ipam, ...(withDns && { dns: { nameservers: ["10.0.0.99"] } }) };
        out[`${impl} ${withDns ? "config dns" : "no config dns"}`] = (runnerFor(bin, host, net).runner.add(conflist(net, "1.0.0", [plugin]), attachment(c)) as { dns?: unknown }).dns;
      }
    }
    expect(out).toEqual({
      "ours no config dns": { nameservers: ["10.0.0.53"] }, "ours config dns": { nameservers: ["10.0.0.99"] },
      "go no config dns": {}, "go config dns": { nameservers: ["10.0.0.99"] },
    });
  });

  it("bridge then tuning (the mac capability, mtu, a sysctl; and podman's empty tuning): the same result as Go's; DEL leaves nothing", () => {
    const out: Record<string, unknown> = {};
    for (const [impl, bin] of [["ours", OURS], ["go", GO_BIN]] as const) {
      for (const tuning of [{ type: "tuning", capabilities: { mac: true }, mtu: 1400, sysctl: { "net.ipv4.conf.eth0.arp_filter": "1" } }, { type: "tuning" }]) {
        const host = netns("h"), c = netns("c"), net = network("tune");
        const { runner } = runnerFor(bin, host, net);
        const list = conflist(net, "1.0.0", [bridgePlugin(net), tuning]);
        const att = attachment(c, { capabilityArgs: { mac: "02:11:22:33:44:66" } });
        const r = runner.add(list, att) as { interfaces: { name: string; mac: string }[] };
        const eth0 = ipJson<{ mtu: number; address: string }[]>(c, ["link", "show", "eth0"])[0]!;
        out[`${impl} ${Object.keys(tuning).length > 1 ? "options" : "empty"}`] = {
          eth0: r.interfaces.find((i) => i.name === "eth0")?.mac === eth0.address ? "result mac = link mac" : "differ",
          mac: Object.keys(tuning).length > 1 ? eth0.address : "-", mtu: eth0.mtu,
          arpFilter: c.exec("cat", ["/proc/sys/net/ipv4/conf/eth0/arp_filter"]).trim(),
        };
        runner.del(list, att);
        expect(ipJson<{ ifname: string }[]>(c, ["link", "show"]).map((l) => l.ifname)).toEqual(["lo"]);
        expect(reservations(net)).toEqual([]);
      }
    }
    const options = { eth0: "result mac = link mac", mac: "02:11:22:33:44:66", mtu: 1400, arpFilter: "1" };
    const empty = { eth0: "result mac = link mac", mac: "-", mtu: 1500, arpFilter: "0" };
    expect(out).toEqual({ "ours options": options, "ours empty": empty, "go options": options, "go empty": empty });
  });

  it("the runner's cache record keeps CNI_ARGS and capability args for GC's later DEL", () => {
    const host = netns("h"), c = netns("c"), net = network("rec");
    const { runner } = runnerFor(OURS, host, net);
    const att = attachment(c, { args: [["IgnoreUnknown", "1"]], capabilityArgs: { mac: "02:00:00:00:00:09" } });
    runner.add(conflist(net, "1.1.0", [{ ...bridgePlugin(net), capabilities: { mac: true } }]), att);
    expect(JSON.parse(readFileSync(runner.cacheFile(net.name, att), "utf8"))).toMatchObject({ cniArgs: [["IgnoreUnknown", "1"]], capabilityArgs: { mac: "02:00:00:00:00:09" } });
  });
});
