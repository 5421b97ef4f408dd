import type * as AddrCaps from "../generated/interfaces/cni-host-addr";
import type { Family } from "../generated/interfaces/cni-host-types";
import { addrAdd, addrDel, addrList } from "../kernel/rtnl/addr";
import type { IpFamily } from "../kernel/rtnl/inet";
import { linkByName } from "../kernel/rtnl/link";
import { type CallContext, hostCall } from "./context";
import { checkLinkName } from "./link";

export function ipFamily(f: Family): IpFamily | undefined {
  return f === "v4" ? 4 : f === "v6" ? 6 : undefined;
}

/** cni:host/addr — addresses on links; added without DAD unless asked (IFA_F_NODAD). */
export function createAddrCaps(ctx: CallContext): typeof AddrCaps {
  const rtnl = (ns: number) => ctx.namespaces.rtnl(ns);
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
      addrAdd(rtnl(ns), link(ns, name), cidr, { nodad: !options.dad });
      ctx.journal.record(`addr.add ${cidr} ${name} (ns ${ns})`, () => addrDel(rtnl(ns), link(ns, name), cidr));
    }),
    delete: hostCall(ctx, "addr.delete", (ns: number, name: string, cidr: string) => {
      addrDel(rtnl(ns), link(ns, name), cidr);
    }),
  };
}
