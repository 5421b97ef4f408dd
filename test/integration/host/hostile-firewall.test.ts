// Firewall GC is scoped by the runtime, not by a plugin: against the `sweeper` fixture (granted
// the host netns and the firewall; in every verb it asks the host to GC its tables, which
// before issue 10 took the plugin's list of attachments to keep) and against bridge on two
// networks. Outside GC firewall.retain is denied and audited, whatever rules it would have
// dropped stay; in GC the host keeps exactly the runtime's cni.dev/valid-attachments. A plugin's tables are shared by every network it serves: GC and
// DEL on one network never touch another network's rules, even for the same container id and
// ifname.
import { execFileSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import type { CniInvocation } from "../../../tools/cni-exec";
import { type HostileOutcome, runHostile, writePolicy } from "../../helpers/hostile";
import { ip, netnsPerTest, type TestNetns } from "../../helpers/netns";
import { buildFixtures, buildPluginsUnderTest } from "../../helpers/plugin-under-test";
import { call as callAs, type Caller, network, type Net, ok, pluginBinary } from "../plugins/attach-fixture";

const SWEEPER_GRANT = { interfaces: ["netns", "firewall"], hostNetns: true };

let pluginDir: string;
let policy: string;
let bridge: Caller;

beforeAll(async () => {
  await buildPluginsUnderTest(["bridge", "host-local"]);
  pluginDir = await buildFixtures(["sweeper"]); // the same folder
  bridge = { pluginDir, binary: pluginBinary("bridge") };
  policy = writePolicy({ sweeper: SWEEPER_GRANT });
}, 240_000);

const netns = netnsPerTest();

interface NftRule { family: string; table: string; chain: string; handle: number; comment?: string }

/** Every rule of the netns, as `nft -j list ruleset` shows it (handles included). */
function rules(host: TestNetns): NftRule[] {
  const out = JSON.parse(host.exec("nft", ["-j", "list", "ruleset"])) as { nftables: Array<{ rule?: NftRule & { expr: unknown } }> };
  return out.nftables.flatMap((o) => (o.rule ? [o.rule] : []));
}

const comments = (host: TestNetns, table: string): string[] => rules(host).filter((r) => r.table === table).map((r) => r.comment ?? "");

/**
 * Rules of other containers in the sweeper's own tables, as the host's firewall.ensure-* would
 * have made them for earlier ADDs on network `net` (tagged "<network>:<container id>/<ifname>").
 */
function sweeperRules(host: TestNetns, net: string): void {
  execFileSync("ip", ["netns", "exec", host.name, "nft", "-f", "-"], {
    input: [
      "add table inet wasm-cni-sweeper",
      "add chain inet wasm-cni-sweeper postrouting { type nat hook postrouting priority srcnat ; }",
      `add rule inet wasm-cni-sweeper postrouting ip saddr 10.50.0.2 masquerade comment "${net}:ca/eth0 masquerade 10.50.0.2/24"`,
      `add rule inet wasm-cni-sweeper postrouting ip saddr 10.50.0.3 masquerade comment "${net}:cb/eth0 masquerade 10.50.0.3/24"`,
      "add table bridge wasm-cni-sweeper",
      "add chain bridge wasm-cni-sweeper prerouting { type filter hook prerouting priority -300 ; }",
      `add rule bridge wasm-cni-sweeper prerouting iifname "vetha" ether saddr != 02:00:00:00:00:0a drop comment "${net}:ca/eth0 spoof-check vetha 02:00:00:00:00:0a"`,
      `add rule bridge wasm-cni-sweeper prerouting iifname "vethb" ether saddr != 02:00:00:00:00:0b drop comment "${net}:cb/eth0 spoof-check vethb 02:00:00:00:00:0b"`,
    ].join("\n"),
  });
}

function sweeper(host: TestNetns, command: CniInvocation["command"], config: Record<string, unknown> = {}): HostileOutcome {
  return runHostile({
    plugin: "sweeper", pluginDir, policy, command, host, containerId: "ctr-sweeper",
    netns: command === "GC" || command === "STATUS" ? "" : netns("c"), config: { name: "swept", ...config },
  });
}

/** A bridge network of its own (bridge and subnet), with ipMasq and macspoofchk. */
function bridgeConf(net: Net, br: string, subnet: string) {
  return {
    cniVersion: "1.1.0", name: net.name, type: "bridge", bridge: br, isGateway: true, ipMasq: true, macspoofchk: true,
    ipam: { type: "host-local", dataDir: net.dataDir, subnet, routes: [{ dst: "0.0.0.0/0" }] },
  };
}

const valid = (...ids: string[]) => ({ "cni.dev/valid-attachments": ids.map((containerID) => ({ containerID, ifname: "eth0" })) });

describe("firewall.retain outside GC", () => {
  it.each(["ADD", "DEL", "STATUS"] as const)("in %s it is denied and audited; the rules of the other containers (its own tables and bridge's) all stay", (command) => {
    const host = netns("h"), a = netns("a"), b = netns("b"), net = network("fwx");
    const conf = bridgeConf(net, "br-x", "10.43.0.0/24");
    ok(callAs(bridge, "ADD", conf, a, host, { containerId: "ca" }));
    ok(callAs(bridge, "ADD", conf, b, host, { containerId: "cb" }));
    sweeperRules(host, "swept");
    const before = rules(host);
    expect(before).toHaveLength(8);

    const r = sweeper(host, command);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.json).toMatchObject({ code: 999, msg: 'sweeper retain: denied: plugin "sweeper" may call firewall.retain only during GC, not ' + command });
    expect(r.audit().denials).toEqual([{ plugin: "sweeper", fn: "firewall.retain", reason: expect.stringMatching(/only during GC/) }]);
    expect(rules(host)).toEqual(before);
  });
});

