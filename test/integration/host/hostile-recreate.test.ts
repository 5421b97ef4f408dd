// A controller may replace its own vxlan device in a reconcile (the kernel cannot change a
// vxlan's vni, port or local address in place), and a reconcile that fails afterwards still
// leaves the node as it was: against the `rebuilder` fixture (world controller), which first
// builds vxlan rbx with its address, per peer a neighbour, an FDB entry and a route via the
// peer's VTEP address onlink through it, then deletes rbx, makes it again with another vni
// and port, and traps. The host recorded the device, its addresses, entries and routes from the
// kernel before the delete, and the rollback makes it again with the same ifindex, attributes,
// MAC, MTU and owner mark: `ip -d link`, `ip addr`, `ip route`, `ip neigh` and `bridge fdb` are
// as before. Another controller's vxlan, an unmarked one, and an own link of another kind stay
// out of reach.
import { beforeAll, describe, expect, it } from "vitest";
import { writePolicy } from "../../helpers/hostile";
import { ip, ipJson, netnsPerTest, type TestNetns } from "../../helpers/netns";
import { buildFixtures } from "../../helpers/plugin-under-test";
import { nodeWithUnderlay, reconcile, view, type NodeSpec } from "../plugins/controller-fixture";

let pluginDir: string;
let policy: string;

beforeAll(async () => {
  pluginDir = await buildFixtures(["rebuilder"]);
  policy = writePolicy({ rebuilder: { interfaces: ["netns", "link", "addr", "route", "neigh", "log"], hostNetns: true, linkKinds: ["vxlan"] } });
}, 180_000);

const netns = netnsPerTest({ ipv6: false });

const NODE1: NodeSpec = { name: "node1", subnets: ["10.244.1.0/24"], underlay: "192.168.60.1", vtepMac: "0a:58:00:00:00:01" };
const NODE2: NodeSpec = { name: "node2", subnets: ["10.244.2.0/24"], underlay: "192.168.60.2", vtepMac: "0a:58:00:00:00:02" };
const NODE3: NodeSpec = { name: "node3", subnets: ["10.244.3.0/24"], underlay: "192.168.60.3", vtepMac: "0a:58:00:00:00:03" };

const run = (n: TestNetns, options: Record<string, unknown>) =>
  reconcile(n, pluginDir, "rebuilder", view({ local: NODE1, peers: [NODE2, NODE3], options }), policy);

/** Entries in a stable order: the kernel lists neighbours by a hash of their device (new with each device), and order is no state. */
const sorted = (entries: unknown[]): unknown[] => entries.map((e) => JSON.stringify(e)).sort().map((e) => JSON.parse(e) as unknown);

/** The node as ip and bridge show it. */
function state(n: TestNetns): unknown {
  return {
    links: ipJson(n, ["-d", "link", "show"]),
    addrs: ipJson(n, ["addr", "show"]),
    routes: ipJson(n, ["route", "show"]),
    neigh: sorted(ipJson(n, ["neigh", "show"])),
    fdb: sorted(JSON.parse(n.exec("bridge", ["-j", "fdb", "show"]) || "[]") as unknown[]),
  };
}

/** A node with the fixture's device built by a first reconcile. */
function built(): TestNetns {
  const n = nodeWithUnderlay(netns, "192.168.60.1/24");
  const r = run(n, { mode: "build" });
  expect(r.code, r.stderr).toBe(0);
  return n;
}

interface VxlanLink { ifindex: number; ifalias?: string; linkinfo: { info_data: { id: number; port: number } } }

describe("a controller replacing its own vxlan device", () => {
  it("a reconcile that deletes it, makes another and traps is rolled back: the device, its addresses, entries and routes are back as they were", () => {
    const n = built();
    // Routes out of it of other shapes too: a plain dev route, a gateway route with a metric.
    ip(n, "route", "add", "10.244.4.0/24", "dev", "rbx");
    ip(n, "route", "add", "10.244.5.0/24", "via", "10.244.2.0", "dev", "rbx", "onlink", "metric", "50");
    expect(ipJson<{ dst: string }[]>(n, ["route", "show", "dev", "rbx"]).map((r) => r.dst)).toEqual(["10.244.2.0/24", "10.244.3.0/24", "10.244.4.0/24", "10.244.5.0/24"]);
    const before = state(n);
    const r = run(n, { mode: "replace-trap" });
    expect(r.code).toBe(1);
    expect(r.json.error?.msg).toMatch(/plugin "rebuilder" (trapped|panicked) in reconcile/);
    const audit = r.audit();
    expect(audit.calls.find((c) => c.fn === "link.delete")).toMatchObject({ outcome: "ok" });
    const undos = audit.calls.filter((c) => c.fn.startsWith("undo "));
    expect(undos.map((c) => c.fn)).toContain("undo link.delete rbx (ns 0)");
    expect(undos.every((c) => c.outcome === "ok" || c.outcome === "ok (already gone)"), JSON.stringify(undos)).toBe(true);
    expect(state(n)).toEqual(before);
  });

  it("a reconcile that replaces it and succeeds leaves the new device, and the old one's routes are gone with it", () => {
    const n = built();
    const [old] = ipJson<VxlanLink[]>(n, ["-d", "link", "show", "rbx"]);
    const r = run(n, { mode: "replace" });
    expect(r.code, r.stderr).toBe(0);
    const [now] = ipJson<VxlanLink[]>(n, ["-d", "link", "show", "rbx"]);
    expect(now).toMatchObject({ ifalias: "wasm-cni:rebuilder", linkinfo: { info_data: { id: 2, port: 4789 } } });
    expect(now!.ifindex).not.toBe(old!.ifindex);
    expect(ipJson(n, ["route", "show", "dev", "rbx"])).toEqual([]);
  });
});

describe("what a controller still may not delete", () => {
  it.each([
    ["another controller's vxlan", (n: TestNetns) => {
      ip(n, "link", "add", "vxo", "type", "vxlan", "id", "7", "dstport", "4789", "dev", "ul0");
      ip(n, "link", "set", "vxo", "alias", "wasm-cni:other-controller");
      return "vxo";
    }, 'controller "rebuilder" may not delete host link vxo: it did not create it'],
    ["an unmarked vxlan", (n: TestNetns) => {
      ip(n, "link", "add", "vxu", "type", "vxlan", "id", "8", "dstport", "4789", "dev", "ul0");
      return "vxu";
    }, 'controller "rebuilder" may not delete host link vxu: it did not create it'],
    ["its own link of another kind (a bridge)", (n: TestNetns) => {
      ip(n, "link", "add", "rbd", "type", "bridge");
      ip(n, "link", "set", "rbd", "alias", "wasm-cni:rebuilder");
      return "rbd";
    }, 'controller "rebuilder" may not delete host link rbd during RECONCILE: it was not created by this call, and a failed RECONCILE could not recreate it (only a vxlan device can be)'],
  ])("%s: denied, audited, and the node is left as it was", (_, make, reason) => {
    const n = built();
    const victim = make(n);
    const before = state(n);
    const r = run(n, { mode: "delete", victim });
    expect(r.code).toBe(1);
    expect(r.json.error).toMatchObject({ code: 999, msg: expect.stringContaining(`denied: ${reason}`) });
    expect(r.audit().denials).toEqual([{ plugin: "rebuilder", fn: "link.delete", reason: expect.stringContaining(reason) }]);
    expect(state(n)).toEqual(before);
  });
});
