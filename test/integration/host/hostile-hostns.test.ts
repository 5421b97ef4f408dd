// The host netns is safe from a plugin's own grants, against the `intruder` fixture (granted
// the host netns, veth and macvlan, the firewall): link names the kernel would expand, a
// foreign-owned link moved in by a change that fails half-way, a macvlan in passthru on the
// uplink, host routes outside the grant, a masquerade of another container's address. Each is
// refused before any kernel change, audited as a denial, and the failed ADD leaves the test's
// host netns (standing for the node's) and the container's netns as they were.
import { beforeAll, describe, expect, it } from "vitest";
import { type HostileOutcome, runHostile, writePolicy } from "../../helpers/hostile";
import { buildFixtures } from "../../helpers/plugin-under-test";
import { ip, ipJson, netnsPerTest, type TestNetns } from "../../helpers/netns";

export const INTRUDER_GRANT = {
  interfaces: ["netns", "link", "addr", "route", "firewall"], hostNetns: true, linkKinds: ["veth", "macvlan"],
};

let pluginDir: string;

beforeAll(async () => {
  pluginDir = await buildFixtures(["intruder"]);
}, 120_000);

const netns = netnsPerTest({ ipv6: false });

/**
 * A test "host" with an uplink up0 (10.80.0.2/24, the default route via the gateway 10.80.0.1,
 * which lives in a netns of its own) and a victim veth vic0 (10.70.0.1/24, a route via it).
 */
function hostWithUplink(): { host: TestNetns; gw: TestNetns } {
  const host = netns("host");
  const gw = netns("gw");
  ip(host, "link", "add", "up0", "type", "veth", "peer", "name", "gw0", "netns", gw.name);
  ip(host, "addr", "add", "10.80.0.2/24", "dev", "up0");
  ip(host, "link", "set", "up0", "up");
  ip(gw, "addr", "add", "10.80.0.1/24", "dev", "gw0");
  ip(gw, "link", "set", "gw0", "up");
  ip(host, "route", "add", "default", "via", "10.80.0.1", "dev", "up0");
  ip(host, "link", "add", "vic0", "type", "veth", "peer", "name", "vic1");
  ip(host, "link", "set", "vic0", "up");
  ip(host, "link", "set", "vic1", "up");
  ip(host, "addr", "add", "10.70.0.1/24", "dev", "vic0");
  ip(host, "route", "add", "10.71.0.0/24", "via", "10.70.0.2", "dev", "vic0");
  return { host, gw };
}

/** Links, addresses and routes of every table, as ip -j shows them. */
function state(ns: TestNetns): unknown {
  return {
    links: ipJson(ns, ["-d", "link", "show"]),
    addrs: ipJson(ns, ["addr", "show"]),
    routes: ipJson(ns, ["route", "show", "table", "all"]),
  };
}

/** A TCP connect to the gateway is answered (refused: nothing listens): it is reachable. No ping on these machines. */
function gatewayReachable(host: TestNetns): boolean {
  const probe = "require('net').connect(9,'10.80.0.1').on('error',(e)=>console.log(e.code)).setTimeout(1000,function(){console.log('TIMEOUT');this.destroy()})";
  return host.exec(process.execPath, ["-e", probe]).trim() === "ECONNREFUSED";
}

function call(host: TestNetns, c: TestNetns, config: Record<string, unknown>, grant: Record<string, unknown> = INTRUDER_GRANT): HostileOutcome {
  return runHostile({
    plugin: "intruder", pluginDir, policy: writePolicy({ intruder: grant }), host, netns: c, config: { name: "hostns", ...config },
  });
}

/**
 * The call failed with the host's answer as the plugin passed it on ("intruder <step>: <tag>:
 * <body>"), and the audit line has that host function refused, as a denial when `denied`.
 */
function expectRefused(r: HostileOutcome, fn: string, step: string, body: string, tag: "denied" | "invalid" = "denied"): void {
  expect(r.code, r.stdout + r.stderr).toBe(1);
  expect(r.json).toMatchObject({ cniVersion: "1.1.0", msg: expect.stringMatching(new RegExp(`^intruder ${step}: ${tag}: ${body}`)) });
  const audit = r.audit();
  const refused = audit.calls.filter((c) => c.fn === fn && c.outcome.startsWith(`${tag}: `));
  expect(refused, JSON.stringify(audit.calls)).toHaveLength(1);
  if (tag === "denied") expect(audit.denials).toEqual([{ plugin: "intruder", fn, reason: expect.stringMatching(new RegExp(`^${body}`)) }]);
}

