import type * as AddrCaps from "../generated/interfaces/cni-host-addr";
import type { Family } from "../generated/interfaces/cni-host-types";
import { addrAdd, addrDel, addrList, addrSettle } from "../kernel/rtnl/addr";
import type { IpFamily } from "../kernel/rtnl/inet";
import { linkByName } from "../kernel/rtnl/link";
import { type CallContext, hostCall } from "./context";
import { CapError } from "./errors";
import { checkLinkName } from "./link";
import { scopeOf } from "./scope";

/** The longest addr.settle waits, whatever the plugin asks (Go's bridge waits 5 s, older ones 10 s). */
export const MAX_SETTLE_MS = 10_000;
/** Left of the time limit when addr.settle gives up, so that the plugin can still fail cleanly. */
export const SETTLE_RESERVE_MS = 500;
const ETIMEDOUT = 110;

export function ipFamily(f: Family): IpFamily | undefined {
  return f === "v4" ? 4 : f === "v6" ? 6 : undefined;
}

/**
 * cni:host/addr — addresses on links; added without DAD unless asked (IFA_F_NODAD). In the host
 * netns only on links in the plugin's scope (scope.ts).
 */
export function createAddrCaps(ctx: CallContext): typeof AddrCaps {
  const scope = scopeOf(ctx);
  const rtnl = (ns: number) => scope.rtnl(ns);
  const link = (ns: number, name: string) => {
    checkLinkName(name);
    return linkByName(rtnl(ns), name);
  };
  return {
    list: hostCall(ctx, "addr.list", (ns: number, name: string, family: Family) =>
      addrList(rtnl(ns), name === "" ? 0 : link(ns, name), ipFamily(family)).map((a) => ({
        linkIndex: a.index,
        cidr: a.cidr,
        scope: a.scope,
      })),
    ),
    add: hostCall(ctx, "addr.add", (ns: number, name: string, cidr: string, options: AddrCaps.AddrOptions) => {
      checkLinkName(name);
      scope.requireLink(ns, name, "add an address to");
      addrAdd(rtnl(ns), link(ns, name), cidr, { nodad: !options.dad });
      ctx.journal.record(`addr.add ${cidr} ${name} (ns ${ns})`, () => addrDel(rtnl(ns), link(ns, name), cidr));
    }),
    delete: hostCall(ctx, "addr.delete", (ns: number, name: string, cidr: string) => {
      checkLinkName(name);
      scope.requireLink(ns, name, "remove an address from");
      addrDel(rtnl(ns), link(ns, name), cidr);
    }),
    settle: hostCall(ctx, "addr.settle", (ns: number, name: string, timeoutMs: number) => {
      const l = link(ns, name);
      const now = performance.now();
      const limit = ctx.deadline === undefined ? Infinity : ctx.deadline - SETTLE_RESERVE_MS - now;
      const waitMs = Math.max(0, Math.min(timeoutMs, MAX_SETTLE_MS, limit));
      const out = addrSettle(rtnl(ns), l, now + waitMs);
      if (out.state === "dadfailed") {
        throw new CapError({ tag: "exists", val: `link ${name} has address ${out.cidr} in DADFAILED state` });
      }
      if (out.state === "tentative") {
        const message = `link ${name} still has tentative addresses (${out.cidrs.join(", ")}) after ${Math.round(waitMs)} ms`;
        throw new CapError({ tag: "kernel", val: { errno: ETIMEDOUT, message } });
      }
    }),
  };
}
