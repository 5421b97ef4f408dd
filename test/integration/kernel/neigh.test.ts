// host/kernel/rtnl/neigh.ts and kinds/vxlan.ts against this kernel (vxlan with FDB and neighbour
// entries), read back with `ip -j -d link`, `ip -j neigh` and `bridge -j fdb`; then the same
// through the caps as a controller reconciling (a CallContext with `cluster` set) in a namespace
// the test made, and the journal's rollback leaving it as it was.
import { describe, expect, it } from "vitest";
import type { CallContext, ClusterView } from "../../../host/caps/context";
import { NamespaceTable } from "../../../host/caps/context";
import { Journal } from "../../../host/caps/journal";
import { createLinkCaps } from "../../../host/caps/link";
import { createNeighCaps } from "../../../host/caps/neigh";
import { PluginScope } from "../../../host/caps/scope";
import type { KernelError } from "../../../host/kernel/errors";
import { vxlanLinkInfo } from "../../../host/kernel/rtnl/kinds/vxlan";
import { linkAdd, linkAddVeth, linkByName } from "../../../host/kernel/rtnl/link";
import { linkSetUp } from "../../../host/kernel/rtnl/link-set";
import { fdbDel, fdbList, fdbSet, neighDel, neighList, neighSet, NUD } from "../../../host/kernel/rtnl/neigh";
import { DEFAULT_LIMITS, type Grant } from "../../../host/runtime/policy";
import { ip, ipJson } from "../../helpers/netns";
import { freshNs, native } from "./fixture";

type Ns = ReturnType<typeof freshNs>;

/** The underlay eth0 (10.0.0.1/24, fd00::1/64 nodad), up. */
function underlay(a: Ns) {
  const eth0 = linkAddVeth(a.h, { name: "eth0", peerName: "up0" });
  ip(a.test, "addr", "add", "10.0.0.1/24", "dev", "eth0");
  ip(a.test, "addr", "add", "fd00::1/64", "dev", "eth0", "nodad");
  linkSetUp(a.h, eth0);
  linkSetUp(a.h, linkByName(a.h, "up0"));
  return eth0;
}

function vxlan(a: Ns) {
  const eth0 = underlay(a);
  const vx = linkAdd(a.h, { name: "vx0", linkInfo: vxlanLinkInfo({ vni: 1, port: 8472, local: "10.0.0.1", underlayIndex: eth0.index, learning: false }) });
  linkSetUp(a.h, vx);
  return vx;
}

const fdbShow = (a: Ns, dev: string) => JSON.parse(a.test.exec("bridge", ["-j", "fdb", "show", "dev", dev]) || "[]") as { mac: string; dst?: string; state?: string }[];
const infoData = (a: Ns, dev: string) => ipJson<{ linkinfo: { info_data: Record<string, unknown> } }[]>(a.test, ["-d", "link", "show", dev])[0]?.linkinfo.info_data;

describe("vxlan devices", () => {
  it("one made with VNI, local, underlay, port and no learning is what ip -d shows for them, and reads back", () => {
    const a = freshNs();
    const vx = vxlan(a);
    expect(infoData(a, "vx0")).toMatchObject({ id: 1, local: "10.0.0.1", link: "eth0", port: 8472, learning: false });
    expect(vx.kind).toBe("vxlan");
    expect(linkByName(a.h, "vx0").data).toEqual({ vxlan: { vni: 1, port: 8472, local: "10.0.0.1", underlayIndex: linkByName(a.h, "eth0").index, learning: false } });
  });

  it("one with an IPv6 local address, learning and the highest VNI reads back so", () => {
    const a = freshNs();
    const eth0 = underlay(a);
    linkAdd(a.h, { name: "vx6", linkInfo: vxlanLinkInfo({ vni: 0xffffff, port: 4789, local: "fd00::1", underlayIndex: eth0.index, learning: true }) });
    expect(infoData(a, "vx6")).toMatchObject({ id: 16777215, local6: "fd00::1", link: "eth0", port: 4789, learning: true });
    expect(linkByName(a.h, "vx6").data.vxlan).toEqual({ vni: 0xffffff, port: 4789, local: "fd00::1", underlayIndex: eth0.index, learning: true });
  });
});

