import type * as NeighCaps from "../generated/interfaces/cni-host-neigh";
import type { Family } from "../generated/interfaces/cni-host-types";
import type { Link } from "../kernel/rtnl/ifinfo";
import { linkByName } from "../kernel/rtnl/link";
import { fdbDel, fdbList, fdbSet, neighDel, neighList, neighSet, NUD } from "../kernel/rtnl/neigh";
import { ipFamily } from "./addr";
import { type CallContext, hostCall } from "./context";
import { denied, notFound } from "./errors";
import { checkLinkName } from "./link";
import { scopeOf } from "./scope";
import { checkIp, checkMac, requireClusterFdb, requireClusterNeigh } from "./vtep-scope";
import { fdbRestoreState, isMultiRemote, neighRestoreState } from "./vxlan-snapshot";

/**
 * cni:host/neigh — neighbour (ARP/NDP) and FDB entries of links. In the container's netns any
 * link; in the host netns only links the plugin owns (created by it: its owner mark), so that it
 * can steer only traffic of its own devices, never the node's. For a controller (ctx.cluster)
 * the entries it sets must also be proved by the agent's view (vtep-scope.ts). Values are checked
 * and normalised before any kernel call; within an ADD or a reconcile every change is journalled:
 * a replaced entry comes back, an added one goes, a deleted one returns.
 */
export function createNeighCaps(ctx: CallContext): typeof NeighCaps {
  const scope = scopeOf(ctx);
  const rtnl = (ns: number) => scope.rtnl(ns);

  /** The link, after its name and, in the host netns, its owner are checked: `not-found` before `denied`. */
  function target(ns: number, name: string, action: string): Link {
    checkLinkName(name);
    const link = linkByName(rtnl(ns), name);
    if (scope.isHost(ns) && !scope.ownsLink(ns, name)) {
      throw denied(`${scope.who} may not ${action} host link ${name}: it did not create it (neighbour and FDB scope: only links with its owner mark)`);
    }
    return link;
  }

  const step = (what: string, ns: number, name: string) => `${what} ${name} (ns ${ns})`;

  return {
    list: hostCall(ctx, "neigh.list", (ns: number, name: string, family: Family): NeighCaps.Neighbour[] => {
      checkLinkName(name);
      const h = rtnl(ns);
      return neighList(h, linkByName(h, name), ipFamily(family)).map((n) => ({
        address: n.address, mac: n.mac, permanent: (n.state & NUD.PERMANENT) !== 0,
      }));
    }),

    set: hostCall(ctx, "neigh.set", (ns: number, name: string, address: string, mac: string) => {
      const ip = checkIp(address, "neighbour address");
      const lladdr = checkMac(mac, "neighbour MAC");
      checkLinkName(name);
      if (ctx.cluster !== undefined) requireClusterNeigh(ctx.plugin, ctx.cluster, name, ip, lladdr);
      const link = target(ns, name, "set a neighbour on");
      const h = rtnl(ns);
      const before = ctx.journal.enabled ? neighList(h, link).find((n) => n.address === ip) : undefined;
      neighSet(h, link, ip, lladdr);
      ctx.journal.record(step(`neigh.set ${ip}`, ns, name), () => {
        const now = linkByName(rtnl(ns), name);
        if (before !== undefined && before.mac !== "") neighSet(rtnl(ns), now, ip, before.mac, neighRestoreState(before));
        else neighDel(rtnl(ns), now, ip);
      });
    }),

    delete: hostCall(ctx, "neigh.delete", (ns: number, name: string, address: string) => {
      const ip = checkIp(address, "neighbour address");
      const link = target(ns, name, "delete a neighbour of");
      const h = rtnl(ns);
      const before = ctx.journal.enabled ? neighList(h, link).find((n) => n.address === ip) : undefined;
      neighDel(h, link, ip); // ENOENT: not-found
      if (before !== undefined && before.mac !== "") {
        ctx.journal.record(step(`neigh.delete ${ip}`, ns, name), () => neighSet(rtnl(ns), linkByName(rtnl(ns), name), ip, before.mac, neighRestoreState(before)));
      }
    }),

    fdb: hostCall(ctx, "neigh.fdb", (ns: number, name: string): NeighCaps.FdbEntry[] => {
      checkLinkName(name);
      const h = rtnl(ns);
      return fdbList(h, linkByName(h, name)).map((f) => ({ mac: f.mac, dst: f.dst, permanent: (f.state & NUD.PERMANENT) !== 0 }));
    }),

    setFdb: hostCall(ctx, "neigh.set-fdb", (ns: number, name: string, mac: string, dst: string) => {
      const lladdr = checkMac(mac, "FDB MAC");
      const ip = checkIp(dst, "FDB dst");
      checkLinkName(name);
      if (ctx.cluster !== undefined) requireClusterFdb(ctx.plugin, ctx.cluster, name, lladdr, ip);
      const link = target(ns, name, "set an FDB entry on");
      const h = rtnl(ns);
      const before = ctx.journal.enabled ? fdbList(h, link).filter((f) => f.mac === lladdr && f.dst !== "") : [];
      fdbSet(h, link, lladdr, ip);
      ctx.journal.record(step(`neigh.set-fdb ${lladdr} dst ${ip}`, ns, name), () => {
        const now = linkByName(rtnl(ns), name);
        const old = before[0];
        // A replace changed the entry's one remote (or, for a MAC with several, left them): put back the first.
        if (old !== undefined && !isMultiRemote(lladdr)) fdbSet(rtnl(ns), now, lladdr, old.dst, fdbRestoreState(old));
        else if (!before.some((f) => f.dst === ip)) fdbDel(rtnl(ns), now, lladdr, ip);
      });
    }),

    deleteFdb: hostCall(ctx, "neigh.delete-fdb", (ns: number, name: string, mac: string, dst: string) => {
      const lladdr = checkMac(mac, "FDB MAC");
      const ip = checkIp(dst, "FDB dst");
      const link = target(ns, name, "delete an FDB entry of");
      const h = rtnl(ns);
      // The kernel answers a delete naming another remote of the MAC with success, deleting nothing: say not-found.
      const before = fdbList(h, link).find((f) => f.mac === lladdr && f.dst === ip);
      if (before === undefined) throw notFound(`link ${name} has no FDB entry ${lladdr} dst ${ip}`);
      fdbDel(h, link, lladdr, ip);
      ctx.journal.record(step(`neigh.delete-fdb ${lladdr} dst ${ip}`, ns, name), () =>
        fdbSet(rtnl(ns), linkByName(rtnl(ns), name), lladdr, ip, fdbRestoreState(before), isMultiRemote(lladdr)));
    }),
  };
}
