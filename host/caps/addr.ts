import type * as AddrCaps from "../generated/interfaces/cni-host-addr";
import type { Family } from "../generated/interfaces/cni-host-types";
import { type Addr, addrAdd, addrDel, addrList, addrRestore, addrSettle } from "../kernel/rtnl/addr";
import type { RtnlHandle } from "../kernel/rtnl/handle";
import { routeList, routeReplace, RTPROT } from "../kernel/rtnl/route";
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

interface LinkAddrState {
  addrs: Addr[];
  /** Routes out of the link, of every table, except the kernel's own (they come back with their address). */
  routes: ReturnType<typeof routeList>;
}

function linkAddrState(h: RtnlHandle, index: number): LinkAddrState {
  return {
    addrs: addrList(h, index),
    routes: routeList(h, { table: "all", oif: index }).filter((r) => r.protocol !== RTPROT.KERNEL),
  };
}

/**
 * How to put back what an address delete took: the address, with its flags, label and
 * lifetimes, any secondary the kernel dropped with a primary, and the routes the kernel flushed
 * with them (those using it as source, or all of the link's when it was its last address).
 */
function addrStateUndo(h: () => RtnlHandle, before: LinkAddrState, after: LinkAddrState): () => void {
  const addrKey = (a: Addr): string => a.cidr;
  const routeKey = (r: LinkAddrState["routes"][number]): string => JSON.stringify(r);
  const hasAddr = new Set(after.addrs.map(addrKey));
  const hasRoute = new Set(after.routes.map(routeKey));
  const addrs = before.addrs.filter((a) => !hasAddr.has(addrKey(a)));
  const routes = before.routes.filter((r) => !hasRoute.has(routeKey(r)));
  return () => {
    for (const a of addrs) addrRestore(h(), a);
    // Each route is tried: one whose gateway an older change's undo brings back fails here, stated.
    const failed: string[] = [];
    for (const r of routes) {
      try {
        routeReplace(h(), r);
      } catch (e) {
        failed.push(e instanceof Error ? e.message : String(e));
      }
    }
    if (failed.length > 0) throw new Error(`routes not put back: ${failed.join("; ")}`);
  };
}

/**
 * cni:host/addr — addresses on links; added without DAD unless asked (IFA_F_NODAD). In the host
 * netns only on links in the plugin's scope (scope.ts); a controller's only inside the node's subnets.
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
      scope.requireClusterAddr(ns, name, cidr, "add");
      addrAdd(rtnl(ns), link(ns, name), cidr, { nodad: !options.dad });
      ctx.journal.record(`addr.add ${cidr} ${name} (ns ${ns})`, () => addrDel(rtnl(ns), link(ns, name), cidr));
    }),
    delete: hostCall(ctx, "addr.delete", (ns: number, name: string, cidr: string) => {
      checkLinkName(name);
      scope.requireLink(ns, name, "remove an address from");
      scope.requireClusterAddr(ns, name, cidr, "remove");
      const l = link(ns, name);
      const before = ctx.journal.enabled ? linkAddrState(rtnl(ns), l.index) : undefined;
      addrDel(rtnl(ns), l, cidr);
      if (before) ctx.journal.record(`addr.delete ${cidr} ${name} (ns ${ns})`, addrStateUndo(() => rtnl(ns), before, linkAddrState(rtnl(ns), l.index)));
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