describe("neighbour entries", () => {
  it("set adds a permanent entry, set again replaces its MAC, delete removes it; as ip neigh shows them", () => {
    const a = freshNs();
    const vx = vxlan(a);
    neighSet(a.h, vx, "10.244.2.0", "02:00:00:00:00:02");
    neighSet(a.h, vx, "fd00:244:2::", "02:00:00:00:00:02");
    expect(ipJson(a.test, ["neigh", "show", "dev", "vx0"])).toEqual([
      { dst: "10.244.2.0", lladdr: "02:00:00:00:00:02", state: ["PERMANENT"] },
      { dst: "fd00:244:2::", lladdr: "02:00:00:00:00:02", state: ["PERMANENT"] },
    ]);
    neighSet(a.h, vx, "10.244.2.0", "02:00:00:00:00:09");
    expect(neighList(a.h, vx, 4)).toEqual([{ index: vx.index, family: 4, address: "10.244.2.0", mac: "02:00:00:00:00:09", state: NUD.PERMANENT, flags: 0 }]);
    expect(neighList(a.h, vx, 6).map((n) => n.address)).toEqual(["fd00:244:2::"]);
    neighDel(a.h, vx, "10.244.2.0");
    expect(neighList(a.h, vx, 4)).toEqual([]);
  });

  it("deleting an entry that is not there is ENOENT; a dump lists only the link's own entries", () => {
    const a = freshNs();
    const vx = vxlan(a);
    ip(a.test, "neigh", "replace", "10.0.0.2", "lladdr", "02:00:00:00:00:05", "dev", "eth0", "nud", "permanent");
    expect(neighList(a.h, vx, 4)).toEqual([]);
    expect(() => neighDel(a.h, vx, "10.244.2.0")).toThrow(expect.objectContaining({ code: "ENOENT" }) as unknown as KernelError);
  });
});

describe("FDB entries", () => {
  it("set adds a permanent entry towards a remote, set again moves it to another remote, delete removes it; as bridge fdb shows them", () => {
    const a = freshNs();
    const vx = vxlan(a);
    fdbSet(a.h, vx, "02:00:00:00:00:02", "10.0.0.2");
    expect(fdbShow(a, "vx0")).toEqual([{ mac: "02:00:00:00:00:02", dst: "10.0.0.2", flags: ["self"], state: "permanent" }]);
    fdbSet(a.h, vx, "02:00:00:00:00:02", "10.0.0.3");
    expect(fdbList(a.h, vx)).toEqual([expect.objectContaining({ mac: "02:00:00:00:00:02", dst: "10.0.0.3", state: NUD.PERMANENT | NUD.NOARP })]);
    // The kernel answers a delete naming another remote with success and deletes nothing (the cap says not-found).
    fdbDel(a.h, vx, "02:00:00:00:00:02", "10.0.0.2");
    expect(fdbList(a.h, vx).map((f) => f.dst)).toEqual(["10.0.0.3"]);
    fdbDel(a.h, vx, "02:00:00:00:00:02", "10.0.0.3");
    expect(fdbShow(a, "vx0")).toEqual([]);
    expect(() => fdbDel(a.h, vx, "02:00:00:00:00:02", "10.0.0.3")).toThrow(expect.objectContaining({ code: "ENOENT" }) as unknown as KernelError);
  });

  it("the all-zeros MAC keeps several remotes when appended; a replace of it is EOPNOTSUPP", () => {
    const a = freshNs();
    const vx = vxlan(a);
    fdbSet(a.h, vx, "00:00:00:00:00:00", "10.0.0.2", undefined, true);
    fdbSet(a.h, vx, "00:00:00:00:00:00", "10.0.0.3", undefined, true);
    expect(fdbList(a.h, vx).map((f) => `${f.mac} ${f.dst}`).sort()).toEqual(["00:00:00:00:00:00 10.0.0.2", "00:00:00:00:00:00 10.0.0.3"]);
    expect(() => fdbSet(a.h, vx, "00:00:00:00:00:00", "10.0.0.4")).toThrow(expect.objectContaining({ code: "EOPNOTSUPP" }) as unknown as KernelError);
  });

  it("an IPv6 remote of a vxlan with an IPv6 local address reads back in its short form; on an IPv4 vxlan it is EAFNOSUPPORT", () => {
    const a = freshNs();
    const eth0 = underlay(a);
    const vx6 = linkAdd(a.h, { name: "vx6", linkInfo: vxlanLinkInfo({ vni: 6, port: 4789, local: "fd00::1", underlayIndex: eth0.index, learning: false }) });
    fdbSet(a.h, vx6, "02:00:00:00:00:06", "fd00:0:0::6");
    expect(fdbList(a.h, vx6).map((f) => `${f.mac} ${f.dst}`)).toEqual(["02:00:00:00:00:06 fd00::6"]);
    const vx = linkAdd(a.h, { name: "vx4", linkInfo: vxlanLinkInfo({ vni: 4, port: 4790, local: "10.0.0.1", underlayIndex: eth0.index, learning: false }) });
    expect(() => fdbSet(a.h, vx, "02:00:00:00:00:06", "fd00::6")).toThrow(expect.objectContaining({ code: "EAFNOSUPPORT" }) as unknown as KernelError);
  });
});