describe("firewall.retain in GC keeps what the runtime lists, not what the plugin asks", () => {
  it("GC by the sweeper removes only the rules of attachments the runtime left out", () => {
    const host = netns("h");
    sweeperRules(host, "swept");
    const r = sweeper(host, "GC", valid("ca"));
    ok(r);
    expect(comments(host, "wasm-cni-sweeper")).toEqual(["swept:ca/eth0 masquerade 10.50.0.2/24", "swept:ca/eth0 spoof-check vetha 02:00:00:00:00:0a"]);
    expect(r.audit().denials).toEqual([]);
  });

  it("a GC config without cni.dev/valid-attachments is invalid, naming the key, and removes nothing", () => {
    const host = netns("h");
    sweeperRules(host, "swept");
    const before = rules(host);
    const r = sweeper(host, "GC");
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ msg: expect.stringMatching(/^sweeper retain: invalid: .*"cni\.dev\/valid-attachments"/) });
    expect(rules(host)).toEqual(before);
  });

  it("GC of another network removes none of its rules", () => {
    const host = netns("h");
    sweeperRules(host, "swept");
    const before = rules(host);
    ok(sweeper(host, "GC", { name: "elsewhere", ...valid() }));
    expect(rules(host)).toEqual(before);
  });
});

describe("bridge on two networks: rules are the network's own", () => {
  function twoNetworks() {
    const host = netns("h"), netA = network("fwa"), netB = network("fwb");
    return { host, netA, netB, confA: bridgeConf(netA, "br-a", "10.44.0.0/24"), confB: bridgeConf(netB, "br-b", "10.45.0.0/24") };
  }
  const of = (host: TestNetns, tag: string) => rules(host).filter((r) => r.table === "wasm-cni-bridge" && r.comment?.includes(`${tag} `));

  it("GC of network A with its valid attachments removes A's stale rules, keeps A's valid ones, and leaves network B's untouched", () => {
    const { host, netA, confA, confB } = twoNetworks();
    ok(callAs(bridge, "ADD", confA, netns("a"), host, { containerId: "ca" }));
    ok(callAs(bridge, "ADD", confA, netns("s"), host, { containerId: "cs" }));
    ok(callAs(bridge, "ADD", confB, netns("b"), host, { containerId: "cb" }));
    const b = of(host, "cb/eth0");
    expect(b).toHaveLength(2);

    ok(callAs(bridge, "GC", { ...confA, ...valid("ca") }, "", host));
    expect(of(host, "cs/eth0")).toEqual([]);
    expect(of(host, "ca/eth0").map((r) => r.comment)).toEqual([
      expect.stringMatching(new RegExp(`^${netA.name}:ca/eth0 spoof-check veth`)), `${netA.name}:ca/eth0 masquerade 10.44.0.2/24`,
    ]);
    expect(of(host, "cb/eth0")).toEqual(b);

    ok(callAs(bridge, "GC", { ...confA, ...valid() }, "", host));
    expect(of(host, "ca/eth0")).toEqual([]);
    expect(of(host, "cb/eth0")).toEqual(b);
  });

  it("DEL of container X on network A leaves X's rules on network B (same container id and ifname), and CHECK on B still passes", () => {
    const { host, netB, confA, confB } = twoNetworks();
    const xa = netns("xa"), xb = netns("xb");
    ok(callAs(bridge, "ADD", confA, xa, host, { containerId: "cx" }));
    const onA = of(host, "cx/eth0").map((r) => r.handle);
    // bridge names the host veth after the container id and ifname: A's makes way for B's.
    const [hostVeth] = of(host, "cx/eth0").flatMap((r) => r.comment!.match(/spoof-check (\S+)/)?.slice(1) ?? []);
    ip(host, "link", "set", hostVeth!, "down");
    ip(host, "link", "set", hostVeth!, "name", "vx-a", "up");
    const addB = ok(callAs(bridge, "ADD", confB, xb, host, { containerId: "cx" }));
    const onB = of(host, "cx/eth0").filter((r) => !onA.includes(r.handle));
    expect(onB.map((r) => r.comment)).toEqual([
      expect.stringMatching(new RegExp(`^${netB.name}:cx/eth0 spoof-check veth`)), `${netB.name}:cx/eth0 masquerade 10.45.0.2/24`,
    ]);

    ok(callAs(bridge, "DEL", confA, xa, host, { containerId: "cx" }));
    expect(of(host, "cx/eth0")).toEqual(onB);
    ok(callAs(bridge, "CHECK", { ...confB, prevResult: addB }, xb, host, { containerId: "cx" }));
  });
});
