// The firewall meta plugin (guest-plugins/firewall) chained after bridge + host-local, in real
// namespaces: a node netns "h" joined by a veth to a "remote" netns that routes the container
// subnet through the node. With a default-drop forward chain the remote reaches the container
// only with the plugin; same-bridge isolates a container on another bridge; DEL puts the
// ruleset back; malformed configs are code 7 and change nothing. Side by side, the Go v1.1.1
// plugin (backend iptables, the node's iptables FORWARD policy drop) lets the same traffic through.
import { beforeAll, describe, expect, it } from "vitest";
import { netnsPerTest, type TestNetns } from "../../helpers/netns";
import { buildPluginsUnderTest } from "../../helpers/plugin-under-test";
import { call, callGo, type Caller, type Net, network, normalizeResult, ok, pings, pluginBinary } from "./attach-fixture";

let bridge: Caller, fw: Caller;

beforeAll(async () => {
  const dir = await buildPluginsUnderTest(["bridge", "host-local", "firewall"]);
  bridge = { pluginDir: dir, binary: pluginBinary("bridge") };
  fw = { pluginDir: dir, binary: pluginBinary("firewall") };
}, 240_000);

const netns = netnsPerTest();

function bridgeConf(net: Net, br: string, subnet: string) {
  return {
    cniVersion: "1.1.0", name: net.name, type: "bridge", bridge: br, isGateway: true,
    ipam: { type: "host-local", dataDir: net.dataDir, subnet, routes: [{ dst: "0.0.0.0/0" }] },
  };
}

const fwConf = (net: Net, prevResult: unknown, extra: Record<string, unknown> = {}) =>
  ({ cniVersion: "1.1.0", name: net.name, type: "firewall", prevResult, ...extra });

/** A remote host: a netns joined to the node by up0 (192.168.70.1) / down0 (192.168.70.2), routing everything through the node. */
function remote(host: TestNetns): TestNetns {
  const r = netns("r");
  host.exec("ip", ["link", "add", "up0", "type", "veth", "peer", "name", "down0", "netns", r.name]);
  host.exec("ip", ["addr", "add", "192.168.70.1/24", "dev", "up0"]);
  host.exec("ip", ["link", "set", "up0", "up"]);
  r.exec("ip", ["addr", "add", "192.168.70.2/24", "dev", "down0"]);
  r.exec("ip", ["link", "set", "down0", "up"]);
  r.exec("ip", ["route", "add", "default", "via", "192.168.70.1"]);
  return r;
}

/** The operator's default-drop forward path: the drop policy on the plugin's own chain (README: with nftables an accept in one table cannot override a drop in another). */
function dropForwardPolicy(host: TestNetns): void {
  host.exec("nft", ["add", "table", "inet", "wasm-cni-firewall"]);
  host.exec("nft", ["add", "chain", "inet", "wasm-cni-firewall", "forward", "{ type filter hook forward priority 0 ; policy drop ; }"]);
}

const ruleset = (host: TestNetns): string => host.exec("nft", ["list", "ruleset"]);

