// overlay-controller (Flannel's vxlan backend) through `wasm-cni reconcile`, inside test-made node
// namespaces: the device, its addresses, and per peer a route, a neighbour and an FDB entry, read
// back with `ip -j -d link`, `ip -j route`, `ip -j neigh` and `bridge -j fdb`; idempotence, stale
// peers, options, directRouting, and two nodes talking through the device.
import { beforeAll, describe, expect, it } from "vitest";
import { buildPluginsUnderTest } from "../../helpers/plugin-under-test";
import { ip, ipJson, netnsPerTest, type TestNetns } from "../../helpers/netns";
import { pings } from "./attach-fixture";
import { changes, controllerPolicy, fdb, nodeState, nodeWithUnderlay, type NodeSpec, reconcile, view, type ViewSpec } from "./controller-fixture";

let pluginDir: string;
let policy: string;

beforeAll(async () => {
  pluginDir = await buildPluginsUnderTest(["overlay-controller"]);
  policy = controllerPolicy();
}, 180_000);

const netns = netnsPerTest();

const NODE1: NodeSpec = { name: "node1", subnets: ["10.244.1.0/24", "fd44:0:0:1::/80"], underlay: "192.168.60.1", vtepMac: "0a:58:00:00:00:01" };
const NODE2: NodeSpec = { name: "node2", subnets: ["10.244.2.0/24", "fd44:0:0:2::/80"], underlay: "192.168.60.2", vtepMac: "0a:58:00:00:00:02" };
const NODE3: NodeSpec = { name: "node3", subnets: ["10.244.3.0/24"], underlay: "192.168.70.3", vtepMac: "0a:58:00:00:00:03" };

const run = (n: TestNetns, v: ViewSpec) => reconcile(n, pluginDir, "overlay-controller", view(v), policy);
const ok = (n: TestNetns, v: ViewSpec) => {
  const r = run(n, v);
  expect(r.code, r.stderr).toBe(0);
  return r;
};

interface VxlanLink { ifname: string; mtu: number; address: string; flags: string[]; ifalias?: string;
  linkinfo: { info_kind: string; info_data: { id: number; port: number; local: string; link: string; learning: boolean } } }
interface Route { dst: string; gateway?: string; dev: string; flags: string[] }
interface Neigh { dst: string; lladdr: string; state: string[] }

const routesTo = (n: TestNetns, family: "-4" | "-6") =>
  ipJson<Route[]>(n, [family, "route", "show"]).filter((r) => r.dst.startsWith(family === "-4" ? "10.244." : "fd44:")).map((r) => ({ dst: r.dst, gateway: r.gateway, dev: r.dev, flags: r.flags }));
const neighs = (n: TestNetns, dev = "wcni.1") =>
  ipJson<Neigh[]>(n, ["neigh", "show", "dev", dev]).filter((e) => e.state.includes("PERMANENT")).map((e) => ({ dst: e.dst, lladdr: e.lladdr })).sort((a, b) => a.dst.localeCompare(b.dst));
const fdbOf = (n: TestNetns) => fdb(n).map((e) => ({ mac: e.mac, dev: e.ifname, dst: e.dst, state: e.state })).sort((a, b) => a.mac.localeCompare(b.mac));

