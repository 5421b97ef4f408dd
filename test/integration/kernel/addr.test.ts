import { describe, expect, it } from "vitest";
import { LinkNotFoundError } from "../../../host/kernel/errors";
import { execFileSync } from "node:child_process";
import { addrAdd, addrDel, addrList, addrRestore, addrSettle } from "../../../host/kernel/rtnl/addr";
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
  it("addrList reads label, broadcast, peer, flags and lifetimes; addrRestore puts each address back as ip shows it", () => {
    const a = freshNs();
    const v = linkAddVeth(a.h, { name: "v0", peerName: "v1" });
    const ip = (...args: string[]) => execFileSync("ip", ["-n", a.test.name, ...args]);
    ip("addr", "add", "10.1.0.2/24", "brd", "+", "dev", "v0", "label", "v0:gw");
    ip("addr", "add", "10.2.0.2/24", "dev", "v0", "noprefixroute", "valid_lft", "1000", "preferred_lft", "500");
    ip("addr", "add", "10.3.0.1", "peer", "10.3.0.9/32", "dev", "v0", "scope", "link");
    ip("addr", "add", "fd00::2/64", "dev", "v0", "nodad");
    const before = ipJson(a.test, ["addr", "show", "dev", "v0"]);
    const listed = addrList(a.h, v);
    expect(listed).toEqual(expect.arrayContaining([
      expect.objectContaining({ cidr: "10.1.0.2/24", label: "v0:gw", broadcast: "10.1.0.255", validLft: 0xffffffff }),
      expect.objectContaining({ cidr: "10.2.0.2/24", flags: expect.any(Number), validLft: expect.any(Number), preferredLft: expect.any(Number) }),
      expect.objectContaining({ cidr: "10.3.0.1/32", peer: "10.3.0.9/32", scope: 253 }),
    ]));
    for (const x of listed) addrDel(a.h, v, x.cidr);
    expect(addrList(a.h, v)).toEqual([]);
    for (const x of listed) addrRestore(a.h, x);
    // Lifetimes count down in the meantime: compare them apart, within a few seconds.
    const strip = (j: unknown) => JSON.parse(JSON.stringify(j, (k, val: unknown) => (k.endsWith("_life_time") ? undefined : val)));
    expect(strip(ipJson(a.test, ["addr", "show", "dev", "v0"]))).toEqual(strip(before));
    const lft = addrList(a.h, v).find((x) => x.cidr === "10.2.0.2/24")!;
    expect(lft.validLft).toBeGreaterThan(990);
    expect(lft.preferredLft).toBeGreaterThan(490);
    expect(lft.validLft).toBeLessThanOrEqual(1000);
  });

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