describe("firewall plugin after bridge", () => {
  it("with a default-drop forward path the container reaches the remote only with the plugin (the remote opens nothing to it, as in the reference); CHECK passes; DEL puts the ruleset back", () => {
    const host = netns("h"), c = netns("c"), net = network("fwm");
    const r = remote(host);
    dropForwardPolicy(host);
    const prev = ok(call(bridge, "ADD", bridgeConf(net, "br-fw", "10.70.0.0/24"), c, host));
    const before = ruleset(host);
    expect(pings(c, "192.168.70.2")).toBe(false);

    const added = ok(call(fw, "ADD", fwConf(net, prev), c, host));
    expect(added).toEqual(prev); // a chained plugin passes the prevResult on
    expect(pings(c, "192.168.70.2")).toBe(true); // from the container: accepted, the reply established
    expect(pings(r, "10.70.0.2")).toBe(false); // a new connection to it: not the plugin's to open
    const text = ruleset(host);
    expect(text).toContain(`ip daddr 10.70.0.2 ct state established,related accept comment "${net.name}:ctr1/eth0 rule"`);
    expect(text).toContain(`ip saddr 10.70.0.2 accept comment "${net.name}:ctr1/eth0 rule"`);
    ok(call(fw, "CHECK", fwConf(net, prev), c, host));

    ok(call(fw, "DEL", fwConf(net, prev), c, host));
    expect(ruleset(host)).toBe(before);
    expect(pings(c, "192.168.70.2")).toBe(false);
    const check = call(fw, "CHECK", fwConf(net, prev), c, host);
    expect(check.code).toBe(1);
    expect(check.json).toMatchObject({ msg: expect.stringMatching(/^firewall: a rule of this container is missing/) });
    ok(call(fw, "DEL", fwConf(net, prev), c, host)); // twice: nothing there is success
  });

  it("IPv6: the container's v6 address gets the same rules, and its v6 traffic passes a default-drop forward path only with them", () => {
    const host = netns("h"), c = netns("c"), net = network("fw6");
    const r = remote(host);
    host.exec("ip", ["addr", "add", "fd99::1/64", "dev", "up0", "nodad"]);
    r.exec("ip", ["addr", "add", "fd99::2/64", "dev", "down0", "nodad"]);
    r.exec("ip", ["-6", "route", "add", "default", "via", "fd99::1"]);
    dropForwardPolicy(host);
    const conf = {
      ...bridgeConf(net, "br-v6", "10.77.0.0/24"),
      ipam: { type: "host-local", dataDir: net.dataDir, ranges: [[{ subnet: "10.77.0.0/24" }], [{ subnet: "fd77::/64" }]], routes: [{ dst: "0.0.0.0/0" }, { dst: "::/0" }] },
    };
    const prev = ok(call(bridge, "ADD", conf, c, host));
    const before = ruleset(host);
    expect(pings(c, "fd99::2")).toBe(false);
    ok(call(fw, "ADD", fwConf(net, prev), c, host));
    const text = ruleset(host);
    expect(text).toContain("ip6 daddr fd77::2 ct state established,related accept");
    expect(text).toContain("ip6 saddr fd77::2 accept");
    expect(pings(c, "fd99::2")).toBe(true);
    ok(call(fw, "CHECK", fwConf(net, prev), c, host));
    ok(call(fw, "DEL", fwConf(net, prev), c, host));
    expect(ruleset(host)).toBe(before);
  });

  it("a 0.4.0 chain: the prevResult in 0.4.0 comes back as it was", () => {
    const host = netns("h"), c = netns("c"), net = network("fw4");
    const prev = ok(call(bridge, "ADD", { ...bridgeConf(net, "br-04", "10.78.0.0/24"), cniVersion: "0.4.0" }, c, host));
    expect(prev.cniVersion).toBe("0.4.0");
    const added = ok(call(fw, "ADD", { ...fwConf(net, prev), cniVersion: "0.4.0" }, c, host));
    expect(added).toEqual(prev);
    expect(ruleset(host)).toContain("ip saddr 10.78.0.2 accept");
    ok(call(fw, "DEL", { ...fwConf(net, prev), cniVersion: "0.4.0" }, c, host));
  });

  it("every backend of the reference (iptables, firewalld, nftables, none) makes the same nftables rules", () => {
    const host = netns("h"), c = netns("c"), net = network("fwb");
    const prev = ok(call(bridge, "ADD", bridgeConf(net, "br-fb", "10.73.0.0/24"), c, host));
    const seen = new Set<string>();
    for (const backend of ["iptables", "firewalld", "nftables", undefined]) {
      ok(call(fw, "ADD", fwConf(net, prev, backend === undefined ? {} : { backend }), c, host));
      seen.add(ruleset(host));
      ok(call(fw, "DEL", fwConf(net, prev), c, host));
    }
    expect(seen.size).toBe(1);
    expect([...seen][0]).toContain("ip saddr 10.73.0.2 accept");
  });

  it("same-bridge: a container on another bridge cannot open a connection to it, while it can to that one; with open it can", () => {
    const host = netns("h"), a = netns("a"), b = netns("b"), netA = network("fwa"), netB = network("fwb");
    const prevA = ok(call(bridge, "ADD", bridgeConf(netA, "br-a", "10.71.0.0/24"), a, host, { containerId: "ca" }));
    const prevB = ok(call(bridge, "ADD", bridgeConf(netB, "br-b", "10.72.0.0/24"), b, host, { containerId: "cb" }));
    ok(call(fw, "ADD", fwConf(netB, prevB), b, host, { containerId: "cb" }));
    expect(pings(b, "10.71.0.2")).toBe(true); // no isolation yet

    ok(call(fw, "ADD", fwConf(netA, prevA, { ingressPolicy: "same-bridge" }), a, host, { containerId: "ca" }));
    expect(ruleset(host)).toContain(`ip daddr 10.71.0.2 iifname != "br-a" oifname "br-a" ct state new drop comment "${netA.name}:ca/eth0 rule"`);
    expect(pings(b, "10.71.0.2")).toBe(false);
    expect(pings(a, "10.72.0.2")).toBe(true); // its own connections out, and their replies in
    ok(call(fw, "CHECK", fwConf(netA, prevA, { ingressPolicy: "same-bridge" }), a, host, { containerId: "ca" }));

    ok(call(fw, "DEL", fwConf(netA, prevA), a, host, { containerId: "ca" }));
    ok(call(fw, "ADD", fwConf(netA, prevA, { ingressPolicy: "open" }), a, host, { containerId: "ca" }));
    expect(pings(b, "10.71.0.2")).toBe(true);
  });

  it("GC removes the rules of attachments the runtime no longer lists", () => {
    const host = netns("h"), a = netns("a"), b = netns("b"), net = network("fwg");
    const conf = bridgeConf(net, "br-g", "10.74.0.0/24");
    const prevA = ok(call(bridge, "ADD", conf, a, host, { containerId: "ca" }));
    const prevB = ok(call(bridge, "ADD", conf, b, host, { containerId: "cb" }));
    ok(call(fw, "ADD", fwConf(net, prevA), a, host, { containerId: "ca" }));
    ok(call(fw, "ADD", fwConf(net, prevB), b, host, { containerId: "cb" }));
    ok(call(fw, "GC", { cniVersion: "1.1.0", name: net.name, type: "firewall", "cni.dev/valid-attachments": [{ containerID: "ca", ifname: "eth0" }] }, "", host));
    const text = ruleset(host);
    expect(text).toContain(`"${net.name}:ca/eth0 rule"`);
    expect(text).not.toContain(`"${net.name}:cb/eth0 rule"`);
  });

  it.each([
    ["an unknown backend", { backend: "ufw" }, /backend.*must be "iptables", "firewalld" or "nftables" \(all mean nftables here\), not "ufw"/],
    ["an unknown ingressPolicy", { ingressPolicy: "closed" }, /ingressPolicy.*must be "open" or "same-bridge", not "closed"/],
    ["a backend that is not a string", { backend: 1 }, /backend/],
    ["no prevResult", { prevResult: undefined }, /must be called as a chained plugin: the config has no prevResult/],
    ["same-bridge with no bridge first in the prevResult", { ingressPolicy: "same-bridge", prevResult: { cniVersion: "1.1.0", interfaces: [{ name: "eth0", sandbox: "/run/netns/x" }], ips: [{ address: "10.75.0.2/24", interface: 0 }] } }, /same-bridge.*needs the bridge as the prevResult's first interface/],
  ])("%s is code 7 and changes nothing", (_, extra, msg) => {
    const host = netns("h"), c = netns("c"), net = network("fwe");
    const prev = ok(call(bridge, "ADD", bridgeConf(net, "br-e", "10.75.0.0/24"), c, host));
    const before = ruleset(host);
    const r = call(fw, "ADD", fwConf(net, prev, extra), c, host);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.json).toMatchObject({ code: 7 });
    const j = r.json as { msg?: string; details?: string };
    expect(`${j.msg}: ${j.details}`).toMatch(msg);
    expect(ruleset(host)).toBe(before);
  });
});