const VIEW: ClusterView = {
  local: { name: "node1", subnets: ["10.244.1.0/24"], underlay: "10.0.0.1", vtepMac: "02:aa:00:00:00:01" },
  peers: [{ name: "node2", subnets: ["10.244.2.0/24"], underlay: "10.0.0.2", vtepMac: "02:aa:00:00:00:02" }],
  clusterCidrs: ["10.244.0.0/16"],
  underlayLink: "eth0",
  underlayMtu: 1500,
  options: "{}",
};

/** A controller's caps over the test's namespace, held as its host netns, reconciling with journal. */
function controller(a: Ns) {
  const namespaces = new NamespaceTable(native);
  const grant: Grant = { interfaces: ["link", "neigh"], hostNetns: true, delegates: [], linkKinds: ["vxlan"], sysctlKeys: [], ...DEFAULT_LIMITS };
  const ctx = {
    plugin: "overlay-controller", grant, config: "{}", cluster: VIEW, records: [], hostCalls: 0, journal: new Journal(true), namespaces,
  } as unknown as CallContext;
  ctx.scope = new PluginScope(ctx);
  const id = namespaces.open(a.test.path);
  ctx.scope.hold(id, true);
  return { id, ctx, link: createLinkCaps(ctx), neigh: createNeighCaps(ctx), close: () => namespaces.close() };
}

