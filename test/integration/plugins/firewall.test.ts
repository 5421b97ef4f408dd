// ipMasq (ptp, bridge) and macspoofchk (bridge) through the host binary, checked by traffic:
// a "remote" netns joined to the test's host netns by a veth has no route back to the
// container subnet, so a container reaches it only when masqueraded, and the remote sees the
// host's address. The Go plugins v1.1.1 run the same configs (they use iptables for ipMasq).
import { execFileSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { netnsPerTest, type TestNetns } from "../../helpers/netns";
import { buildPluginsUnderTest } from "../../helpers/plugin-under-test";
import { call as callAs, callGo, type Caller, type Net, network, ok, pings, pluginBinary } from "./attach-fixture";

let ptp: Caller, bridge: Caller;

beforeAll(async () => {
  const dir = await buildPluginsUnderTest(["ptp", "bridge", "host-local"]);
  ptp = { pluginDir: dir, binary: pluginBinary("ptp") };
  bridge = { pluginDir: dir, binary: pluginBinary("bridge") };
}, 240_000);


const netns = netnsPerTest();

const REMOTE = "192.168.77.2", HOST_UPLINK = "192.168.77.1";


function nftInput(r: TestNetns, script: string): void {
  execFileSync("ip", ["netns", "exec", r.name, "nft", "-f", "-"], { input: script });
}

/** Echo requests the remote got from the host's address and from container addresses. */
function seenFrom(r: TestNetns): { host: number; container: number } {
  const out = JSON.parse(r.exec("nft", ["-j", "list", "chain", "inet", "t", "in"])) as { nftables: Array<{ rule?: { comment?: string; expr: Array<{ counter?: { packets: number } }> } }> };
  const count = (c: string) => out.nftables.find((o) => o.rule?.comment === c)?.rule?.expr.find((e) => e.counter)?.counter?.packets ?? -1;
  return { host: count("host"), container: count("container") };
}

function withRemote(host: TestNetns): TestNetns {
  const r = netns("r");
  const up = `up${Math.random().toString(16).slice(2, 8)}`;
  execFileSync("ip", ["-n", host.name, "link", "add", up, "type", "veth", "peer", "name", "eth0", "netns", r.name]);
  execFileSync("ip", ["-n", host.name, "addr", "add", `${HOST_UPLINK}/24`, "dev", up]);
  execFileSync("ip", ["-n", host.name, "link", "set", up, "up"]);
  execFileSync("ip", ["-n", r.name, "addr", "add", `${REMOTE}/24`, "dev", "eth0"]);
  execFileSync("ip", ["-n", r.name, "link", "set", "eth0", "up"]);
  nftInput(r, [
    "add table inet t",
    "add chain inet t in { type filter hook input priority 0 ; }",
    'add rule inet t in ip saddr 192.168.77.1 icmp type echo-request counter comment "host"',
    'add rule inet t in ip saddr 10.0.0.0/8 icmp type echo-request counter comment "container"',
  ].join("\n"));
  return r;
}

function hostRules(host: TestNetns): Array<{ table: string; comment?: string }> {
  const out = JSON.parse(host.exec("nft", ["-j", "list", "ruleset"])) as { nftables: Array<{ rule?: { table: string; comment?: string } }> };
  return out.nftables.flatMap((o) => (o.rule ? [o.rule] : []));
}

const ptpConf = (net: Net, extra: Record<string, unknown> = {}) => ({
  cniVersion: "1.0.0", name: net.name, type: "ptp", ipMasq: true, ...extra,
  ipam: { type: "host-local", dataDir: net.dataDir, subnet: "10.30.0.0/24", routes: [{ dst: "0.0.0.0/0" }] },
});
const bridgeConf = (net: Net, extra: Record<string, unknown> = {}) => ({
  cniVersion: "1.0.0", name: net.name, type: "bridge", bridge: "br-fw", isGateway: true, ...extra,
  ipam: { type: "host-local", dataDir: net.dataDir, subnet: "10.40.0.0/24", routes: [{ dst: "0.0.0.0/0" }] },
});

describe("ipMasq", () => {
  it("ptp: the container reaches a remote netns as the host's address; DEL removes the rule and the way out", () => {
    const host = netns("h"), c = netns("c"), net = network("fw");
    const r = withRemote(host);
    const add = ok(callAs(ptp, "ADD", ptpConf(net), c, host));
    expect(hostRules(host)).toEqual([expect.objectContaining({ table: "wasm-cni-ptp", comment: `${net.name}:ctr1/eth0 masquerade 10.30.0.2/24` })]);
    expect(pings(c, REMOTE)).toBe(true);
    expect(seenFrom(r)).toEqual({ host: 1, container: 0 });
    ok(callAs(ptp, "CHECK", { ...ptpConf(net), prevResult: add }, c, host));
    ok(callAs(ptp, "DEL", ptpConf(net), c, host));
    ok(callAs(ptp, "DEL", ptpConf(net), c, host));
    expect(hostRules(host)).toEqual([]);
  });

  it("ptp: CHECK fails when the masquerade rule is gone", () => {
    const host = netns("h"), c = netns("c"), net = network("fw");
    const add = ok(callAs(ptp, "ADD", ptpConf(net), c, host));
    host.exec("nft", ["flush", "chain", "inet", "wasm-cni-ptp", "postrouting"]);
    const check = callAs(ptp, "CHECK", { ...ptpConf(net), prevResult: add }, c, host);
    expect(check.code).not.toBe(0);
    expect(check.stdout).toContain("no masquerade rule for 10.30.0.2/24");
  });

  it("ptp without ipMasq: the remote is not reached (no route back to the container subnet)", () => {
    const host = netns("h"), c = netns("c"), net = network("fw");
    withRemote(host);
    ok(callAs(ptp, "ADD", ptpConf(net, { ipMasq: false }), c, host));
    expect(pings(c, REMOTE)).toBe(false);
    expect(hostRules(host)).toEqual([]);
  });

  it("bridge: masqueraded to the remote, not within its own subnet; DEL removes only its container's rule", () => {
    const host = netns("h"), a = netns("a"), b = netns("b"), net = network("fw");
    const r = withRemote(host);
    ok(callAs(bridge, "ADD", bridgeConf(net, { ipMasq: true }), a, host, { containerId: "ca" }));
    ok(callAs(bridge, "ADD", bridgeConf(net, { ipMasq: true }), b, host, { containerId: "cb" }));
    expect(pings(a, REMOTE)).toBe(true);
    expect(pings(a, "10.40.0.3")).toBe(true);
    expect(seenFrom(r)).toEqual({ host: 1, container: 0 });
    ok(callAs(bridge, "DEL", bridgeConf(net, { ipMasq: true }), a, host, { containerId: "ca" }));
    expect(hostRules(host).map((x) => x.comment)).toEqual([`${net.name}:cb/eth0 masquerade 10.40.0.3/24`]);
    expect(pings(b, REMOTE)).toBe(true);
  });

  it("parity: the Go ptp v1.1.1 (iptables) gives the same traffic; its rules are iptables chains", () => {
    const host = netns("h"), c = netns("c"), net = network("fw");
    const r = withRemote(host);
    ok(callGo("ptp", "ADD", ptpConf(net), c, host));
    expect(pings(c, REMOTE)).toBe(true);
    expect(seenFrom(r)).toEqual({ host: 1, container: 0 });
    expect(host.exec("iptables", ["-t", "nat", "-S", "POSTROUTING"])).toMatch(/-s 10\.30\.0\.2\/32 .*-j CNI-/);
    ok(callGo("ptp", "DEL", ptpConf(net), c, host));
  });
});

describe("macspoofchk", () => {
  for (const impl of ["wasm-cni", "go"] as const) {
    it(`${impl}: frames from a container with a changed MAC are dropped; restored, it talks again`, () => {
      const host = netns("h"), a = netns("a"), b = netns("b"), net = network("fw");
      const conf = bridgeConf(net, { macspoofchk: true });
      const add = (c: TestNetns, id: string) => impl === "go" ? ok(callGo("bridge", "ADD", conf, c, host, id)) : ok(callAs(bridge, "ADD", conf, c, host, { containerId: id }));
      const resA = add(a, "ca");
      add(b, "cb");
      expect(pings(a, "10.40.0.3")).toBe(true);
      const mac = (resA.interfaces as Array<{ name: string; mac: string; sandbox?: string }>).find((i) => i.sandbox)!.mac;
      a.exec("ip", ["link", "set", "eth0", "address", "02:de:ad:be:ef:01"]);
      b.exec("ip", ["neigh", "flush", "all"]);
      expect(pings(a, "10.40.0.3")).toBe(false);
      a.exec("ip", ["link", "set", "eth0", "address", mac]);
      b.exec("ip", ["neigh", "flush", "all"]);
      expect(pings(a, "10.40.0.3")).toBe(true);
      if (impl === "wasm-cni") {
        ok(callAs(bridge, "CHECK", { ...conf, prevResult: resA }, a, host, { containerId: "ca" }));
        ok(callAs(bridge, "DEL", conf, a, host, { containerId: "ca" }));
        ok(callAs(bridge, "DEL", conf, b, host, { containerId: "cb" }));
        expect(hostRules(host)).toEqual([]);
      }
    });
  }
});

describe("GC of firewall rules (cni.dev/valid-attachments)", () => {
  /** Every rule of the host netns outside `table`, with its expressions: what GC may not touch. */
  const outside = (host: TestNetns, table: string) => {
    const out = JSON.parse(host.exec("nft", ["-j", "list", "ruleset"])) as { nftables: Array<{ rule?: { table: string } }> };
    return out.nftables.flatMap((o) => (o.rule && o.rule.table !== table ? [o.rule] : []));
  };
  /** Another table with rules tagged like ours: GC leaves it alone. */
  const foreign = (host: TestNetns, net: Net) => nftInput(host, [
    "add table inet foreign",
    "add chain inet foreign post { type nat hook postrouting priority srcnat ; }",
    `add rule inet foreign post ip saddr 10.99.0.1 masquerade comment "${net.name}:ca/eth0 masquerade 10.99.0.1/24"`,
    `add rule inet foreign post ip saddr 10.99.0.2 masquerade comment "${net.name}:cb/eth0 masquerade 10.99.0.2/24"`,
  ].join("\n"));
  const valid = (...ids: string[]) => ({ "cni.dev/valid-attachments": ids.map((containerID) => ({ containerID, ifname: "eth0" })) });

  it("bridge (ipMasq, macspoofchk): GC listing one container removes the other's rules only; an empty list removes all", () => {
    const host = netns("h"), a = netns("a"), b = netns("b"), net = network("fw");
    const conf = bridgeConf(net, { cniVersion: "1.1.0", ipMasq: true, macspoofchk: true });
    ok(callAs(bridge, "ADD", conf, a, host, { containerId: "ca" }));
    const addB = ok(callAs(bridge, "ADD", conf, b, host, { containerId: "cb" }));
    foreign(host, net);
    const before = outside(host, "wasm-cni-bridge");
    const ours = () => hostRules(host).filter((r) => r.table === "wasm-cni-bridge").map((r) => r.comment);
    expect(ours()).toEqual([ // nft lists the bridge table first
      expect.stringMatching(new RegExp(`^${net.name}:ca/eth0 spoof-check veth`)), expect.stringMatching(new RegExp(`^${net.name}:cb/eth0 spoof-check veth`)),
      `${net.name}:ca/eth0 masquerade 10.40.0.2/24`, `${net.name}:cb/eth0 masquerade 10.40.0.3/24`,
    ]);

    ok(callAs(bridge, "GC", { ...conf, ...valid("cb") }, "", host));
    expect(ours()).toEqual([expect.stringMatching(new RegExp(`^${net.name}:cb/eth0 spoof-check veth`)), `${net.name}:cb/eth0 masquerade 10.40.0.3/24`]);
    expect(outside(host, "wasm-cni-bridge")).toEqual(before);
    ok(callAs(bridge, "CHECK", { ...conf, prevResult: addB }, b, host, { containerId: "cb" })); // the kept one still passes

    ok(callAs(bridge, "GC", { ...conf, ...valid() }, "", host));
    expect(ours()).toEqual([]);
    expect(outside(host, "wasm-cni-bridge")).toEqual(before);
  });

  it("ptp (ipMasq): the same, and GC without the list is a config error that changes nothing", () => {
    const host = netns("h"), a = netns("a"), b = netns("b"), net = network("fw");
    const conf = ptpConf(net, { cniVersion: "1.1.0" });
    ok(callAs(ptp, "ADD", conf, a, host, { containerId: "ca" }));
    ok(callAs(ptp, "ADD", conf, b, host, { containerId: "cb" }));
    foreign(host, net);
    const before = outside(host, "wasm-cni-ptp");
    const ours = () => hostRules(host).filter((r) => r.table === "wasm-cni-ptp").map((r) => r.comment);

    const noList = callAs(ptp, "GC", conf, "", host);
    expect(noList.code).not.toBe(0);
    expect(noList.json).toEqual(expect.objectContaining({ code: 7 }));
    expect(ours()).toHaveLength(2);

    ok(callAs(ptp, "GC", { ...conf, ...valid("ca") }, "", host));
    expect(ours()).toEqual([`${net.name}:ca/eth0 masquerade 10.30.0.2/24`]);
    ok(callAs(ptp, "GC", { ...conf, ...valid() }, "", host));
    expect(ours()).toEqual([]);
    expect(outside(host, "wasm-cni-ptp")).toEqual(before);
  });

  it("GC removes stale rules whatever the config's flags: ipMasq/macspoofchk off now, an empty list removes the rules of earlier ADDs", () => {
    const host = netns("h"), a = netns("a"), b = netns("b"), netP = network("fw"), netB = network("fw");
    ok(callAs(ptp, "ADD", ptpConf(netP, { cniVersion: "1.1.0" }), a, host, { containerId: "ca" }));
    ok(callAs(bridge, "ADD", bridgeConf(netB, { cniVersion: "1.1.0", ipMasq: true, macspoofchk: true }), b, host, { containerId: "cb" }));
    foreign(host, netP);
    const before = outside(host, "wasm-cni-ptp").filter((r) => r.table !== "wasm-cni-bridge");
    expect(hostRules(host).filter((r) => r.table.startsWith("wasm-cni-"))).toHaveLength(3);

    ok(callAs(ptp, "GC", { ...ptpConf(netP, { cniVersion: "1.1.0", ipMasq: false }), ...valid() }, "", host));
    expect(hostRules(host).filter((r) => r.table === "wasm-cni-ptp")).toEqual([]);
    ok(callAs(bridge, "GC", { ...bridgeConf(netB, { cniVersion: "1.1.0" }), ...valid() }, "", host));
    expect(hostRules(host).filter((r) => r.table.startsWith("wasm-cni-"))).toEqual([]);
    expect(hostRules(host).filter((r) => r.table === "foreign")).toHaveLength(2);
    expect(outside(host, "wasm-cni-ptp").filter((r) => r.table !== "wasm-cni-bridge")).toEqual(before);
  });

  it("GC where the plugin never made its tables succeeds and creates none", () => {
    const host = netns("h"), net = network("fw");
    const tables = () => JSON.parse(host.exec("nft", ["-j", "list", "tables"])) as { nftables: Array<{ table?: { name: string } }> };
    expect(tables().nftables.filter((o) => o.table)).toEqual([]);
    ok(callAs(ptp, "GC", { ...ptpConf(net, { cniVersion: "1.1.0", ipMasq: false }), ...valid("ca") }, "", host));
    ok(callAs(bridge, "GC", { ...bridgeConf(net, { cniVersion: "1.1.0" }), ...valid() }, "", host));
    expect(tables().nftables.filter((o) => o.table)).toEqual([]);
  });
});
