import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { KernelError, LinkNotFoundError } from "../../../host/kernel/errors";
import { linkAddBridge, linkAddVeth, linkByIndex, linkByName, linkDel, linkDelByName, linkList } from "../../../host/kernel/rtnl/link";
import {
  linkSetAlias, linkSetBridgePort, linkSetDown, linkSetMac, linkSetMaster, linkSetMtu, linkSetName, linkSetNetns,
  linkSetAllmulti, linkSetNoMaster, linkSetPromisc, linkSetTxqlen, linkSetUp,
} from "../../../host/kernel/rtnl/link-set";
import { bridgeVlanList } from "../../../host/kernel/rtnl/bridge-vlan";
import { ipJson } from "../../helpers/netns";
import { freshNs, native } from "./fixture";

interface IpLink {
  ifindex: number;
  ifname: string;
  mtu: number;
  address: string;
  flags: string[];
  master?: string;
  ifalias?: string;
  linkinfo?: { info_kind?: string; info_slave_kind?: string; info_slave_data?: Record<string, unknown> };
}

describe("link", () => {
  it("linkAddVeth creates the peer in the other namespace", () => {
    const a = freshNs();
    const b = freshNs();
    const link = linkAddVeth(a.h, { name: "veth0", peerName: "eth0", peerNetns: b.ns, mtu: 1400, mac: "02:00:00:00:00:01", peerMac: "02:00:00:00:00:02" });
    expect(link).toMatchObject({ name: "veth0", kind: "veth", mtu: 1400, mac: "02:00:00:00:00:01", up: false, master: 0 });
    const [peer] = ipJson<IpLink[]>(b.test, ["link", "show", "eth0"]);
    expect(peer).toMatchObject({ ifname: "eth0", mtu: 1400, address: "02:00:00:00:00:02" });
    expect(link.peer).toBe(peer?.ifindex);
    expect(ipJson<IpLink[]>(a.test, ["link", "show"]).map((l) => l.ifname)).not.toContain("eth0");
  });

  it("linkAddVeth returns EEXIST for a taken name", () => {
    const a = freshNs();
    linkAddVeth(a.h, { name: "v0", peerName: "v1" });
    expect(() => linkAddVeth(a.h, { name: "v0", peerName: "v2" })).toThrow(expect.objectContaining({ code: "EEXIST" }));
  });

  it("linkAddBridge creates a bridge that a veth joins as a hairpin port", () => {
    const a = freshNs();
    const br = linkAddBridge(a.h, { name: "br0", mtu: 1450, mac: "02:00:00:00:00:aa" });
    expect(br).toMatchObject({ kind: "bridge", mtu: 1450, mac: "02:00:00:00:00:aa" });
    const veth = linkAddVeth(a.h, { name: "v0", peerName: "v1" });
    linkSetMaster(a.h, veth, br);
    linkSetBridgePort(a.h, veth, { hairpin: true, learning: false, isolated: true });
    expect(linkByName(a.h, "v0").master).toBe(br.index);
    const [port] = ipJson<IpLink[]>(a.test, ["-d", "link", "show", "v0"]);
    expect(port?.master).toBe("br0");
    expect(port?.linkinfo?.info_slave_data).toMatchObject({ hairpin: true, learning: false, isolated: true });
    expect(linkByName(a.h, "v0").port).toEqual({ hairpin: true, learning: false, isolated: true });
    expect(linkByName(a.h, "v1").port).toBeUndefined();
    linkSetNoMaster(a.h, veth);
    expect(linkByName(a.h, "v0").master).toBe(0);
  });

  it("linkSet* changes state, mtu, mac, promisc and alias as ip shows them", () => {
    const a = freshNs();
    const v = linkAddVeth(a.h, { name: "v0", peerName: "v1" });
    linkSetMtu(a.h, v, 1300);
    linkSetMac(a.h, v, "02:11:22:33:44:55");
    linkSetAlias(a.h, v, "pod-a");
    linkSetPromisc(a.h, v, true);
    linkSetUp(a.h, v);
    const [shown] = ipJson<IpLink[]>(a.test, ["link", "show", "v0"]);
    expect(shown).toMatchObject({ mtu: 1300, address: "02:11:22:33:44:55", ifalias: "pod-a" });
    expect(shown?.flags).toEqual(expect.arrayContaining(["UP", "PROMISC"]));
    expect(linkByIndex(a.h, v.index)).toMatchObject({ up: true, promisc: true, alias: "pod-a", mtu: 1300 });
    linkSetDown(a.h, v);
    linkSetAlias(a.h, v, "");
    expect(linkByIndex(a.h, v.index)).toMatchObject({ up: false, alias: "" });
  });

  it("linkSetAllmulti and linkSetTxqlen change all-multicast mode and the queue length as ip shows them, and the link reads them back", () => {
    const a = freshNs();
    const v = linkAddVeth(a.h, { name: "v0", peerName: "v1" });
    expect(linkByIndex(a.h, v.index)).toMatchObject({ allmulti: false, txqlen: 1000 });
    linkSetAllmulti(a.h, v, true);
    linkSetTxqlen(a.h, v, 321);
    const [shown] = ipJson<(IpLink & { txqlen: number })[]>(a.test, ["link", "show", "v0"]);
    expect(shown?.flags).toContain("ALLMULTI");
    expect(shown?.txqlen).toBe(321);
    expect(linkByIndex(a.h, v.index)).toMatchObject({ allmulti: true, txqlen: 321 });
    linkSetAllmulti(a.h, v, false);
    expect(linkByIndex(a.h, v.index).allmulti).toBe(false);
  });

  it("linkSetName and linkSetNetns rename a link and move it to another namespace", () => {
    const a = freshNs();
    const b = freshNs();
    const v = linkAddVeth(a.h, { name: "v0", peerName: "v1" });
    linkSetName(a.h, v, "moved0");
    linkSetNetns(a.h, v.index, b.ns);
    expect(linkByName(b.h, "moved0").kind).toBe("veth");
    expect(() => linkByName(a.h, "moved0")).toThrow(LinkNotFoundError);
  });

  it("linkAddBridge with an index makes the bridge with that ifindex; linkSetNetns with an index moves a link to that ifindex", () => {
    const a = freshNs();
    const b = freshNs();
    expect(linkAddBridge(a.h, { name: "br0" }, 42).index).toBe(42);
    const v = linkAddVeth(a.h, { name: "v0", peerName: "v1" });
    linkSetNetns(a.h, v, b.ns, "moved0", 77);
    expect(ipJson<IpLink[]>(b.test, ["link", "show", "moved0"])[0]?.ifindex).toBe(77);
    expect(() => linkAddBridge(a.h, { name: "br1" }, 42)).toThrow(KernelError); // taken
  });

  it("linkList lists lo and created links with their kinds", () => {
    const a = freshNs();
    linkAddVeth(a.h, { name: "v0", peerName: "v1" });
    const byName = new Map(linkList(a.h).map((l) => [l.name, l]));
    expect(byName.get("lo")).toMatchObject({ kind: "", up: true, mac: "00:00:00:00:00:00" });
    expect(byName.get("v0")?.kind).toBe("veth");
    expect(byName.get("v1")?.peer).toBe(byName.get("v0")?.index);
  });

  it("linkByName throws LinkNotFoundError for a missing link", () => {
    const a = freshNs();
    const err = (() => { try { linkByName(a.h, "nope0"); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(LinkNotFoundError);
    expect(err).toBeInstanceOf(KernelError);
    expect(err).toMatchObject({ code: "ENODEV", link: "nope0", message: "get link nope0: ENODEV (No such device)" });
  });

  it("linkDel removes the pair and a second delete throws LinkNotFoundError", () => {
    const a = freshNs();
    const v = linkAddVeth(a.h, { name: "v0", peerName: "v1" });
    linkDel(a.h, v);
    expect(ipJson<IpLink[]>(a.test, ["link", "show"]).map((l) => l.ifname)).toEqual(["lo"]);
    expect(() => linkDel(a.h, v)).toThrow(LinkNotFoundError);
    expect(() => linkDelByName(a.h, "v0")).toThrow(expect.objectContaining({ name: "LinkNotFoundError", link: "v0", message: "delete link v0: ENODEV (No such device)" }));
  });

  // linkDel returns at the kernel's RTM_DELLINK notification, before the teardown's ack.
  it("linkDel returns with both ends gone from both namespaces, and their names free at once", () => {
    const a = freshNs();
    const b = freshNs();
    const v = linkAddVeth(a.h, { name: "veth0", peerName: "eth0", peerNetns: b.ns });
    linkDel(a.h, v);
    expect(ipJson<IpLink[]>(a.test, ["link", "show"]).map((l) => l.ifname)).toEqual(["lo"]);
    expect(ipJson<IpLink[]>(b.test, ["link", "show"]).map((l) => l.ifname)).toEqual(["lo"]);
    expect(() => linkByName(a.h, "veth0")).toThrow(LinkNotFoundError);
    expect(linkAddVeth(a.h, { name: "veth0", peerName: "eth0", peerNetns: b.ns }).name).toBe("veth0");
  });

  it("linkDel fails with the kernel's error when the kernel refuses (lo cannot be deleted)", () => {
    const a = freshNs();
    const lo = linkByName(a.h, "lo");
    expect(() => linkDel(a.h, lo)).toThrow(expect.objectContaining({ code: "EOPNOTSUPP", message: expect.stringMatching(/^delete link lo: EOPNOTSUPP/) }));
    expect(linkByName(a.h, "lo").index).toBe(lo.index);
  });

  it("linkDel: the sockets still waiting for acks are not the caller's open descriptors, and all close (40 deletes, more than wait at once)", async () => {
    const a = freshNs();
    const pairs = Array.from({ length: 40 }, (_, i) => linkAddVeth(a.h, { name: `v${i}`, peerName: `p${i}` }));
    const fdCount = (): number => readdirSync("/proc/self/fd").length;
    const listed = native.openFds();
    const count = fdCount();
    for (const v of pairs) linkDel(a.h, v);
    expect(ipJson<IpLink[]>(a.test, ["link", "show"]).map((l) => l.ifname)).toEqual(["lo"]);
    expect(native.openFds().split("\n").sort()).toEqual(listed.split("\n").sort());
    for (let waited = 0; fdCount() > count && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    expect(fdCount()).toBe(count);
  });
});

// This kernel has no bridge VLAN filtering (DESIGN.md): the dump is real, its answer empty;
// the request and the parsing of VLAN entries are golden-tested (test/golden/bridge-vlan.test.ts).
describe("bridge port VLANs on a kernel without VLAN filtering", () => {
  it("bridgeVlanList dumps AF_BRIDGE links and finds no VLANs on a real port, as `bridge vlan show` prints none", () => {
    const a = freshNs();
    const br = linkAddBridge(a.h, { name: "br0" });
    const p = linkAddVeth(a.h, { name: "p0", peerName: "p1" });
    linkSetMaster(a.h, p, br);
    expect(bridgeVlanList(a.h, p)).toEqual([]);
    expect(a.test.exec("bridge", ["-j", "vlan", "show", "dev", "p0"]).trim()).toBe("[]");
  });
});
