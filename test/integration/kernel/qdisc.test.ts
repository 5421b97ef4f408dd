// host/kernel/rtnl/qdisc.ts, tbf.ts, tc-filter.ts and nsid.ts against this kernel, read back with
// `tc -j` and `ip -j`: what each request makes, what the dumps report, a tbf put back as a
// dump reported it, and the netns id that ties a host veth to its container.
import { describe, expect, it } from "vitest";
import { linkAdd, linkAddVeth, linkByName } from "../../../host/kernel/rtnl/link";
import { ifbLinkInfo } from "../../../host/kernel/rtnl/kinds/ifb";
import { linkSetUp } from "../../../host/kernel/rtnl/link-set";
import { netnsIdOf } from "../../../host/kernel/rtnl/nsid";
import { qdiscAdd, qdiscDel, qdiscList, qdiscReplace, qdiscRestore, tickInUsec } from "../../../host/kernel/rtnl/qdisc";
import { filterDel, ingressFilters, redirectAdd } from "../../../host/kernel/rtnl/tc-filter";
import { KernelError } from "../../../host/kernel/errors";
import { freshNs } from "./fixture";

const tc = (a: ReturnType<typeof freshNs>, ...args: string[]) => JSON.parse(a.test.exec("tc", ["-j", ...args]) || "[]") as Record<string, unknown>[];

function vethAndIfb(a: ReturnType<typeof freshNs>) {
  const v = linkAddVeth(a.h, { name: "v0", peerName: "v1" });
  linkSetUp(a.h, v);
  linkSetUp(a.h, linkByName(a.h, "v1"));
  const ifb = linkAdd(a.h, { name: "ifb0", linkInfo: ifbLinkInfo() });
  linkSetUp(a.h, ifb);
  return { v, ifb };
}

