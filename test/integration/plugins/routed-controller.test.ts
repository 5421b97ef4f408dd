// routed-controller (the node side of Calico's model without BGP) through `wasm-cni reconcile`,
// inside test-made node namespaces: a route per peer subnet via its underlay address, nothing
// else; idempotence and stale peers; and two nodes whose pods, attached by the `routed` CNI
// plugin through bin/wasm-cni, reach each other across the underlay.
import { beforeAll, describe, expect, it } from "vitest";
import { buildPluginsUnderTest } from "../../helpers/plugin-under-test";
import { ip, ipJson, netnsPerTest, type TestNetns } from "../../helpers/netns";
import { call, network, ok as cniOk, pings, pluginBinary } from "./attach-fixture";
import { changes, controllerPolicy, nodeState, nodeWithUnderlay, type NodeSpec, reconcile, view, type ViewSpec } from "./controller-fixture";

let pluginDir: string;
let policy: string;

beforeAll(async () => {
  pluginDir = await buildPluginsUnderTest(["routed-controller", "routed", "host-local"]);
  policy = controllerPolicy();
}, 180_000);

const netns = netnsPerTest();

const NODE1: NodeSpec = { name: "node1", subnets: ["10.244.1.0/24", "fd44:0:0:1::/80"], underlay: "192.168.60.1" };
const NODE2: NodeSpec = { name: "node2", subnets: ["10.244.2.0/24", "fd44:0:0:2::/80"], underlay: "192.168.60.2" };
const NODE3: NodeSpec = { name: "node3", subnets: ["10.244.3.0/24"], underlay: "192.168.60.3" };

const run = (n: TestNetns, v: ViewSpec) => reconcile(n, pluginDir, "routed-controller", view(v), policy);
const ok = (n: TestNetns, v: ViewSpec) => {
  const r = run(n, v);
  expect(r.code, r.stderr).toBe(0);
  return r;
};

interface Route { dst: string; gateway?: string; dev: string; flags: string[] }
const clusterRoutes = (n: TestNetns) =>
  [...ipJson<Route[]>(n, ["-4", "route", "show"]), ...ipJson<Route[]>(n, ["-6", "route", "show"])]
    .filter((r) => r.dst.startsWith("10.244.") || r.dst.startsWith("fd44:")).map((r) => ({ dst: r.dst, gateway: r.gateway, dev: r.dev }));

describe("routed-controller reconcile", () => {
  it("a view of two peers routes each peer's IPv4 subnet via its underlay address, and nothing else", () => {
    const n = nodeWithUnderlay(netns, "192.168.60.1/24");
    const before = nodeState(n);
    const r = ok(n, { local: NODE1, peers: [NODE2, NODE3] });
    expect(clusterRoutes(n)).toEqual([
      { dst: "10.244.2.0/24", gateway: "192.168.60.2", dev: "ul0" },
      { dst: "10.244.3.0/24", gateway: "192.168.60.3", dev: "ul0" },
    ]);
    // An IPv6 subnet cannot be routed via an IPv4 underlay address: left out, with a warning.
    expect(r.stderr).toContain("peer node2: no route to fd44:0:0:2::/80: its underlay 192.168.60.2 is of the other family");
    expect(changes(r.audit()).every((fn) => fn === "route.replace")).toBe(true);
    const after = nodeState(n) as { routes4: unknown[] };
    expect({ ...after, routes4: undefined }).toEqual({ ...before, routes4: undefined });
  });

  it("a dual-stack underlay routes each family's subnet via the peer's address of that family", () => {
    const n = nodeWithUnderlay(netns, "fd60::1/64");
    const peer = { ...NODE2, underlay: "fd60::2" };
    ok(n, { local: { ...NODE1, underlay: "fd60::1" }, peers: [peer] });
    expect(clusterRoutes(n)).toEqual([{ dst: "fd44:0:0:2::/80", gateway: "fd60::2", dev: "ul0" }]);
  });

  it("a second identical reconcile changes nothing; a view without a peer removes its route; the node's pod routes stay", () => {
    const n = nodeWithUnderlay(netns, "192.168.60.1/24");
    ip(n, "link", "add", "pod0", "type", "veth", "peer", "name", "pod1");
    ip(n, "link", "set", "pod0", "up");
    ip(n, "route", "add", "10.244.1.5/32", "dev", "pod0", "scope", "link"); // as the routed plugin makes for a pod
    const v = { local: NODE1, peers: [NODE2, NODE3] };
    ok(n, v);
    const before = nodeState(n);
    const again = ok(n, v);
    expect(changes(again.audit())).toEqual([]);
    expect(nodeState(n)).toEqual(before);
    ok(n, { local: NODE1, peers: [NODE3] });
    expect(clusterRoutes(n)).toEqual([
      { dst: "10.244.1.5", gateway: undefined, dev: "pod0" },
      { dst: "10.244.3.0/24", gateway: "192.168.60.3", dev: "ul0" },
    ]);
  });

  it("an option fails with code 7 naming it (it has none) and changes nothing", () => {
    const n = nodeWithUnderlay(netns, "192.168.60.1/24");
    ok(n, { local: NODE1, peers: [NODE2] });
    const before = nodeState(n);
    const r = run(n, { local: NODE1, peers: [NODE3], options: { vni: 1 } });
    expect(r.code).toBe(1);
    expect(r.json.error).toMatchObject({ code: 7, msg: "invalid controller options" });
    expect(r.json.error!.details).toContain('field "options.vni" is not an option of this controller');
    expect(nodeState(n)).toEqual(before);
  });
});

describe("routed network across two nodes", () => {
  it("a pod on each node reaches the other across the underlay (IPv4), through the routed plugin and the controller", () => {
    const n1 = netns("n1"), n2 = netns("n2");
    ip(n1, "link", "add", "ul0", "type", "veth", "peer", "name", "ul0", "netns", n2.name);
    for (const [n, a] of [[n1, "192.168.60.1/24"], [n2, "192.168.60.2/24"]] as const) {
      ip(n, "link", "set", "ul0", "up");
      ip(n, "addr", "add", a, "dev", "ul0");
    }
    const p = { pluginDir, binary: pluginBinary("routed") };
    const pods: TestNetns[] = [];
    for (const [n, subnet] of [[n1, "10.244.1.0/24"], [n2, "10.244.2.0/24"]] as const) {
      const pod = netns("pod");
      const net = network("routed");
      const conf = { cniVersion: "1.1.0", name: net.name, type: "routed", ipam: { type: "host-local", dataDir: net.dataDir, ranges: [[{ subnet }]] } };
      cniOk(call(p, "ADD", conf, pod, n));
      pods.push(pod);
    }
    ok(n1, { local: NODE1, peers: [NODE2] });
    ok(n2, { local: NODE2, peers: [NODE1] });
    expect(pings(pods[0]!, "10.244.2.2")).toBe(true);
    expect(pings(pods[1]!, "10.244.1.2")).toBe(true);
    expect(pings(pods[0]!, "192.168.60.2")).toBe(true); // the other node itself
  });
});
