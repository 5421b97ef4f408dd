// dummy, ipvlan and vlan through the host binary. This machine's kernel has none of these
// kinds: each is probed once (in a throwaway netns, as the plugin would make it) and the tests
// that need it skip, naming the kernel's answer. What runs everywhere: config errors, and ADD
// on a kernel without the kind failing with 999 and leaving no link and no reservation. The
// requests themselves are checked against iproute2 in test/golden/link-kinds.test.ts.
import { execFileSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { buildPluginsUnderTest } from "../../helpers/plugin-under-test";
import { createNetns, netnsPerTest, ipJson, type TestNetns } from "../../helpers/netns";
import { call, type Caller, globalAddrs, type IpLink, linkNames, network, type Net, ok, pluginBinary, reservations, routeTable } from "./attach-fixture";

/** "" when the kernel makes the kind, else its answer (`ip link add ...` stderr). */
function probe(kindArgs: string[]): string {
  const ns = createNetns("probe");
  try {
    ns.exec("ip", ["link", "add", "p0", "type", "veth", "peer", "name", "p1"]);
    execFileSync("ip", ["-n", ns.name, "link", "add", ...kindArgs], { stdio: ["ignore", "ignore", "pipe"] });
    return "";
  } catch (e) {
    return String((e as { stderr?: Buffer }).stderr ?? e).trim() || "refused";
  } finally {
    ns.remove();
  }
}

const KINDS = {
  dummy: probe(["k0", "type", "dummy"]),
  ipvlan: probe(["link", "p0", "name", "k0", "type", "ipvlan", "mode", "l2"]),
  vlan: probe(["link", "p0", "name", "k0", "type", "vlan", "id", "100"]),
} as const;
type Kind = keyof typeof KINDS;

const plugins: Record<Kind, Caller> = {} as Record<Kind, Caller>;

beforeAll(async () => {
  const dir = await buildPluginsUnderTest(["dummy", "ipvlan", "vlan", "host-local", "static"]);
  for (const k of Object.keys(KINDS) as Kind[]) plugins[k] = { pluginDir: dir, binary: pluginBinary(k) };
}, 300_000);


const netns = netnsPerTest();

/** A host netns with `eth0` up (a veth whose peer goes to a "wire" netns). */
function hostWithMaster(): TestNetns {
  const host = netns("h"), wire = netns("w");
  host.exec("ip", ["link", "add", "eth0", "type", "veth", "peer", "name", "peer", "netns", wire.name]);
  host.exec("ip", ["link", "set", "eth0", "up"]);
  return host;
}

const IPAM = { ranges: [[{ subnet: "10.30.0.0/24" }], [{ subnet: "fd30::/64" }]], routes: [{ dst: "0.0.0.0/0" }] };
const KIND_KEYS: Record<Kind, Record<string, unknown>> = { dummy: {}, ipvlan: { master: "eth0", mode: "l2" }, vlan: { master: "eth0", vlanId: 100 } };

function conf(kind: Kind, net: Net, extra: Record<string, unknown> = {}) {
  return { cniVersion: "1.0.0", name: net.name, type: kind, ...KIND_KEYS[kind], ...extra, ipam: { type: "host-local", dataDir: net.dataDir, ...IPAM } };
}

const details = (ns: TestNetns, name: string) => ipJson<(IpLink & { linkinfo?: { info_kind?: string; info_data?: Record<string, unknown> } })[]>(ns, ["-d", "link", "show", "dev", name])[0]!;

for (const kind of Object.keys(KINDS) as Kind[]) {
  const missing = KINDS[kind];

  describe.skipIf(missing !== "")(`${kind} on a kernel that has it${missing ? ` (skipped: the kernel answers "${missing}")` : ""}`, () => {
    it("ADD makes eth0 of the kind with the IPAM addresses and routes; CHECK passes; DEL leaves nothing", () => {
      const host = hostWithMaster(), c = netns("c"), net = network(kind);
      const r = ok(call(plugins[kind], "ADD", conf(kind, net), c, host));
      expect(details(c, "eth0").linkinfo?.info_kind).toBe(kind);
      expect(globalAddrs(c, "eth0")).toEqual(["10.30.0.2/24", "fd30::2/64"]);
      expect(routeTable(c)).toContain("default via 10.30.0.1 dev eth0");
      expect(r.interfaces).toEqual([{ name: "eth0", mac: details(c, "eth0").address, sandbox: c.path }]);
      ok(call(plugins[kind], "CHECK", { ...conf(kind, net), prevResult: r }, c, host));
      ok(call(plugins[kind], "DEL", conf(kind, net), c, host));
      expect(linkNames(c)).toEqual(["lo"]);
      expect(linkNames(host)).toEqual(["eth0", "lo"]);
      expect(reservations(net)).toEqual([]);
    });
  });

  describe.runIf(missing !== "")(`${kind} on a kernel without it`, () => {
    it("ADD fails with 999 naming the kernel's refusal and leaves no link and no reservation", () => {
      const host = hostWithMaster(), c = netns("c"), net = network(kind);
      const r = call(plugins[kind], "ADD", conf(kind, net), c, host);
      expect(r.json).toMatchObject({ code: 999 });
      expect((r.json as { msg: string }).msg).toMatch(new RegExp(`^failed to create ${kind}: kernel: .*EOPNOTSUPP`));
      expect(linkNames(c)).toEqual(["lo"]);
      expect(linkNames(host)).toEqual(["eth0", "lo"]);
      expect(reservations(net)).toEqual([]);
    });
  });

  describe(`${kind} config and DEL`, () => {
    it("a config without ipam.type fails with code 7 naming it", () => {
      const host = hostWithMaster(), c = netns("c"), net = network(kind);
      const r = call(plugins[kind], "ADD", { ...conf(kind, net), ipam: {} }, c, host);
      expect(r.json).toMatchObject({ code: 7 });
      expect(JSON.stringify(r.json)).toContain("ipam.type");
    });

    it("DEL of an attachment that was never made succeeds", () => {
      const host = hostWithMaster(), c = netns("c"), net = network(kind);
      ok(call(plugins[kind], "DEL", conf(kind, net), c, host));
    });
  });
}

describe("vlan and ipvlan config", () => {
  it.each([
    ["vlan", { vlanId: 4095 }, 'field "vlanId" must be a VLAN id from 0 to 4094'],
    ["vlan", { master: undefined }, 'field "master" is required'],
    ["ipvlan", { mode: "l4" }, 'field "mode" must be one of l2, l3, l3s'],
  ] as const)("%s with %o fails with code 7", (kind, extra, details) => {
    const host = hostWithMaster(), c = netns("c"), net = network(kind);
    const r = call(plugins[kind], "ADD", conf(kind, net, extra), c, host);
    expect(r.json).toMatchObject({ code: 7 });
    expect((r.json as { details: string }).details).toContain(details);
    expect(linkNames(c)).toEqual(["lo"]);
  });

  it.each([["vlan"], ["ipvlan"]] as const)("%s with an mtu above the master's fails with 999 before any link", (kind) => {
    const host = hostWithMaster(), c = netns("c"), net = network(kind);
    const r = call(plugins[kind], "ADD", conf(kind, net, { mtu: 9000 }), c, host);
    expect(r.json).toMatchObject({ code: 999, msg: "invalid MTU 9000, must be [0, master MTU(1500)]" });
    expect(reservations(net)).toEqual([]);
  });
});
