/**
 * What a node controller may change in the host netns beyond its own links, derived from the
 * cluster view the agent handed it (CallContext.cluster), never from what it passes: the rules
 * of the README's Security model for controllers. Pure functions of the view, each returning
 * why a change is refused (null: allowed); scope.ts applies them, with the link checks that
 * need the kernel.
 *
 * - addresses: a prefix inside one of the node's own subnets (view.local.subnets), so that the
 *   prefix route the kernel adds with it stays inside them too;
 * - route add/replace: table main; the destination inside one peer's subnet and not overlapping
 *   the node's own; a gateway that is that peer's underlay address or an address inside that
 *   peer's subnets (its VTEP address, onlink);
 * - route delete: table main; the destination inside the cluster CIDRs and not overlapping the
 *   node's own subnets (a peer that left can be cleaned up, the node's pods never cut off).
 */
import type { ClusterNode, ClusterView } from "./context";
import { type Cidr, cidrContains, type IpAddr, parseCidr, tryParseIp } from "../kernel/rtnl/inet";
import { RT_TABLE } from "../kernel/rtnl/route";

/** The route fields the rules read (WIT route-info). */
export interface ClusterRoute {
  dst: string;
  gw?: string;
  table?: number;
}

const cidrs = (texts: readonly string[]): Cidr[] => texts.map((t) => parseCidr(t));
const overlaps = (a: Cidr, b: Cidr): boolean => cidrContains(a, b) || cidrContains(b, a);
const hostCidr = (ip: IpAddr): Cidr => ({ ...ip, prefix: ip.bytes.length * 8 });
const sameIp = (a: IpAddr, b: IpAddr): boolean => a.family === b.family && a.bytes.every((x, i) => x === b.bytes[i]);

/** The node's own subnet that `c` overlaps, if any. */
function localOverlap(view: ClusterView, c: Cidr): string | undefined {
  return view.local.subnets.find((s) => overlaps(parseCidr(s), c));
}

/** Why address `cidr` may not be added to or removed from a controller's link, or null. */
export function clusterAddrProblem(view: ClusterView, cidr: string): string | null {
  const c = parseCidr(cidr);
  if (cidrs(view.local.subnets).some((s) => cidrContains(s, c))) return null;
  return `only addresses whose prefix lies inside the node's subnets (${view.local.subnets.join(", ") || "none"})`;
}

/** The peer whose subnet holds `dst`, and that subnet. */
function peerOf(view: ClusterView, dst: Cidr): ClusterNode | undefined {
  return view.peers.find((p) => cidrs(p.subnets).some((s) => cidrContains(s, dst)));
}

/** Why a controller may not add or replace route `r` (`what`: "add route 10.244.2.0/24"), or null. */
export function clusterRouteProblem(view: ClusterView, r: ClusterRoute): string | null {
  if (r.table !== undefined && r.table !== RT_TABLE.MAIN) return `in table ${r.table}: only the main table`;
  const dst = parseCidr(r.dst);
  const peer = peerOf(view, dst);
  if (peer === undefined) {
    const own = view.local.subnets.find((s) => cidrContains(parseCidr(s), dst));
    if (own !== undefined) return `it is inside the node's own subnet ${own}, not a peer's`;
    return `its destination is inside no peer's subnet (${view.peers.flatMap((p) => p.subnets).join(", ") || "no peers"})`;
  }
  const own = localOverlap(view, dst);
  if (own !== undefined) return `it overlaps the node's own subnet ${own}`;
  const allowedGw = `${peer.name}'s underlay address ${peer.underlay} or an address inside its subnets (${peer.subnets.join(", ")})`;
  if (r.gw === undefined) return `a route to ${peer.name}'s subnet needs a gateway: ${allowedGw}`;
  const gw = tryParseIp(r.gw);
  const underlay = tryParseIp(peer.underlay);
  if (gw !== undefined && underlay !== undefined && sameIp(gw, underlay)) return null;
  if (gw !== undefined && cidrs(peer.subnets).some((s) => cidrContains(s, hostCidr(gw)))) return null;
  return `the gateway of a route to ${peer.name}'s subnet must be ${allowedGw}`;
}

/** Why a controller may not delete route `r`, or null. */
export function clusterRouteDeleteProblem(view: ClusterView, r: ClusterRoute): string | null {
  if (r.table !== undefined && r.table !== RT_TABLE.MAIN) return `in table ${r.table}: only the main table`;
  const dst = parseCidr(r.dst);
  if (!cidrs(view.clusterCidrs).some((c) => cidrContains(c, dst))) {
    return `only routes inside the cluster CIDRs (${view.clusterCidrs.join(", ") || "none"}), not overlapping the node's own subnets, may be deleted`;
  }
  const own = localOverlap(view, dst);
  return own === undefined ? null : `it overlaps the node's own subnet ${own}`;
}