describe("link names the kernel would expand", () => {
  it.each([
    ["name-peer", "h%d", "link.create", "name-peer"],
    ["name-host", "v%d", "link.create", "name-host"],
    ["name-rename", "h%d", "link.set", "rename"],
    ["name-peer", "a%s", "link.create", "name-peer"],
  ])("%s %s is invalid before any kernel call, and no link is left in the host netns", (mode, name, fn, step) => {
    const { host } = hostWithUplink();
    const c = netns("ctr");
    const before = { host: state(host), c: state(c) };
    const r = call(host, c, { mode, linkName: name });
    expectRefused(r, fn, step, `"${name}" is not a valid interface name \\(1-15 bytes, no "/", ":", "%"`, "invalid");
    expect({ host: state(host), c: state(c) }).toEqual(before);
  });
});

describe("ownership moves", () => {
  it("a link marked as another plugin's may not move into the host netns, even with an alias of its own in the same change", () => {
    const { host } = hostWithUplink();
    const c = netns("ctr");
    ip(c, "link", "add", "foreign0", "type", "veth", "peer", "name", "foreign1");
    ip(c, "link", "set", "foreign0", "alias", "wasm-cni:bridge");
    const before = { host: state(host), c: state(c) };
    const r = call(host, c, { mode: "move", target: "foreign0" });
    expectRefused(r, "link.set", "move", 'plugin "intruder" may not move link foreign0 into the host netns: it carries the owner mark "wasm-cni:bridge" of another plugin');
    expect({ host: state(host), c: state(c) }).toEqual(before);
  });

  it("a move that fails half-way (an MTU the kernel refuses) leaves the link where it was", () => {
    const { host } = hostWithUplink();
    const c = netns("ctr");
    ip(c, "link", "add", "plain0", "type", "veth", "peer", "name", "plain1");
    ip(c, "link", "set", "plain0", "up");
    const before = { host: state(host), c: state(c) };
    const r = call(host, c, { mode: "move", target: "plain0" });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.json).toMatchObject({ msg: expect.stringMatching(/^intruder move: invalid: .*mtu 1/) });
    expect({ host: state(host), c: state(c) }).toEqual(before);
  });
});

describe("host uplink takeover", () => {
  it("a macvlan in passthru on the default route's link is denied without parentTakeover; the uplink stays as it was and the gateway reachable", () => {
    const { host } = hostWithUplink();
    const c = netns("ctr");
    expect(gatewayReachable(host)).toBe(true);
    const before = { host: state(host), c: state(c) };
    const r = call(host, c, { mode: "passthru", parent: "up0", allowed: true });
    expectRefused(r, "link.create", "passthru", 'plugin "intruder" may not make a macvlan in passthru mode on host link up0: taking over a host link needs parentTakeover: true in its grant');
    expect({ host: state(host), c: state(c) }).toEqual(before);
    expect(ipJson<{ flags: string[] }[]>(host, ["link", "show", "up0"])[0]!.flags).not.toContain("PROMISC");
    expect(gatewayReachable(host)).toBe(true);
  });

  it("passthru on a master the config names is still denied without parentTakeover", () => {
    const { host } = hostWithUplink();
    const c = netns("ctr");
    const before = state(host);
    const r = call(host, c, { mode: "passthru", parent: "up0", master: "up0", allowed: true });
    expectRefused(r, "link.create", "passthru", 'plugin "intruder" may not make a macvlan in passthru mode on host link up0: taking over');
    expect(state(host)).toEqual(before);
  });

  it("with parentTakeover, passthru is allowed on the master the config names, never on the default route's link taken by default", () => {
    const { host } = hostWithUplink();
    const grant = { ...INTRUDER_GRANT, parentTakeover: true };
    const denied = call(host, netns("ctr"), { mode: "passthru", parent: "up0", allowed: true }, grant);
    expectRefused(denied, "link.create", "passthru", 'plugin "intruder" may not make a macvlan in passthru mode on host link up0: with parentTakeover only the link its config names as master');
    const c = netns("ctr");
    const r = call(host, c, { mode: "passthru", parent: "up0", master: "up0", allowed: true }, grant);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(ipJson<{ linkinfo: { info_data: { mode: string } } }[]>(c, ["-d", "link", "show", "eth0"])[0]!.linkinfo.info_data.mode).toBe("passthru");
  });
});

