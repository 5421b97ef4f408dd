/**
 * A controller's own vxlan device as the kernel has it, read by the host just before
 * link.delete removes it during a reconcile, so that a failed reconcile makes it again as it
 * was: the kernel cannot change a vxlan's vni, port or local address in place, so a controller
 * replaces its device, and the journal's promise (the node left as it was) must survive that.
 * With the device go its addresses, neighbour and FDB entries and the routes out of it: all of
 * them are read here, from the kernel, never from the guest.
 *
 * Also the restore states of neighbour and FDB entries, shared with neigh.ts.
 */
import { KernelError } from "../kernel/errors";
import { type Addr, addrList, addrRestore } from "../kernel/rtnl/addr";
import type { Link } from "../kernel/rtnl/ifinfo";
import { vxlanLinkInfo, type VxlanData } from "../kernel/rtnl/kinds/vxlan";
import type { RtnlHandle } from "../kernel/rtnl/handle";
import { linkAdd } from "../kernel/rtnl/link";
import { linkSetAlias, linkSetAllmulti, linkSetPromisc, linkSetTxqlen, linkSetUp } from "../kernel/rtnl/link-set";
import { type Fdb, FDB_PERMANENT, fdbList, fdbSet, type Neigh, neighList, neighSet, NUD } from "../kernel/rtnl/neigh";
import { type Route, routeList, routeReplace, RT_TABLE, RTPROT } from "../kernel/rtnl/route";

/** The state a neighbour entry is put back in: permanent and noarp as they were, a learned one as stale (the kernel checks it again). */
export const neighRestoreState = (n: Neigh): number => (n.state & (NUD.PERMANENT | NUD.NOARP)) || NUD.STALE;

/** The state an FDB entry is put back in: a vxlan takes only permanent or reachable (a learned entry), with noarp as iproute2 sends it. */
export const fdbRestoreState = (f: Fdb): number => (f.state & NUD.PERMANENT ? FDB_PERMANENT : NUD.REACHABLE | NUD.NOARP);

/** The all-zeros and multicast MACs: a vxlan keeps several remotes for them (appended), one for any other. */
export const isMultiRemote = (mac: string): boolean => mac === "00:00:00:00:00:00" || (parseInt(mac.slice(0, 2), 16) & 1) === 1;

/** What a vxlan device carried when it was deleted. */
export interface VxlanSnapshot {
  /** Name, ifindex, MTU, MAC, alias (the owner mark), up, promisc, allmulti, txqlen. */
  link: Link;
  vxlan: VxlanData;
  addrs: Addr[];
  /** Resolved entries only (an unresolved one has no MAC to put back). */
  neighbours: Neigh[];
  /** Entries with a remote (NDA_DST): the device's tunnel destinations. */
  fdb: Fdb[];
  /** Main-table routes out of it, but the kernel's own (they come back with the addresses). */
  routes: Route[];
}

/** Reads `link` (a vxlan) and everything on it that a delete takes with it. */
export function snapshotVxlan(h: RtnlHandle, link: Link): VxlanSnapshot {
  const vxlan = link.data.vxlan;
  if (vxlan === undefined) throw new Error(`link ${link.name} (kind ${link.kind || "none"}) has no vxlan attributes to record`);
  return {
    link,
    vxlan,
    addrs: addrList(h, link.index),
    neighbours: neighList(h, link).filter((n) => n.mac !== ""),
    fdb: fdbList(h, link).filter((f) => f.dst !== ""),
    routes: routeList(h, { table: RT_TABLE.MAIN, oif: link.index }).filter((r) => r.protocol !== RTPROT.KERNEL),
  };
}

/**
 * Makes the device of `s` again, with its old ifindex when it is free, its vxlan attributes,
 * MTU, MAC and owner mark, brings it up if it was, and puts back its addresses, neighbour and
 * FDB entries and routes. Any failure is reported as such (never as "already gone"): the node
 * is then not as it was, and the audit line must say so.
 */
export function restoreVxlan(h: RtnlHandle, s: VxlanSnapshot): void {
  try {
    restore(h, s);
  } catch (e) {
    throw new Error(`vxlan ${s.link.name} could not be made again as it was: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

function restore(h: RtnlHandle, s: VxlanSnapshot): void {
  const { link: old, vxlan: v } = s;
  const linkInfo = vxlanLinkInfo({
    vni: v.vni, port: v.port, learning: v.learning,
    ...(v.local !== "" && { local: v.local }),
    ...(v.underlayIndex !== 0 && { underlayIndex: v.underlayIndex }),
  });
  const spec = { name: old.name, mtu: old.mtu, ...(old.mac !== "" && { mac: old.mac }), linkInfo };
  let link: Link;
  try {
    link = linkAdd(h, { ...spec, index: old.index });
  } catch (e) {
    if (!(e instanceof KernelError)) throw e;
    link = linkAdd(h, spec); // its ifindex is someone else's by now
  }
  if (old.alias !== "") linkSetAlias(h, link, old.alias);
  if (old.txqlen !== link.txqlen) linkSetTxqlen(h, link, old.txqlen);
  if (old.promisc) linkSetPromisc(h, link, true);
  if (old.allmulti) linkSetAllmulti(h, link, true);
  if (old.up) linkSetUp(h, link);
  // Going up may have given it its link-local IPv6 address already.
  const has = new Set(addrList(h, link.index).map((a) => a.cidr));
  for (const a of s.addrs) if (!has.has(a.cidr)) addrRestore(h, { ...a, index: link.index });
  for (const n of s.neighbours) neighSet(h, link, n.address, n.mac, neighRestoreState(n));
  // The kernel lists a vxlan's FDB newest first: added oldest first, it lists them as before.
  for (const f of [...s.fdb].reverse()) fdbSet(h, link, f.mac, f.dst, fdbRestoreState(f), isMultiRemote(f.mac));
  for (const r of s.routes) routeReplace(h, { ...r, oif: link.index });
}