describe("side by side with the Go firewall plugin v1.1.1", () => {
  it("both let the container through a default-drop forward path and return the prevResult", () => {
    // Go: backend iptables, the node's iptables FORWARD policy drop (its rules go into that chain).
    // v1.1.1 speaks CNI up to 1.0.0.
    const goHost = netns("h"), goC = netns("c"), goNet = network("fwgo");
    remote(goHost);
    goHost.exec("iptables", ["-P", "FORWARD", "DROP"]);
    const goPrev = ok(callGo("bridge", "ADD", { ...bridgeConf(goNet, "br-go", "10.76.0.0/24"), cniVersion: "1.0.0" }, goC, goHost));
    expect(pings(goC, "192.168.70.2")).toBe(false);
    const goAdded = ok(callGo("firewall", "ADD", { ...fwConf(goNet, goPrev, { backend: "iptables" }), cniVersion: "1.0.0" }, goC, goHost));
    expect(pings(goC, "192.168.70.2")).toBe(true);

    // Ours: the drop policy on the plugin's own nftables chain (the iptables FORWARD chain is not ours to write).
    const host = netns("h"), c = netns("c"), net = network("fwgo");
    remote(host);
    dropForwardPolicy(host);
    const prev = ok(call(bridge, "ADD", bridgeConf(net, "br-go", "10.76.0.0/24"), c, host));
    expect(pings(c, "192.168.70.2")).toBe(false);
    const added = ok(call(fw, "ADD", fwConf(net, prev, { backend: "iptables" }), c, host));
    expect(pings(c, "192.168.70.2")).toBe(true);

    expect(normalizeResult({ ...added, cniVersion: "1.0.0" })).toEqual(normalizeResult(goAdded));
    ok(callGo("firewall", "DEL", { ...fwConf(goNet, goPrev, { backend: "iptables" }), cniVersion: "1.0.0" }, goC, goHost));
  });
});
