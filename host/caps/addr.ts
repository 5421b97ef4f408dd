import type * as AddrCaps from "../generated/interfaces/cni-host-addr";
import type { Family } from "../generated/interfaces/cni-host-types";
import { addrAdd, addrDel, addrList } from "../kernel/rtnl/addr";
import type { IpFamily } from "../kernel/rtnl/inet";
import { linkByName } from "../kernel/rtnl/link";
import { type CallContext, hostCall } from "./context";
import { checkLinkName } from "./link";
import { scopeOf } from "./scope";

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
  };
}