describe("host routes stay inside the grant", () => {
  const IPAM = { ipam: { type: "host-local", ranges: [[{ subnet: "10.66.0.0/16" }]] } };
  it.each([
    ["route-add", { dst: "10.99.0.0/24" }, "route.add", "add route 10.99.0.0/24 in the host netns: outside the address ranges its config names"],
    ["route-add", { dst: "0.0.0.0/0" }, "route.add", "add route 0.0.0.0/0 in the host netns: outside the address ranges"],
    ["route-add", { dst: "10.64.0.0/14" }, "route.add", "add route 10.64.0.0/14 in the host netns: outside"],
    ["route-add", { dst: "10.66.5.0/24", table: 100 }, "route.add", "add route 10.66.5.0/24 in table 100 of the host netns: only the main table"],
    ["route-replace", { dst: "10.99.0.0/24" }, "route.replace", "replace route 10.99.0.0/24 in the host netns: outside"],
    ["route-delete", { dst: "10.99.0.0/24" }, "route.delete", "delete route 10.99.0.0/24 in the host netns: outside"],
  ])("%s %j is denied, audited, and the host's routes stay as they were", (mode, extra, fn, msg) => {
    const { host } = hostWithUplink();
    const c = netns("ctr");
    const before = { host: state(host), c: state(c) };
    const r = call(host, c, { mode, ...extra, ...IPAM });
    expectRefused(r, fn, mode, `plugin "intruder" may not ${msg}`);
    expect({ host: state(host), c: state(c) }).toEqual(before);
  });

  it.each([
    [{ dst: "10.66.5.7/32", ...IPAM }, INTRUDER_GRANT],
    [{ dst: "10.66.5.7/32", ipam: { type: "static", addresses: [{ address: "10.66.5.7/24" }] } }, INTRUDER_GRANT],
    [{ dst: "10.66.5.7/32", prevResult: { cniVersion: "1.1.0", ips: [{ address: "10.66.5.7/24" }] } }, INTRUDER_GRANT],
    [{ dst: "10.99.1.0/24" }, { ...INTRUDER_GRANT, hostRoutes: ["10.99.0.0/16"] }],
    [{ dst: "10.66.5.0/24", table: 100, ...IPAM }, { ...INTRUDER_GRANT, hostRouteTables: [100] }],
  ])("a route inside what the config names or the grant lists is allowed: %j", (config, grant) => {
    const { host } = hostWithUplink();
    const c = netns("ctr");
    const r = call(host, c, { mode: "route-add", allowed: true, ...config }, grant);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const table = (config as { table?: number }).table ?? "main";
    expect(ipJson<{ dst: string; dev: string }[]>(host, ["route", "show", "table", String(table)]).some((x) => x.dev === "hns0")).toBe(true);
  });
});

describe("firewall rules name only the call's own container addresses", () => {
  it("ensure-masquerade of an address the container does not have is denied, audited, and adds no rule", () => {
    const { host } = hostWithUplink();
    const c = netns("ctr");
    const nftBefore = host.exec("nft", ["list", "ruleset"]);
    const before = { host: state(host), c: state(c) };
    const r = call(host, c, { mode: "masq", cidr: "10.90.0.7/24" });
    expectRefused(r, "firewall.ensure-masquerade", "masquerade", `plugin "intruder" may not masquerade 10.90.0.7/24: not an address of the call's container`);
    expect({ host: state(host), c: state(c) }).toEqual(before);
    expect(host.exec("nft", ["list", "ruleset"])).toBe(nftBefore);
  });

  it("ensure-masquerade of the container's own address is allowed", () => {
    const { host } = hostWithUplink();
    const c = netns("ctr");
    const r = call(host, c, { mode: "masq", cidr: "10.90.0.5/24", allowed: true });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(host.exec("nft", ["list", "ruleset"])).toMatch(/ip saddr 10\.90\.0\.5 .*masquerade/);
  });
});
