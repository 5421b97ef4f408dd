// The neigh functions and link.create vxlan for a controller (a CallContext with `cluster` set,
// as run-controller.ts makes it) over a fake kernel: in the host netns only entries the view
// proves, on links the controller owns, and a vxlan only on the view's underlay from the node's
// underlay address; every value normalised before the comparison. Each refusal sends nothing.
import { describe, expect, it } from "vitest";
import type { CallContext, ClusterView } from "../../../host/caps/context";
import { Journal } from "../../../host/caps/journal";
import { createLinkCaps } from "../../../host/caps/link";
import { createNeighCaps } from "../../../host/caps/neigh";
import { PluginScope } from "../../../host/caps/scope";
import type { LinkSpec, VxlanAttrs } from "../../../host/generated/interfaces/cni-host-link";
import { LinkNotFoundError } from "../../../host/kernel/errors";
import { stringAttr } from "../../../host/kernel/nl/attr";
import { readI32 } from "../../../host/kernel/nl/bytes";
import { encodeRequest, type NlRequest, parseMessages } from "../../../host/kernel/nl/message";
import type { RtnlHandle } from "../../../host/kernel/rtnl/handle";
import { IFLA, ifInfoMsg } from "../../../host/kernel/rtnl/ifinfo";
import { RTM } from "../../../host/kernel/rtnl/message-types";
import { DEFAULT_LIMITS, type Grant } from "../../../host/runtime/policy";

const VIEW: ClusterView = {
  local: { name: "node1", subnets: ["10.244.1.0/24", "fd00:244:1::/64"], underlay: "10.0.0.1", vtepMac: "02:aa:00:00:00:01" },
  peers: [
    { name: "node2", subnets: ["10.244.2.0/24", "fd00:244:2::/64"], underlay: "10.0.0.2", vtepMac: "02:AA:00:00:00:02" },
    { name: "node3", subnets: ["10.244.3.0/24"], underlay: "fd00::3", vtepMac: "02:aa:00:00:00:03" },
  ],
  clusterCidrs: ["10.244.0.0/16"],
  underlayLink: "eth0",
  underlayMtu: 1500,
  options: "{}",
};

/** Links of the fake host netns: vx0 is the controller's (its owner mark), vxv and eth0 are the node's. */
const LINKS: Record<string, { index: number; alias: string }> = {
  eth0: { index: 2, alias: "" },
  vx0: { index: 4, alias: "wasm-cni:overlay-controller" },
  vxv: { index: 5, alias: "" },
  vxn: { index: 6, alias: "" },
};

function linkMessage(name: string) {
  const l = LINKS[name];
  if (l === undefined) throw new LinkNotFoundError(`get link ${name}`, name);
  const attrs = [stringAttr(IFLA.IFNAME, name), ...(l.alias !== "" ? [stringAttr(IFLA.IFALIAS, l.alias, false)] : [])];
  return parseMessages(encodeRequest({ type: RTM.NEWLINK, flags: 0, body: ifInfoMsg({ index: l.index }), attrs }, 1));
}

/** The link and neigh caps of a controller holding the fake host netns (id 0); returns what they send but lookups. */
function controller(journal = new Journal(false)) {
  const sent: NlRequest[] = [];
  const h = {
    ns: { fd: 3 },
    request: (req: NlRequest) => {
      if (req.type === RTM.GETLINK) {
        const name = req.attrs.find((a) => a.type === IFLA.IFNAME);
        if (name !== undefined) return linkMessage(Buffer.from(name.data).toString().replace(/\0+$/, ""));
        const index = readI32(req.body, 4);
        return linkMessage(Object.keys(LINKS).find((n) => LINKS[n]!.index === index)!);
      }
      sent.push(req);
      return [];
    },
  } as unknown as RtnlHandle;
  const grant: Grant = { interfaces: ["link", "neigh"], hostNetns: true, delegates: [], linkKinds: ["vxlan"], sysctlKeys: [], ...DEFAULT_LIMITS };
  const ctx = {
    plugin: "overlay-controller", grant, config: "{}", cluster: VIEW, records: [], hostCalls: 0, journal,
    namespaces: { rtnl: () => h, netns: () => h.ns },
  } as unknown as CallContext;
  ctx.scope = new PluginScope(ctx);
  ctx.scope.hold(0, true);
  return { neigh: createNeighCaps(ctx), link: createLinkCaps(ctx), sent, ctx };
}

