import { describe, expect, it } from "vitest";
import { LinkNotFoundError } from "../../../host/kernel/errors";
import { addrAdd, addrDel, addrList, addrSettle } from "../../../host/kernel/rtnl/addr";
import { linkAddVeth } from "../../../host/kernel/rtnl/link";
import { linkSetUp } from "../../../host/kernel/rtnl/link-set";
import { ipJson } from "../../helpers/netns";
import { freshNs } from "./fixture";

interface IpAddrInfo {
  family: string;
  local: string;
  prefixlen: number;
  broadcast?: string;
  tentative?: boolean;
  nodad?: boolean;
}

function shown(ns: ReturnType<typeof freshNs>, dev: string): IpAddrInfo[] {
  return ipJson<Array<{ addr_info: IpAddrInfo[] }>>(ns.test, ["addr", "show", "dev", dev])[0]?.addr_info ?? [];
}

describe("addr", () => {
  it("addrAdd adds an IPv4 address with its broadcast", () => {
    const a = freshNs();
    const v = linkAddVeth(a.h, { name: "v0", peerName: "v1" });
    addrAdd(a.h, v, "10.1.0.2/24");
    expect(shown(a, "v0")).toEqual([expect.objectContaining({ family: "inet", local: "10.1.0.2", prefixlen: 24, broadcast: "10.1.0.255" })]);
    expect(addrList(a.h, v, 4)).toEqual([expect.objectContaining({ index: v.index, family: 4, cidr: "10.1.0.2/24", scope: 0 })]);
  });

  it("addrAdd adds an IPv6 address without DAD, so it is not tentative", () => {
    const a = freshNs();
    const v = linkAddVeth(a.h, { name: "v0", peerName: "v1" });
    linkSetUp(a.h, v);
    addrAdd(a.h, v, "FD00:0:0::0002/64");
    const info = shown(a, "v0").find((i) => i.local === "fd00::2");
    expect(info).toMatchObject({ prefixlen: 64, nodad: true });
    expect(info?.tentative).toBeUndefined();
    const listed = addrList(a.h, v, 6).find((x) => x.cidr === "fd00::2/64");
    expect(listed).toMatchObject({ family: 6, tentative: false });
  });

  it("addrAdd with nodad false leaves the IPv6 address tentative on an up link", () => {
    const a = freshNs();
    const b = freshNs();
    const v = linkAddVeth(a.h, { name: "v0", peerName: "v1", peerNetns: b.ns });
    linkSetUp(a.h, v);
    linkSetUp(b.h, { index: v.peer, name: "v1" });
    addrAdd(a.h, v, "fd00::5/64", { nodad: false });
    expect(addrList(a.h, v, 6).find((x) => x.cidr === "fd00::5/64")?.tentative).toBe(true);
  });

  it("addrAdd returns EEXIST for a duplicate address", () => {
    const a = freshNs();
    const v = linkAddVeth(a.h, { name: "v0", peerName: "v1" });
    addrAdd(a.h, v, "10.1.0.2/24");
    expect(() => addrAdd(a.h, v, "10.1.0.2/24")).toThrow("add 10.1.0.2/24 to v0: EEXIST (File exists)");
  });

  it("addrAdd throws LinkNotFoundError for a missing link", () => {
    const a = freshNs();
    expect(() => addrAdd(a.h, 999, "10.1.0.2/24")).toThrow(LinkNotFoundError);
  });

  it("addrAdd rejects a malformed CIDR with EINVAL before talking to the kernel", () => {
    const a = freshNs();
    expect(() => addrAdd(a.h, 1, "10.1.0.300/24")).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => addrAdd(a.h, 1, "10.1.0.3/33")).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });

  it("addrDel removes an address and returns EADDRNOTAVAIL the second time", () => {
    const a = freshNs();
    const v = linkAddVeth(a.h, { name: "v0", peerName: "v1" });
    addrAdd(a.h, v, "10.1.0.2/24");
    addrAdd(a.h, v, "fd00::2/64");
    addrDel(a.h, v, "10.1.0.2/24");
    addrDel(a.h, v, "fd00::2/64");
    expect(shown(a, "v0").filter((i) => i.local !== undefined && !i.local.startsWith("fe80"))).toEqual([]);
    expect(() => addrDel(a.h, v, "10.1.0.2/24")).toThrow(expect.objectContaining({ code: "EADDRNOTAVAIL" }));
  });

  it("addrList filters by link and family", () => {
    const a = freshNs();
    const v = linkAddVeth(a.h, { name: "v0", peerName: "v1" });
    addrAdd(a.h, v, "10.1.0.2/24");
    addrAdd(a.h, v, "fd00::2/64");
    expect(addrList(a.h, v).map((x) => x.cidr).sort()).toEqual(["10.1.0.2/24", "fd00::2/64"]);
    expect(addrList(a.h, 0, 4).map((x) => x.cidr).sort()).toEqual(["10.1.0.2/24", "127.0.0.1/8"]);
  });

  it("addrSettle returns settled once DAD has passed, and the address is no longer tentative", () => {
    const a = freshNs(), b = freshNs();
    const v = linkAddVeth(a.h, { name: "v0", peerName: "v1", peerNetns: b.ns });
    linkSetUp(a.h, v);
    linkSetUp(b.h, { index: v.peer, name: "v1" });
    addrAdd(a.h, v, "fd00::5/64", { nodad: false });
    expect(addrSettle(a.h, v, performance.now() + 5000)).toEqual({ state: "settled" });
    expect(shown(a, "v0").find((i) => i.local === "fd00::5")?.tentative).toBeUndefined();
  });

  it("addrSettle reports the addresses still tentative at the deadline on an up link", () => {
    const a = freshNs(), b = freshNs();
    const v = linkAddVeth(a.h, { name: "v0", peerName: "v1", peerNetns: b.ns });
    // Three probes a second apart: DAD cannot be over within the 200 ms given.
    a.test.exec("sysctl", ["-qw", "net.ipv6.conf.v0.dad_transmits=3"]);
    linkSetUp(a.h, v);
    linkSetUp(b.h, { index: v.peer, name: "v1" });
    addrAdd(a.h, v, "fd00::6/64", { nodad: false });
    const t0 = performance.now();
    // The link-local address is in DAD too, and counts as Go counts it.
    expect(addrSettle(a.h, v, t0 + 200)).toEqual({ state: "tentative", cidrs: expect.arrayContaining(["fd00::6/64"]) });
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it("addrSettle counts a link that is not up as settled at the deadline (no DAD runs there), as Go", () => {
    const a = freshNs();
    const v = linkAddVeth(a.h, { name: "v0", peerName: "v1" });
    addrAdd(a.h, v, "fd00::7/64", { nodad: false });
    expect(addrList(a.h, v, 6).find((x) => x.cidr === "fd00::7/64")?.tentative).toBe(true);
    expect(addrSettle(a.h, v, performance.now() + 100)).toEqual({ state: "settled" });
  });
});