describe("overlay-controller reconcile", () => {
  it("a view of two peers makes exactly the vxlan device, its addresses, and per peer a route, a neighbour and an FDB entry", () => {
    const n = nodeWithUnderlay(netns, "192.168.60.1/24");
    ok(n, { local: NODE1, peers: [NODE2, NODE3] });
    const [dev] = ipJson<VxlanLink[]>(n, ["-d", "link", "show", "wcni.1"]);
    expect(dev).toMatchObject({
      mtu: 1450, address: "0a:58:00:00:00:01", flags: expect.arrayContaining(["UP"]), ifalias: "wasm-cni:overlay-controller",
      linkinfo: { info_kind: "vxlan", info_data: { id: 1, port: 8472, local: "192.168.60.1", link: "ul0", learning: false } },
    });
    const global = ipJson<{ addr_info: { local: string; prefixlen: number; scope: string }[] }[]>(n, ["addr", "show", "dev", "wcni.1"])[0]!
      .addr_info.filter((a) => a.scope === "global").map((a) => `${a.local}/${a.prefixlen}`);
    expect(global.sort()).toEqual(["10.244.1.0/32", "fd44:0:0:1::/128"]);
    expect(routesTo(n, "-4")).toEqual([
      { dst: "10.244.2.0/24", gateway: "10.244.2.0", dev: "wcni.1", flags: ["onlink"] },
      { dst: "10.244.3.0/24", gateway: "10.244.3.0", dev: "wcni.1", flags: ["onlink"] },
    ]);
    // The node's own /128 is the kernel's; the peer's /80 is the controller's.
    expect(routesTo(n, "-6")).toEqual([
      { dst: "fd44:0:0:1::", gateway: undefined, dev: "wcni.1", flags: [] },
      { dst: "fd44:0:0:2::/80", gateway: "fd44:0:0:2::", dev: "wcni.1", flags: ["onlink"] },
    ]);
    expect(neighs(n)).toEqual([
      { dst: "10.244.2.0", lladdr: "0a:58:00:00:00:02" },
      { dst: "10.244.3.0", lladdr: "0a:58:00:00:00:03" },
      { dst: "fd44:0:0:2::", lladdr: "0a:58:00:00:00:02" },
    ]);
    expect(fdbOf(n)).toEqual([
      { mac: "0a:58:00:00:00:02", dev: "wcni.1", dst: "192.168.60.2", state: "permanent" },
      { mac: "0a:58:00:00:00:03", dev: "wcni.1", dst: "192.168.70.3", state: "permanent" },
    ]);
  });

  it("a second identical reconcile changes nothing: no changing host call, the same kernel state", () => {
    const n = nodeWithUnderlay(netns, "192.168.60.1/24");
    const v = { local: NODE1, peers: [NODE2, NODE3] };
    ok(n, v);
    const before = nodeState(n);
    const again = ok(n, v);
    expect(changes(again.audit())).toEqual([]);
    expect(nodeState(n)).toEqual(before);
  });

  it("a view without a peer removes its route, neighbour and FDB entry and keeps the other's", () => {
    const n = nodeWithUnderlay(netns, "192.168.60.1/24");
    ok(n, { local: NODE1, peers: [NODE2, NODE3] });
    ok(n, { local: NODE1, peers: [NODE3] });
    expect(routesTo(n, "-4")).toEqual([{ dst: "10.244.3.0/24", gateway: "10.244.3.0", dev: "wcni.1", flags: ["onlink"] }]);
    expect(routesTo(n, "-6").map((r) => r.dst)).toEqual(["fd44:0:0:1::"]);
    expect(neighs(n)).toEqual([{ dst: "10.244.3.0", lladdr: "0a:58:00:00:00:03" }]);
    expect(fdbOf(n).map((e) => e.mac)).toEqual(["0a:58:00:00:00:03"]);
    ok(n, { local: NODE1, peers: [] });
    expect(routesTo(n, "-4")).toEqual([]);
    expect(neighs(n)).toEqual([]);
    expect(fdbOf(n)).toEqual([]);
  });

  it("a peer whose VTEP MAC or underlay changed gets its entries replaced", () => {
    const n = nodeWithUnderlay(netns, "192.168.60.1/24");
    ok(n, { local: NODE1, peers: [NODE2] });
    ok(n, { local: NODE1, peers: [{ ...NODE2, underlay: "192.168.60.22", vtepMac: "0a:58:00:00:00:22" }] });
    expect(neighs(n)).toEqual([{ dst: "10.244.2.0", lladdr: "0a:58:00:00:00:22" }, { dst: "fd44:0:0:2::", lladdr: "0a:58:00:00:00:22" }]);
    expect(fdbOf(n)).toEqual([{ mac: "0a:58:00:00:00:22", dev: "wcni.1", dst: "192.168.60.22", state: "permanent" }]);
  });

  it("routes of the node's own subnet and outside the cluster CIDRs are never touched", () => {
    const n = nodeWithUnderlay(netns, "192.168.60.1/24");
    ip(n, "link", "add", "br9", "type", "bridge");
    ip(n, "link", "set", "br9", "up");
    ip(n, "addr", "add", "10.244.1.1/24", "dev", "br9");
    ip(n, "route", "add", "10.99.0.0/16", "via", "192.168.60.254", "dev", "ul0");
    const keep = routesTo(n, "-4");
    ok(n, { local: NODE1, peers: [NODE2] });
    ok(n, { local: NODE1, peers: [] });
    expect(routesTo(n, "-4")).toEqual(keep);
    expect(ipJson<Route[]>(n, ["route", "show", "10.99.0.0/16"])).toHaveLength(1);
  });

  it("a peer that is malformed or claims another's subnet is left out with a warning; the others are programmed", () => {
    const n = nodeWithUnderlay(netns, "192.168.60.1/24");
    const outside = { ...NODE3, name: "outside", subnets: ["10.99.3.0/24"] };
    const thief = { ...NODE3, name: "thief", subnets: ["10.244.1.0/25"] };
    const noMac = { ...NODE3, name: "nomac", subnets: ["10.244.4.0/24"], vtepMac: "" };
    const r = ok(n, { local: NODE1, peers: [outside, thief, noMac, NODE2] });
    expect(r.stderr).toContain("peer outside left out: subnet 10.99.3.0/24 is outside the cluster CIDRs");
    expect(r.stderr).toContain("peer thief left out: subnet 10.244.1.0/25 overlaps 10.244.1.0/24");
    expect(r.stderr).toContain("peer nomac left out: VTEP MAC \"\" is not a MAC address");
    expect(routesTo(n, "-4").map((x) => x.dst)).toEqual(["10.244.2.0/24"]);
  });

  it("directRouting routes a peer on the node's underlay subnet via its underlay address, one elsewhere through the device", () => {
    const n = nodeWithUnderlay(netns, "192.168.60.1/24");
    ok(n, { local: NODE1, peers: [NODE2, NODE3], options: { directRouting: true } });
    expect(routesTo(n, "-4")).toEqual([
      { dst: "10.244.2.0/24", gateway: "192.168.60.2", dev: "ul0", flags: [] },
      { dst: "10.244.3.0/24", gateway: "10.244.3.0", dev: "wcni.1", flags: ["onlink"] },
    ]);
    // Its IPv6 subnet cannot go via an IPv4 underlay address: through the device, with its entries.
    expect(routesTo(n, "-6")).toContainEqual({ dst: "fd44:0:0:2::/80", gateway: "fd44:0:0:2::", dev: "wcni.1", flags: ["onlink"] });
    expect(neighs(n)).toEqual([{ dst: "10.244.3.0", lladdr: "0a:58:00:00:00:03" }, { dst: "fd44:0:0:2::", lladdr: "0a:58:00:00:00:02" }]);
    // Off again: node2 back through the device, in one replace.
    ok(n, { local: NODE1, peers: [NODE2, NODE3] });
    expect(routesTo(n, "-4")[0]).toEqual({ dst: "10.244.2.0/24", gateway: "10.244.2.0", dev: "wcni.1", flags: ["onlink"] });
  });

  it("another VNI and port make a new device, the routes move to it, and the old one goes (or, when the host refuses, is taken down with a warning)", () => {
    const n = nodeWithUnderlay(netns, "192.168.60.1/24");
    ok(n, { local: NODE1, peers: [NODE2] });
    const r = ok(n, { local: NODE1, peers: [NODE2], options: { vni: 4096, port: 4789 } });
    const vx = ipJson<VxlanLink[]>(n, ["-d", "link", "show", "type", "vxlan"]);
    expect(vx.find((l) => l.ifname === "wcni.4096")?.linkinfo.info_data).toMatchObject({ id: 4096, port: 4789 });
    expect(routesTo(n, "-4")).toEqual([{ dst: "10.244.2.0/24", gateway: "10.244.2.0", dev: "wcni.4096", flags: ["onlink"] }]);
    expect(routesTo(n, "-6")).toContainEqual({ dst: "fd44:0:0:2::/80", gateway: "fd44:0:0:2::", dev: "wcni.4096", flags: ["onlink"] });
    // The host lets a reconcile delete only links it made itself (a rollback could not recreate
    // one made earlier): until it can, the old device is taken down, named in a warning.
    const old = vx.find((l) => l.ifname === "wcni.1");
    if (old) {
      expect(r.stderr).toContain("stale vxlan device wcni.1 taken down, not deleted");
      expect(old.flags).not.toContain("UP");
      // Again: the delete is tried (and refused) once more, nothing else; the node stays as it is.
      const before = nodeState(n);
      const again = ok(n, { local: NODE1, peers: [NODE2], options: { vni: 4096, port: 4789 } }).audit();
      expect(changes(again)).toEqual(["link.delete"]);
      expect(again.denials.map((d) => d.fn)).toEqual(["link.delete"]);
      expect(nodeState(n)).toEqual(before);
    }
  });

  it.each([
    ["a vni that is not a number", { vni: "x" }, 'field "options.vni" must be'],
    ["a vni above 16777215", { vni: 16777216 }, 'field "options.vni" is 16777216, must be 0-16777215'],
    ["port 0", { port: 0 }, 'field "options.port" is 0, must be 1024-65535'],
    ["port 53 (a node service's)", { port: 53 }, 'field "options.port" is 53, must be 1024-65535'],
    ["directRouting as a string", { directRouting: "yes" }, 'field "options.directRouting" must be'],
    ["an unknown key", { directrouting: true }, 'field "options.directrouting" is not an option of this controller (known: vni, port, directRouting)'],
    ["options that are not an object", [1], 'field "options" must be an object'],
  ])("options with %s fail with code 7 naming the field and change nothing", (_, options, details) => {
    const n = nodeWithUnderlay(netns, "192.168.60.1/24");
    ok(n, { local: NODE1, peers: [NODE2] });
    const before = nodeState(n);
    const r = run(n, { local: NODE1, peers: [NODE2, NODE3], options });
    expect(r.code).toBe(1);
    expect(r.json.error).toMatchObject({ code: 7, msg: "invalid controller options" });
    expect(r.json.error!.details).toContain(details);
    expect(nodeState(n)).toEqual(before);
  });
});

describe("overlay-controller between two nodes", () => {
  it("two nodes reach each other's VTEP addresses through the vxlan device (its counters grow)", () => {
    const n1 = netns("n1"), n2 = netns("n2");
    ip(n1, "link", "add", "ul0", "type", "veth", "peer", "name", "ul0", "netns", n2.name);
    for (const [n, a] of [[n1, "192.168.60.1/24"], [n2, "192.168.60.2/24"]] as const) {
      ip(n, "link", "set", "ul0", "up");
      ip(n, "addr", "add", a, "dev", "ul0");
    }
    ok(n1, { local: NODE1, peers: [NODE2] });
    ok(n2, { local: NODE2, peers: [NODE1] });
    const tx = () => ipJson<{ stats64: { tx: { packets: number } } }[]>(n1, ["-s", "link", "show", "wcni.1"])[0]!.stats64.tx.packets;
    const sent = tx();
    expect(pings(n1, "10.244.2.0")).toBe(true);
    expect(pings(n2, "10.244.1.0")).toBe(true);
    expect(pings(n1, "fd44:0:0:2::")).toBe(true);
    expect(tx()).toBeGreaterThan(sent);
  });
});