const deniedWith = (msg: RegExp) => expect.objectContaining({ payload: { tag: "denied", val: expect.stringMatching(msg) } });
const types = (sent: NlRequest[]) => sent.map((r) => r.type);

describe("neigh.set for a controller", () => {
  it.each([
    ["a peer's VTEP address with its VTEP MAC", "10.244.2.0", "02:aa:00:00:00:02"],
    ["any address of its subnet, the MAC in upper case", "10.244.2.77", "02:AA:00:00:00:02"],
    ["an IPv6 address of its subnet in a long form", "FD00:244:2:0:0:0:0:0", "02:aa:00:00:00:02"],
  ])("%s on its own vxlan is set", (_what, address, mac) => {
    const { neigh, sent } = controller();
    neigh.set(0, "vx0", address, mac);
    expect(types(sent)).toEqual([RTM.NEWNEIGH]);
  });

  it.each([
    ["an address in no peer's subnet", "10.244.9.0", "02:aa:00:00:00:02", /10\.244\.9\.0 is inside no peer node's subnet \(peers: node2 /],
    ["the node's own subnet", "10.244.1.0", "02:aa:00:00:00:01", /10\.244\.1\.0 is inside no peer node's subnet/],
    ["an address outside the cluster", "192.168.1.1", "02:aa:00:00:00:02", /192\.168\.1\.1 is inside no peer node's subnet/],
    ["node2's address with node3's MAC", "10.244.2.0", "02:aa:00:00:00:03", /02:aa:00:00:00:03 is not the VTEP MAC of node2 \(02:aa:00:00:00:02\), whose subnet holds 10\.244\.2\.0/],
    ["node2's address with a MAC of no node", "10.244.2.0", "02:bb:00:00:00:02", /02:bb:00:00:00:02 is not the VTEP MAC of node2/],
  ])("%s is denied and nothing is sent", (_what, address, mac, msg) => {
    const { neigh, sent } = controller();
    expect(() => neigh.set(0, "vx0", address, mac)).toThrow(deniedWith(new RegExp(`^controller "overlay-controller" may not set neighbour .* on vx0: .*`)));
    expect(() => neigh.set(0, "vx0", address, mac)).toThrow(deniedWith(msg));
    expect(sent).toEqual([]);
  });

  it("a proved entry on a link it does not own (the node's vxlan) is denied", () => {
    const { neigh, sent } = controller();
    expect(() => neigh.set(0, "vxv", "10.244.2.0", "02:aa:00:00:00:02")).toThrow(
      deniedWith(/^controller "overlay-controller" may not set a neighbour on host link vxv: it did not create it/));
    expect(sent).toEqual([]);
  });

  it("deletes only on its own links, whatever the address", () => {
    const { neigh, sent } = controller();
    neigh.delete(0, "vx0", "10.244.9.0");
    expect(() => neigh.delete(0, "vxv", "10.244.2.0")).toThrow(deniedWith(/may not delete a neighbour of host link vxv/));
    expect(types(sent)).toEqual([RTM.DELNEIGH]);
  });

  it("a link that does not exist is not-found, before any scope rule", () => {
    const { neigh } = controller();
    expect(() => neigh.delete(0, "gone0", "10.244.2.0")).toThrow(expect.objectContaining({ payload: expect.objectContaining({ tag: "not-found" }) }));
  });
});

describe("neigh.set-fdb for a controller", () => {
  it.each([
    ["node2's VTEP MAC to its underlay", "02:aa:00:00:00:02", "10.0.0.2"],
    ["node3's VTEP MAC to its IPv6 underlay in another form", "02:AA:00:00:00:03", "FD00:0:0::3"],
  ])("%s on its own vxlan is set", (_what, mac, dst) => {
    const { neigh, sent } = controller();
    neigh.setFdb(0, "vx0", mac, dst);
    expect(types(sent)).toEqual([RTM.NEWNEIGH]);
  });

  it.each([
    ["node2's MAC to node3's underlay", "02:aa:00:00:00:02", "fd00::3", /fd00::3 is not the underlay address of node2 \(10\.0\.0\.2\), whose VTEP MAC is 02:aa:00:00:00:02/],
    ["node2's MAC to an address of no node", "02:aa:00:00:00:02", "10.9.9.9", /10\.9\.9\.9 is not the underlay address of node2/],
    ["the node's own MAC", "02:aa:00:00:00:01", "10.0.0.1", /02:aa:00:00:00:01 is the VTEP MAC of no peer node/],
    ["the all-zeros MAC (flooding to a node)", "00:00:00:00:00:00", "10.0.0.2", /00:00:00:00:00:00 is the VTEP MAC of no peer node/],
  ])("%s is denied and nothing is sent", (_what, mac, dst, msg) => {
    const { neigh, sent } = controller();
    expect(() => neigh.setFdb(0, "vx0", mac, dst)).toThrow(deniedWith(msg));
    expect(sent).toEqual([]);
  });

  it("a proved entry on a link it does not own is denied; deletes only on its own links", () => {
    const { neigh, sent } = controller();
    expect(() => neigh.setFdb(0, "vxv", "02:aa:00:00:00:02", "10.0.0.2")).toThrow(deniedWith(/may not set an FDB entry on host link vxv/));
    expect(() => neigh.deleteFdb(0, "vxv", "02:aa:00:00:00:02", "10.0.0.2")).toThrow(deniedWith(/may not delete an FDB entry of host link vxv/));
    // On its own link the scope lets it through; the (empty) dump has no such entry: not-found, nothing deleted.
    expect(() => neigh.deleteFdb(0, "vx0", "02:aa:00:00:00:09", "10.0.0.9")).toThrow(
      expect.objectContaining({ payload: { tag: "not-found", val: "link vx0 has no FDB entry 02:aa:00:00:00:09 dst 10.0.0.9" } }));
    expect(types(sent)).toEqual([RTM.GETNEIGH]);
  });
});

describe("link.create vxlan for a controller", () => {
  const spec = (v: Partial<VxlanAttrs>): LinkSpec => ({
    name: "vxn", kind: { tag: "vxlan", val: { vni: 1, port: 8472, learning: false, underlay: "eth0", local: "10.0.0.1", ...v } },
  });

  it("on the view's underlay link from the node's underlay address it is made and marked as the controller's", () => {
    const { link, sent } = controller();
    link.create(0, spec({}));
    expect(types(sent)).toEqual([RTM.NEWLINK, RTM.SETLINK]); // the link, then its owner mark
  });

  it.each([
    ["another underlay link", { underlay: "vxv" }, /may not make vxlan vxn with underlay vxv: only on the node's underlay link eth0/],
    ["no underlay link", { underlay: undefined }, /may not make vxlan vxn with underlay none: only on the node's underlay link eth0/],
    ["another local address", { local: "10.0.0.2" }, /may not make vxlan vxn with local 10\.0\.0\.2: only from the node's underlay address 10\.0\.0\.1/],
    ["no local address", { local: undefined }, /may not make vxlan vxn with local none: only from the node's underlay address 10\.0\.0\.1/],
    ["a privileged UDP port", { port: 123 }, /^controller "overlay-controller" may not make vxlan vxn on UDP port 123 in the host netns: ports below 1024/],
  ])("with %s it is denied and nothing is sent", (_what, v, msg) => {
    const { link, sent } = controller();
    expect(() => link.create(0, spec(v))).toThrow(deniedWith(msg));
    expect(sent).toEqual([]);
  });
});

describe("the journal of a controller's changes", () => {
  it("a rollback deletes an added neighbour and FDB entry (nothing was there before), newest first", () => {
    const { neigh, sent, ctx } = controller(new Journal(true));
    neigh.set(0, "vx0", "10.244.2.0", "02:aa:00:00:00:02");
    neigh.setFdb(0, "vx0", "02:aa:00:00:00:02", "10.0.0.2");
    sent.length = 0;
    ctx.journal.rollback(ctx.records);
    expect(types(sent)).toEqual([RTM.DELNEIGH, RTM.DELNEIGH]);
    expect(ctx.records.filter((r) => r.fn.startsWith("undo ")).map((r) => [r.fn, r.outcome])).toEqual([
      ["undo neigh.set-fdb 02:aa:00:00:00:02 dst 10.0.0.2 vx0 (ns 0)", "ok"],
      ["undo neigh.set 10.244.2.0 vx0 (ns 0)", "ok"],
    ]);
  });
});
