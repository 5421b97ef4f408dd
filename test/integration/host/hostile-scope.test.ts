// Scoped link ownership and per-plugin grants, against the `escape` fixture (granted the host
// netns, linkKinds veth, sysctlKeys net.ipv4.conf.*.forwarding). Each escape is refused with
// `denied` naming the rule, audited as a denial, and the failed ADD leaves the test's host
// netns (with its victim veth) and the container's netns exactly as they were.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { expectCniError, type HostileOutcome, runHostile, writePolicy } from "../../helpers/hostile";
import { ROOT } from "../../helpers/fixtures";
import { buildFixtures } from "../../helpers/plugin-under-test";
import { ip, ipJson, netnsPerTest, type TestNetns } from "../../helpers/netns";

// hostRoutes: the route its allowed steps add in the host netns (10.66.1.0/24 via esc0).
const GRANT = {
  interfaces: ["netns", "link", "addr", "route", "sysctl"], hostNetns: true, linkKinds: ["veth"], sysctlKeys: ["net.ipv4.conf.*.forwarding"],
  hostRoutes: ["10.66.1.0/24"],
};

let pluginDir: string;
let policy: string;

beforeAll(async () => {
  pluginDir = await buildFixtures(["escape"]);
  policy = writePolicy({ escape: GRANT });
}, 120_000);

// IPv6 is off, so that no address is tentative for a moment (state compares exactly).
const netns = netnsPerTest({ ipv6: false });

/** A test "host" netns holding the victim: a veth pair vic0/vic1, up, 10.70.0.1/24 on vic0 and a route via it. */
function hostWithVictim(): TestNetns {
  const h = netns("host");
  ip(h, "link", "add", "vic0", "type", "veth", "peer", "name", "vic1");
  ip(h, "link", "set", "vic0", "up");
  ip(h, "link", "set", "vic1", "up");
  ip(h, "addr", "add", "10.70.0.1/24", "dev", "vic0");
  ip(h, "route", "add", "10.71.0.0/24", "via", "10.70.0.2", "dev", "vic0");
  return h;
}

const container = (): TestNetns => netns("ctr");

const SYSCTLS = ["net.ipv4.ip_forward", "net.ipv4.conf.all.forwarding", "net.ipv4.conf.all.rp_filter", "net.ipv4.conf.default.forwarding"];

/** Links, addresses, routes of every table and the sysctls an escape could reach, as ip -j shows them. */
function state(ns: TestNetns, extraSysctls: string[] = []): unknown {
  return {
    links: ipJson(ns, ["-d", "link", "show"]),
    addrs: ipJson(ns, ["addr", "show"]),
    routes: ipJson(ns, ["route", "show", "table", "all"]),
    sysctls: [...SYSCTLS, ...extraSysctls].map((k) => `${k}=${ns.exec("sysctl", ["-n", k]).trim()}`),
  };
}

function call(command: "ADD" | "DEL", host: TestNetns, c: TestNetns | string, config: Record<string, unknown>, pol = policy): HostileOutcome {
  return runHostile({ plugin: "escape", pluginDir, policy: pol, command, host, netns: c, config: { name: "scope", victim: "vic0", ...config } });
}

const OWNERSHIP = "it did not create it and its config does not name it \\(scoped link ownership\\)";

// [mode, extra config, the host function refused, what the message says]
const ESCAPES: [string, Record<string, unknown>, string, string][] = [
  ["delete", {}, "link.delete", `may not delete host link vic0: ${OWNERSHIP}`],
  ["rename", {}, "link.set", `may not change host link vic0: ${OWNERSHIP}`],
  ["mtu", {}, "link.set", `may not change host link vic0: ${OWNERSHIP}`],
  ["move", {}, "link.set", `may not move host link vic0: ${OWNERSHIP}`],
  ["enslave", {}, "link.set", `may not enslave a link to host link vic0: ${OWNERSHIP}`],
  ["alias", {}, "link.set", 'may not set alias "wasm-cni:bridge" in the host netns: the prefix wasm-cni: is the host\'s owner mark'],
  ["addr", {}, "addr.add", `may not add an address to host link vic0: ${OWNERSHIP}`],
  ["addr-del", {}, "addr.delete", `may not remove an address from host link vic0: ${OWNERSHIP}`],
  ["route", {}, "route.add", `may not add route 10.68.0.0/24 via host link vic0: ${OWNERSHIP}`],
  ["route-nodev", {}, "route.add", "may not add route 10.69.0.0/24 in the host netns without naming its link \\(dev\\)"],
  ["replace", {}, "route.replace", `may not replace route 10.70.0.0/24 on host link vic0: ${OWNERSHIP}`],
  ["sysctl-host", {}, "sysctl.set", `may not set sysctl net.ipv4.conf.vic0.forwarding of host link vic0: ${OWNERSHIP}`],
  ["sysctl", { key: "net.ipv4.conf.all.rp_filter" }, "sysctl.set",
    "may not use sysctl net.ipv4.conf.all.rp_filter: not in its grant's sysctlKeys \\(net.ipv4.conf.\\*.forwarding\\)"],
  ["sysctl", { key: "net.core.somaxconn" }, "sysctl.set", "may not use sysctl net.core.somaxconn: not on the host's allowlist"],
  ["kind", {}, "link.create", "may not create a dummy link \\(its grant's linkKinds: veth\\)"],
  ["forged", { forged: 2 }, "link.delete", "used netns id 2, which is not a handle it got from netns.container or netns.host in this call"],
  ["forged", { forged: 4_000_000_000 }, "link.delete", "used netns id 4000000000, which is not a handle"],
  // Changed first (promisc, allmulti, txqlen of the container's lo): the journal puts them back.
  ["forged", { forged: 2, tune: "lo" }, "link.delete", "used netns id 2, which is not a handle"],
];

