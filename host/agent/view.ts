/**
 * The cluster view handed to the controller: this node, and the peers whose records are sane
 * for it (each subnet a network address, as the kernel takes it for a route). A controller's scope in the host netns is derived from the view, so a peer whose
 * subnet lies outside the cluster CIDRs, or overlaps this node's or another peer's, is left
 * out (and logged): routes for it could take this node's pods' traffic elsewhere.
 */
import type { ClusterNode, ClusterView } from "../caps/context";
import { subnetPoolProblem } from "../cluster/subnets";
import { type Cidr, cidrContains, parseCidr, tryParseIp } from "../kernel/rtnl/inet";

export interface ViewInput {
  local: ClusterNode;
  nodes: readonly ClusterNode[];
  clusterCidrs: readonly string[];
  underlayLink: string;
  underlayMtu: number;
  options: Record<string, unknown>;
}

function cidr(text: string): Cidr | undefined {
  try {
    return parseCidr(text);
  } catch {
    return undefined;
  }
}

const overlaps = (a: Cidr, b: Cidr): boolean => cidrContains(a, b) || cidrContains(b, a);

/** The view, and why each left-out peer was left out. */
export function buildView(v: ViewInput): { view: ClusterView; leftOut: string[] } {
  const pools = v.clusterCidrs.map((c) => parseCidr(c));
  const taken = v.local.subnets.map((s) => parseCidr(s));
  const peers: ClusterNode[] = [];
  const leftOut: string[] = [];
  for (const n of v.nodes) {
    if (n.name === v.local.name) continue;
    const subnets = n.subnets.map(cidr);
    const bad = subnets.findIndex((s, i) => s === undefined || subnetPoolProblem(n.subnets[i]!, s.prefix) !== undefined
      || !pools.some((p) => cidrContains(p, s)) || taken.some((t) => overlaps(t, s)));
    if (bad >= 0) {
      leftOut.push(`node ${n.name}: subnet ${n.subnets[bad]} is not a free subnet of ${v.clusterCidrs.join(", ")}`);
      continue;
    }
    if (tryParseIp(n.underlay) === undefined) {
      leftOut.push(`node ${n.name}: underlay ${JSON.stringify(n.underlay)} is not an IP address`);
      continue;
    }
    taken.push(...(subnets as Cidr[]));
    peers.push(n);
  }
  return {
    view: {
      local: v.local,
      peers,
      clusterCidrs: [...v.clusterCidrs],
      underlayLink: v.underlayLink,
      underlayMtu: v.underlayMtu,
      options: JSON.stringify(v.options),
    },
    leftOut,
  };
}