describe("through the caps, as a controller", () => {
  it("makes its vxlan on the underlay with a neighbour and an FDB entry per peer, reads them back, and a rollback leaves the namespace as it was", () => {
    const a = freshNs();
    underlay(a);
    const before = { links: ipJson(a.test, ["-d", "link", "show"]), neigh: ipJson(a.test, ["neigh", "show"]) };
    const c = controller(a);
    try {
      const made = c.link.create(c.id, { name: "vx0", kind: { tag: "vxlan", val: { vni: 1, port: 8472, local: "10.0.0.1", underlay: "eth0", learning: false } } });
      expect(made).toMatchObject({ kind: "vxlan", alias: "wasm-cni:overlay-controller", vxlan: { vni: 1, port: 8472, local: "10.0.0.1", underlay: "eth0", learning: false } });
      c.link.set(c.id, "vx0", { up: true });
      c.neigh.set(c.id, "vx0", "10.244.2.0", "02:AA:00:00:00:02");
      c.neigh.setFdb(c.id, "vx0", "02:aa:00:00:00:02", "10.0.0.2");
      expect(infoData(a, "vx0")).toMatchObject({ id: 1, local: "10.0.0.1", link: "eth0", port: 8472, learning: false });
      expect(ipJson(a.test, ["neigh", "show", "dev", "vx0"])).toEqual([{ dst: "10.244.2.0", lladdr: "02:aa:00:00:00:02", state: ["PERMANENT"] }]);
      expect(fdbShow(a, "vx0")).toEqual([{ mac: "02:aa:00:00:00:02", dst: "10.0.0.2", flags: ["self"], state: "permanent" }]);
      expect(c.neigh.list(c.id, "vx0", "v4")).toEqual([{ address: "10.244.2.0", mac: "02:aa:00:00:00:02", permanent: true }]);
      expect(c.neigh.fdb(c.id, "vx0")).toEqual([{ mac: "02:aa:00:00:00:02", dst: "10.0.0.2", permanent: true }]);
      expect(c.link.list(c.id).find((l) => l.name === "vx0")?.vxlan).toEqual({ vni: 1, port: 8472, local: "10.0.0.1", underlay: "eth0", learning: false });
      c.ctx.journal.rollback(c.ctx.records);
      expect(c.ctx.records.filter((r) => r.fn.startsWith("undo ")).map((r) => r.outcome)).toEqual(["ok", "ok", "ok", "ok"]);
      expect({ links: ipJson(a.test, ["-d", "link", "show"]), neigh: ipJson(a.test, ["neigh", "show"]) }).toEqual(before);
    } finally {
      c.close();
    }
  });

  it("a reconcile that replaces a peer's entries and deletes a stale one is put back by the rollback", () => {
    const a = freshNs();
    underlay(a);
    ip(a.test, "link", "add", "vx0", "type", "vxlan", "id", "1", "local", "10.0.0.1", "dev", "eth0", "dstport", "8472", "nolearning");
    ip(a.test, "link", "set", "vx0", "alias", "wasm-cni:overlay-controller", "up");
    ip(a.test, "neigh", "replace", "10.244.2.0", "lladdr", "02:aa:00:00:00:09", "dev", "vx0", "nud", "permanent");
    ip(a.test, "neigh", "replace", "10.244.7.0", "lladdr", "02:aa:00:00:00:07", "dev", "vx0", "nud", "permanent");
    a.test.exec("bridge", ["fdb", "replace", "02:aa:00:00:00:02", "dev", "vx0", "dst", "10.0.0.9", "self", "permanent"]);
    a.test.exec("bridge", ["fdb", "replace", "02:aa:00:00:00:07", "dev", "vx0", "dst", "10.0.0.7", "self", "permanent"]);
    const state = () => ({ neigh: ipJson(a.test, ["neigh", "show", "dev", "vx0"]), fdb: fdbShow(a, "vx0") });
    const before = state();
    const c = controller(a);
    try {
      c.neigh.set(c.id, "vx0", "10.244.2.0", "02:aa:00:00:00:02");
      c.neigh.delete(c.id, "vx0", "10.244.7.0");
      c.neigh.setFdb(c.id, "vx0", "02:aa:00:00:00:02", "10.0.0.2");
      c.neigh.deleteFdb(c.id, "vx0", "02:aa:00:00:00:07", "10.0.0.7");
      expect(state()).toEqual({
        neigh: [{ dst: "10.244.2.0", lladdr: "02:aa:00:00:00:02", state: ["PERMANENT"] }],
        fdb: [{ mac: "02:aa:00:00:00:02", dst: "10.0.0.2", flags: ["self"], state: "permanent" }],
      });
      c.ctx.journal.rollback(c.ctx.records);
      expect(state()).toEqual(before);
    } finally {
      c.close();
    }
  });
});