describe("hostile plugins outside their scope", () => {
  it.each(ESCAPES)("%s %j is refused (%s denied), audited, and both namespaces stay as they were", (mode, extra, fn, msg) => {
    const host = hostWithVictim();
    const c = container();
    const before = { host: state(host, ["net.ipv4.conf.vic0.forwarding"]), c: state(c) };
    const r = call("ADD", host, c, { mode, ...extra });
    expectCniError(r, 999, new RegExp(`^escape ${mode}: denied: plugin "escape" ${msg}`));
    const audit = r.audit();
    expect(audit.code).toBe(999);
    expect(audit.denials).toEqual([{ plugin: "escape", fn, reason: expect.stringMatching(new RegExp(`^plugin "escape" ${msg}`)) }]);
    expect(audit.calls.some((x) => x.fn.startsWith("undo link.create eth0"))).toBe(true); // what it was allowed to make went again
    expect({ host: state(host, ["net.ipv4.conf.vic0.forwarding"]), c: state(c) }).toEqual(before);
  });

  it("what it creates in the host netns stays its own across calls: a later DEL may delete esc0, never the victim", () => {
    const host = hostWithVictim();
    const c = container();
    const r = call("ADD", host, c, { mode: "own" });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // The veth's peer landed in the host netns: the host marked it as the plugin's.
    const [esc0] = ipJson<{ ifalias?: string; flags: string[] }[]>(host, ["-d", "link", "show", "esc0"]);
    expect(esc0).toMatchObject({ ifalias: "wasm-cni:escape", flags: expect.arrayContaining(["UP"]) });
    const beforeDel = state(host);
    expectCniError(call("DEL", host, c, { target: "vic0" }), 999, new RegExp(`^escape delete vic0: denied: plugin "escape" may not delete host link vic0: ${OWNERSHIP}`));
    expect(state(host)).toEqual(beforeDel);
    // Another process, same plugin: ownership came from the link's alias, not from memory.
    const d = call("DEL", host, c, { target: "esc0" });
    expect(d.code, d.stdout + d.stderr).toBe(0);
    expect(ipJson<{ ifname: string }[]>(host, ["link", "show"]).map((l) => l.ifname).sort()).toEqual(["lo", "vic0", "vic1"]);
  });

  it("a link the config names (bridge, master, device) is in scope", () => {
    const host = hostWithVictim();
    const c = container();
    // `mtu` on vic0 is refused above; with "device": "vic0" the config names it.
    const r = call("ADD", host, c, { mode: "mtu", device: "vic0" });
    expect(r.json).toMatchObject({ code: 999, msg: "escape mtu: the host let it through" });
    expect(existsSync(`/run/netns/${host.name}`)).toBe(true);
    // The failed ADD put the MTU back.
    expect(ipJson<{ mtu: number }[]>(host, ["link", "show", "vic0"])[0]?.mtu).toBe(1500);
  });

  // portmap's route_localnet: a per-interface sysctl of the container's own host-side link.
  const prevNaming = (name: string, sandbox?: string) => ({ cniVersion: "1.1.0", interfaces: [{ name, ...(sandbox && { sandbox }) }], ips: [] });
  const SYSCTL_DENIED = new RegExp(`^escape sysctl-host: denied: plugin "escape" may not set sysctl net.ipv4.conf.vic0.forwarding of host link vic0: ${OWNERSHIP}`);

  it.each([
    ["prevResult lists it host-side but no wasm-cni plugin made it (an earlier plugin could name the uplink)", false, prevNaming("vic0")],
    ["it carries a wasm-cni owner mark but prevResult does not list it", true, prevNaming("other0")],
    ["prevResult lists it inside a sandbox", true, prevNaming("vic0", "/run/netns/x")],
  ] as const)("a per-interface sysctl of a host link is refused when %s", (_why, marked, prevResult) => {
    const host = hostWithVictim();
    if (marked) ip(host, "link", "set", "vic0", "alias", "wasm-cni:bridge");
    const c = container();
    const before = state(host, ["net.ipv4.conf.vic0.forwarding"]);
    expectCniError(call("ADD", host, c, { mode: "sysctl-host", prevResult }), 999, SYSCTL_DENIED);
    expect(state(host, ["net.ipv4.conf.vic0.forwarding"])).toEqual(before);
  });

  it("a host-side link of prevResult that a wasm-cni plugin made is in scope for a per-interface sysctl only (not for link changes)", () => {
    const host = hostWithVictim();
    ip(host, "link", "set", "vic0", "alias", "wasm-cni:bridge");
    const c = container();
    const before = state(host, ["net.ipv4.conf.vic0.forwarding"]);
    const r = call("ADD", host, c, { mode: "sysctl-host", prevResult: prevNaming("vic0") });
    expect(r.json).toMatchObject({ code: 999, msg: "escape sysctl-host: the host let it through" });
    expect(r.audit().calls.some((x) => x.fn.startsWith("undo sysctl.set net.ipv4.conf.vic0.forwarding"))).toBe(true);
    expect(state(host, ["net.ipv4.conf.vic0.forwarding"])).toEqual(before); // the failed ADD put it back
    expectCniError(call("ADD", host, c, { mode: "mtu", prevResult: prevNaming("vic0") }), 999, new RegExp(`^escape mtu: denied: plugin "escape" may not change host link vic0: ${OWNERSHIP}`));
  });

  it("a CNI_NETNS that is the host's own netns counts as the host's: denied without hostNetns", () => {
    const host = hostWithVictim();
    const before = state(host);
    const r = call("ADD", host, `/run/netns/${host.name}`, { mode: "delete" }, writePolicy({ escape: { ...GRANT, hostNetns: false } }));
    expectCniError(r, 999, /^escape container netns: denied: CNI_NETNS \/run\/netns\/\S+ is the host's network namespace, which plugin "escape" is not granted/);
    expect(state(host)).toEqual(before);
  });
});

// routed's proxy ARP (issue 14): its grant allows net.ipv4.conf.*.proxy_arp, which in the host
// netns must reach only the host ends it made: proxy ARP on another link would make the node
// answer ARP there for every address it routes (an uplink: hijacking the underlay's traffic).
describe("proxy_arp with routed's sysctl keys", () => {
  const routed = JSON.parse(readFileSync(join(ROOT, "guest-plugins", "routed", "manifest.json"), "utf8")) as { capabilities: { sysctl: string[] } };
  // routed's keys, plus those escape's allowed steps use (forwarding on esc0, its route).
  const withRouted = () => writePolicy({ escape: { ...GRANT, sysctlKeys: [...routed.capabilities.sysctl, "net.ipv4.conf.*.forwarding"] } });
  const PROXY = ["net.ipv4.conf.vic0.proxy_arp", "net.ipv4.conf.all.proxy_arp", "net.ipv4.conf.default.proxy_arp"];

  it.each([
    ["net.ipv4.conf.vic0.proxy_arp", `may not set sysctl net.ipv4.conf.vic0.proxy_arp of host link vic0: ${OWNERSHIP}`],
    ["net.ipv4.conf.all.proxy_arp", "may not use sysctl net.ipv4.conf.all.proxy_arp: not in its grant's sysctlKeys"],
    ["net.ipv4.conf.default.proxy_arp", "may not use sysctl net.ipv4.conf.default.proxy_arp: not in its grant's sysctlKeys"],
  ])("%s is refused, and the node stays as it was", (key, msg) => {
    const host = hostWithVictim();
    const c = container();
    const before = { host: state(host, PROXY), c: state(c) };
    const r = call("ADD", host, c, { mode: "sysctl-in-host", key }, withRouted());
    expectCniError(r, 999, new RegExp(`^escape sysctl-in-host: denied: plugin "escape" ${msg}`));
    expect({ host: state(host, PROXY), c: state(c) }).toEqual(before);
  });

  it("on the host end it made (esc0) it is let through", () => {
    const host = hostWithVictim();
    const r = call("ADD", host, container(), { mode: "sysctl-in-host", key: "net.ipv4.conf.esc0.proxy_arp" }, withRouted());
    expect(r.json).toMatchObject({ code: 999, msg: "escape sysctl-in-host: the host let it through" });
  });
});
