/**
 * What a node controller may change in the host netns beyond its own links, derived from the
 * cluster view the agent handed it (CallContext.cluster), never from what it passes: the rules
 * of the README's Security model for controllers. Pure functions of the view, each returning
 * why a change is refused (null: allowed); scope.ts applies them, with the link checks that
 * need the kernel.
 *
 * - addresses: only the network address of one of the node's own subnets, as a host address
 *   (10.244.1.0/32: Flannel's VTEP address). Any other address of the subnet is a pod's, or
 *   will be: on the controller's link it would take that pod's traffic; a wider prefix would
 *   route the node's pods into the controller's link;
 * - route add/replace: table main; the destination inside one peer's subnet and not overlapping
 *   the node's own; a gateway that is that peer's underlay address or an address inside that
 *   peer's subnets (its VTEP address, onlink);
 * - route delete: table main; the destination inside the cluster CIDRs and not overlapping the
 *   node's own subnets (a peer that left can be cleaned up, the node's pods never cut off).
 */
import type { ClusterNode, ClusterView } from "./context";
import { type Cidr, cidrContains, formatCidr, type IpAddr, parseCidr, tryParseIp } from "../kernel/rtnl/inet";
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

/** The network address of subnet `s` as a host address: 10.244.1.0/24 → 10.244.1.0/32. */
function networkHost(s: Cidr): Cidr {
  const bytes = s.bytes.map((b, i) => {
    const bits = Math.min(8, Math.max(0, s.prefix - i * 8));
    return b & ((0xff << (8 - bits)) & 0xff);
  });
  return { family: s.family, bytes, prefix: bytes.length * 8 };
}

/** The node's own subnet that `c` overlaps, if any. */
function localOverlap(view: ClusterView, c: Cidr): string | undefined {
  return view.local.subnets.find((s) => overlaps(parseCidr(s), c));
}

/** Why address `cidr` may not be added to or removed from a controller's link, or null. */
export function clusterAddrProblem(view: ClusterView, cidr: string): string | null {
  const c = parseCidr(cidr);
  const allowed = cidrs(view.local.subnets).map(networkHost);
  if (allowed.some((a) => sameIp(a, c) && a.prefix === c.prefix)) return null;
  return `only the network address of one of the node's subnets, as a host address (${allowed.map((a) => formatCidr(a.bytes, a.prefix)).join(", ") || "none"}): any other address there is a pod's`;
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