describe("qdisc", () => {
  it("a tbf with a latency is what tc shows for `rate 10mbit burst 8kb latency 25ms`, and the dump reads it back", () => {
    const a = freshNs();
    const { v } = vethAndIfb(a);
    const tick = tickInUsec();
    expect(tick).toBe(15.625);
    qdiscAdd(a.h, v, { kind: "tbf", handle: 1, tbf: { rate: 1_250_000n, burst: 8192, latencyUs: 25_000 } }, tick);
    // The same qdisc made by tc itself on v1: the kernel reports the same for both.
    a.test.exec("tc", ["qdisc", "add", "dev", "v1", "root", "handle", "1:", "tbf", "rate", "10mbit", "burst", "8kb", "latency", "25ms"]);
    const shown = (dev: string) => tc(a, "-d", "qdisc", "show", "dev", dev).map(({ dev: _, ...q }) => q);
    expect(shown("v0")).toEqual(shown("v1"));
    expect(shown("v0")).toEqual([expect.objectContaining({ kind: "tbf", handle: "1:", options: expect.objectContaining({ rate: 1_250_000, lat: 25_000, linklayer: "ethernet" }) })]);
    expect(qdiscList(a.h, v, tick)).toEqual([
      { kind: "tbf", handle: 0x10000, parent: 0xffffffff, tbf: { rate: 1_250_000n, burst: 8192, limit: 39_442, peakrate: 0n, bufferTicks: 102_400, mtuTicks: 0 } },
    ]);
  });

  it("a rate of 2^32 bytes/s and more goes as TCA_TBF_RATE64 and reads back whole", () => {
    const a = freshNs();
    const { v } = vethAndIfb(a);
    const rate = 5_000_000_000n;
    qdiscAdd(a.h, v, { kind: "tbf", handle: 1, tbf: { rate, burst: 10_000_000, limit: 20_000_000 } }, tickInUsec());
    expect(qdiscList(a.h, v, tickInUsec())[0]?.tbf?.rate).toBe(rate);
  });

  it("adding a second root qdisc is EEXIST; replace changes it; delete brings the kernel's default back", () => {
    const a = freshNs();
    const { v } = vethAndIfb(a);
    const tick = tickInUsec();
    const spec = { kind: "tbf", handle: 1, tbf: { rate: 125_000n, burst: 10_000, latencyUs: 25_000 } } as const;
    const defaults = qdiscList(a.h, v, tick);
    qdiscAdd(a.h, v, spec, tick);
    expect(() => qdiscAdd(a.h, v, spec, tick)).toThrow(expect.objectContaining({ code: "EEXIST" }) as unknown as KernelError);
    qdiscReplace(a.h, v, { ...spec, tbf: { ...spec.tbf, rate: 250_000n } }, tick);
    expect(qdiscList(a.h, v, tick)[0]?.tbf?.rate).toBe(250_000n);
    qdiscDel(a.h, v, "root");
    expect(qdiscList(a.h, v, tick)).toEqual(defaults);
  });

  it("qdiscRestore puts back a replaced tbf exactly as the dump reported it (ticks, limit, rate)", () => {
    const a = freshNs();
    const { v } = vethAndIfb(a);
    const tick = tickInUsec();
    qdiscAdd(a.h, v, { kind: "tbf", handle: 1, tbf: { rate: 1_250_000n, burst: 8192, latencyUs: 25_000 } }, tick);
    const before = qdiscList(a.h, v, tick)[0]!;
    qdiscReplace(a.h, v, { kind: "tbf", handle: 1, tbf: { rate: 99_000n, burst: 5000, limit: 7000 } }, tick);
    qdiscRestore(a.h, v, before);
    expect(qdiscList(a.h, v, tick)).toEqual([before]);
  });

  it("ingress and clsact sit at ffff:fff1; a redirect on either is listed with its target and priority, and deleted by priority", () => {
    const a = freshNs();
    const { v, ifb } = vethAndIfb(a);
    const tick = tickInUsec();
    qdiscAdd(a.h, v, { kind: "ingress" }, tick);
    qdiscAdd(a.h, ifb, { kind: "clsact" }, tick);
    expect(qdiscList(a.h, v, tick).find((q) => q.kind === "ingress")).toMatchObject({ handle: 0xffff0000, parent: 0xfffffff1 });
    redirectAdd(a.h, v, { to: ifb.index, priority: 1, mirror: false });
    redirectAdd(a.h, v, { to: ifb.index, priority: 7, mirror: true });
    const v1 = linkByName(a.h, "v1");
    redirectAdd(a.h, ifb, { to: v1.index, priority: 3, mirror: false }); // on a clsact's ingress hook
    expect(ingressFilters(a.h, v).flatMap((f) => (f.redirect ? [f.redirect] : []))).toEqual([
      { to: ifb.index, priority: 1, mirror: false },
      { to: ifb.index, priority: 7, mirror: true },
    ]);
    expect(ingressFilters(a.h, ifb).flatMap((f) => (f.redirect ? [f.redirect] : []))).toEqual([{ to: v1.index, priority: 3, mirror: false }]);
    expect(a.test.exec("tc", ["filter", "show", "dev", "v0", "ingress"])).toMatch(/mirred \(Egress Redirect to device ifb0\) stolen[\s\S]*mirred \(Egress Mirror to device ifb0\) pipe/);
    filterDel(a.h, v, 7);
    expect(ingressFilters(a.h, v).flatMap((f) => (f.redirect ? [f.redirect.priority] : []))).toEqual([1]);
    qdiscDel(a.h, v, { ingress: "ingress" });
    expect(ingressFilters(a.h, v)).toEqual([]);
    expect(qdiscList(a.h, v, tick).some((q) => q.kind === "ingress")).toBe(false);
  });
});

describe("netns ids", () => {
  it("a veth whose peer is in another netns carries that netns's id, the one netnsIdOf gives it; a third netns has none", () => {
    const a = freshNs(), b = freshNs(), c = freshNs();
    linkAddVeth(a.h, { name: "hv0", peerName: "eth0", peerNetns: b.ns });
    const hv0 = linkByName(a.h, "hv0");
    expect(hv0.linkNetnsid).toBeGreaterThanOrEqual(0);
    expect(netnsIdOf(a.h, b.ns)).toBe(hv0.linkNetnsid);
    expect(netnsIdOf(a.h, c.ns)).toBe(-1);
    expect(linkByName(a.h, "lo").linkNetnsid).toBeUndefined();
  });
});
