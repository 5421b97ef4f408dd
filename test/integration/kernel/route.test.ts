import { describe, expect, it } from "vitest";
import { addrAdd } from "../../../host/kernel/rtnl/addr";
import { linkAddVeth } from "../../../host/kernel/rtnl/link";
import { linkSetUp } from "../../../host/kernel/rtnl/link-set";
import { RT_SCOPE, RTPROT, routeAdd, routeDel, routeList, routeReplace } from "../../../host/kernel/rtnl/route";
import { ipJson } from "../../helpers/netns";
import { freshNs } from "./fixture";

interface IpRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  scope?: string;
  metric?: number;
  prefsrc?: string;
  flags: string[];
  table?: string;
  metrics?: Array<Record<string, number>>;
}

function upLink(a: ReturnType<typeof freshNs>) {
  const v = linkAddVeth(a.h, { name: "v0", peerName: "v1" });
  linkSetUp(a.h, v);
  addrAdd(a.h, v, "10.1.0.2/24");
  addrAdd(a.h, v, "fd00::2/64");
  return v;
}

describe("route", () => {
  it("routeAdd adds a default route via a gateway with proto boot", () => {
    const a = freshNs();
    const v = upLink(a);
    routeAdd(a.h, { dst: "0.0.0.0/0", gw: "10.1.0.1", oif: v.index });
    // ip leaves out "protocol" when it is boot, its own default.
    const def = ipJson<IpRoute[]>(a.test, ["route", "show", "default", "proto", "boot"]);
    expect(def).toEqual([expect.objectContaining({ dst: "default", gateway: "10.1.0.1", dev: "v0" })]);
    expect(routeList(a.h, { family: 4 }).find((r) => r.dst === "0.0.0.0/0")).toMatchObject({
      gw: "10.1.0.1", oif: v.index, table: 254, scope: 0, protocol: RTPROT.BOOT, type: 1,
    });
  });

  it("routeAdd adds a /32 onlink host route and a default via a gateway outside the subnet", () => {
    const a = freshNs();
    const v = linkAddVeth(a.h, { name: "v0", peerName: "v1" });
    linkSetUp(a.h, v);
    addrAdd(a.h, v, "10.1.0.2/32");
    routeAdd(a.h, { dst: "169.254.1.1/32", oif: v.index, scope: RT_SCOPE.LINK });
    routeAdd(a.h, { dst: "0.0.0.0/0", gw: "169.254.1.1", oif: v.index, onlink: true });
    const routes = ipJson<IpRoute[]>(a.test, ["route", "show"]);
    expect(routes).toContainEqual(expect.objectContaining({ dst: "169.254.1.1", dev: "v0", scope: "link" }));
    expect(routes).toContainEqual(expect.objectContaining({ dst: "default", gateway: "169.254.1.1", flags: expect.arrayContaining(["onlink"]) }));
    expect(routeList(a.h).find((r) => r.dst === "0.0.0.0/0")?.onlink).toBe(true);
  });

  it("routeAdd sets src, metric, mtu, advmss and a table above 255", () => {
    const a = freshNs();
    const v = upLink(a);
    routeAdd(a.h, { dst: "10.9.0.0/16", gw: "10.1.0.1", src: "10.1.0.2", metric: 100, mtu: 1400, advmss: 1360, table: 1000 });
    const [r] = ipJson<IpRoute[]>(a.test, ["route", "show", "table", "1000"]);
    expect(r).toMatchObject({ dst: "10.9.0.0/16", gateway: "10.1.0.1", prefsrc: "10.1.0.2", metric: 100 });
    expect(r?.metrics).toEqual([{ mtu: 1400, advmss: 1360 }]);
    expect(routeList(a.h, { table: 1000 })).toEqual([
      expect.objectContaining({ dst: "10.9.0.0/16", table: 1000, metric: 100, mtu: 1400, advmss: 1360, src: "10.1.0.2", oif: v.index }),
    ]);
    expect(routeList(a.h, { family: 4 }).some((r) => r.table === 1000)).toBe(false);
    expect(routeList(a.h, { family: 4, table: "all" }).some((r) => r.table === 1000)).toBe(true);
  });

  it("routeAdd adds an IPv6 route and lists it in RFC 5952 form", () => {
    const a = freshNs();
    const v = upLink(a);
    routeAdd(a.h, { dst: "fd01:0:0:0::/64", gw: "fd00::1", oif: v.index });
    expect(ipJson<IpRoute[]>(a.test, ["-6", "route", "show", "fd01::/64"])).toEqual([expect.objectContaining({ gateway: "fd00::1", dev: "v0" })]);
    expect(routeList(a.h, { family: 6, oif: v.index }).map((r) => r.dst)).toContain("fd01::/64");
  });

  it("routeAdd returns EEXIST for an existing route and routeReplace replaces it", () => {
    const a = freshNs();
    const v = upLink(a);
    routeAdd(a.h, { dst: "10.9.0.0/16", gw: "10.1.0.1" });
    expect(() => routeAdd(a.h, { dst: "10.9.0.0/16", gw: "10.1.0.3" })).toThrow(expect.objectContaining({ code: "EEXIST" }));
    routeReplace(a.h, { dst: "10.9.0.0/16", gw: "10.1.0.3", oif: v.index });
    expect(ipJson<IpRoute[]>(a.test, ["route", "show", "10.9.0.0/16"])).toEqual([expect.objectContaining({ gateway: "10.1.0.3" })]);
  });

  it("routeAdd returns ENETUNREACH for a gateway that no link reaches", () => {
    const a = freshNs();
    upLink(a);
    expect(() => routeAdd(a.h, { dst: "10.9.0.0/16", gw: "192.168.7.1" })).toThrow(expect.objectContaining({ code: "ENETUNREACH" }));
  });

  it("routeDel deletes a route and returns ESRCH the second time", () => {
    const a = freshNs();
    const v = upLink(a);
    routeAdd(a.h, { dst: "10.9.0.0/16", gw: "10.1.0.1", oif: v.index });
    routeDel(a.h, { dst: "10.9.0.0/16", gw: "10.1.0.1", oif: v.index });
    expect(ipJson<IpRoute[]>(a.test, ["route", "show", "10.9.0.0/16"])).toEqual([]);
    expect(() => routeDel(a.h, { dst: "10.9.0.0/16" })).toThrow(expect.objectContaining({ code: "ESRCH" }));
  });
});
