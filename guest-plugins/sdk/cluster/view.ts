// The cluster view as a controller uses it: the node's and its peers' subnets and addresses
// parsed once. The local node and the cluster CIDRs come from this node's own agent: malformed,
// they fail the reconcile (code 7). A peer comes from another node's lease in the store: one
// that is malformed, or claims a subnet outside the cluster CIDRs or one of this node's, is
// left out with a warning, so that one bad peer cannot stop the node from reaching the others.
import { View, Node, CniError, log } from "../bindings/index";
import { Result, ok, err } from "../abi/index";
import { IP, IPNet } from "../netip/index";
import { CniErrorCode, fail, isMac, newCniError } from "../types/index";

// @ts-ignore: decorator
@lazy @inline const E_INVALID_VIEW = "invalid cluster view";

/** A peer node whose lease reads well. */
export class PeerNode {
  /** The node's name, its pod subnets (one per family), its underlay address and its VTEP MAC ("" for none). */
  constructor(public name: string, public subnets: IPNet[], public underlay: IP, public vtepMac: string) {}

  /** The subnet of a family, or null when the peer has none. */
  subnet(is4: bool): IPNet | null {
    for (let i = 0; i < this.subnets.length; i++) if (this.subnets[i].is4 == is4) return this.subnets[i];
    return null;
  }
}

/** The view with every address parsed; `peers` holds only the peers that read well. */
export class NodeView {
  /** "peer node9 left out: subnet 10.99.3.0/24 is outside the cluster CIDRs", one per peer left out. */
  leftOut: string[] = [];

  /** This node's pod subnets, its underlay address and VTEP MAC; the cluster's CIDRs; the peers. */
  constructor(public subnets: IPNet[], public underlay: IP, public vtepMac: string, public clusterCidrs: IPNet[], public peers: PeerNode[]) {}

  /** This node's subnet of a family, or null. */
  subnet(is4: bool): IPNet | null {
    for (let i = 0; i < this.subnets.length; i++) if (this.subnets[i].is4 == is4) return this.subnets[i];
    return null;
  }

  /**
   * True for a route destination a controller manages: inside a cluster CIDR and not
   * overlapping this node's subnets (the node's own pods' routes are never its business).
   */
  manages(dst: IPNet): bool {
    for (let i = 0; i < this.subnets.length; i++) if (this.subnets[i].overlaps(dst)) return false;
    for (let i = 0; i < this.clusterCidrs.length; i++) if (this.clusterCidrs[i].containsNet(dst)) return true;
    return false;
  }
}

/**
 * The network address of a subnet as a host prefix: 10.244.1.0/24 gives 10.244.1.0/32,
 * fd44:0:0:1::/80 gives fd44:0:0:1::/128 (Flannel's VTEP address of a node).
 */
export function subnetAddress(subnet: IPNet): IPNet {
  return IPNet.host(subnet.network());
}

/**
 * Parses the view (pure: no host call). With `needVtep` (an overlay) a peer without a valid
 * VTEP MAC is left out too; `leftOut` names each peer left out and why.
 */
export function readView(view: View, needVtep: bool): Result<NodeView, CniError> {
  const cidrs: IPNet[] = [];
  for (let i = 0; i < view.clusterCidrs.length; i++) {
    const c = IPNet.parse(view.clusterCidrs[i]);
    if (c == null || !c.isNetwork()) return fail<NodeView>(invalid("cluster CIDR \"" + view.clusterCidrs[i] + "\" is not a network CIDR"));
    cidrs.push(c);
  }
  if (cidrs.length == 0) return fail<NodeView>(invalid("the view has no cluster CIDR"));
  const local = view.local;
  const subnets: IPNet[] = [];
  for (let i = 0; i < local.subnets.length; i++) {
    const why = subnetProblem(local.subnets[i], cidrs, subnets);
    if (why.length > 0) return fail<NodeView>(invalid("local node " + local.name + ": " + why));
    subnets.push(IPNet.parse(local.subnets[i])!);
  }
  if (subnets.length == 0) return fail<NodeView>(invalid("local node " + local.name + " has no subnet"));
  const underlay = IP.parse(local.underlay);
  if (underlay == null) return fail<NodeView>(invalid("local node " + local.name + ": underlay \"" + local.underlay + "\" is not an IP address"));
  if (needVtep && !isMac(local.vtepMac)) return fail<NodeView>(invalid("local node " + local.name + ": VTEP MAC \"" + local.vtepMac + "\" is not a MAC address"));
  const nv = new NodeView(subnets, underlay, local.vtepMac.toLowerCase(), cidrs, []);
  const taken = subnets.slice(0);
  for (let i = 0; i < view.peers.length; i++) {
    const p = view.peers[i];
    const peer = readPeer(p, nv, taken, needVtep);
    if (peer.isErr) {
      nv.leftOut.push("peer " + p.name + " left out: " + peer.error);
      continue;
    }
    nv.peers.push(peer.value);
    for (let j = 0; j < peer.value.subnets.length; j++) taken.push(peer.value.subnets[j]);
  }
  return ok<NodeView, CniError>(nv);
}

/** Logs each peer readView left out as a warning. */
export function warnLeftOut(nv: NodeView): void {
  for (let i = 0; i < nv.leftOut.length; i++) log.write(log.Level.WARN, nv.leftOut[i]);
}

function readPeer(p: Node, nv: NodeView, taken: IPNet[], needVtep: bool): Result<PeerNode, string> {
  if (p.name.length == 0) return leftOut("it has no name");
  const subnets: IPNet[] = [];
  for (let i = 0; i < p.subnets.length; i++) {
    const why = subnetProblem(p.subnets[i], nv.clusterCidrs, taken);
    if (why.length > 0) return leftOut(why);
    const s = IPNet.parse(p.subnets[i])!;
    for (let j = 0; j < subnets.length; j++) if (subnets[j].is4 == s.is4) return leftOut("it has two subnets of one family");
    subnets.push(s);
  }
  if (subnets.length == 0) return leftOut("it has no subnet");
  const underlay = IP.parse(p.underlay);
  if (underlay == null) return leftOut("underlay \"" + p.underlay + "\" is not an IP address");
  if (underlay.equals(nv.underlay)) return leftOut("underlay " + p.underlay + " is this node's own");
  const mac = p.vtepMac.toLowerCase();
  if (needVtep) {
    if (!isMac(mac)) return leftOut("VTEP MAC \"" + p.vtepMac + "\" is not a MAC address");
    if (mac == nv.vtepMac) return leftOut("VTEP MAC " + mac + " is this node's own");
  }
  return ok<PeerNode, string>(new PeerNode(p.name, subnets, underlay, mac));
}

/** "" when `s` is a network CIDR inside a cluster CIDR that overlaps none of `taken`; else why not. */
function subnetProblem(s: string, cidrs: IPNet[], taken: IPNet[]): string {
  const n = IPNet.parse(s);
  if (n == null || !n.isNetwork()) return "subnet \"" + s + "\" is not a network CIDR";
  let inside = false;
  for (let i = 0; i < cidrs.length; i++) if (cidrs[i].containsNet(n)) inside = true;
  if (!inside) return "subnet " + s + " is outside the cluster CIDRs";
  for (let i = 0; i < taken.length; i++) if (taken[i].overlaps(n)) return "subnet " + s + " overlaps " + taken[i].toString() + " (this node's or another peer's)";
  return "";
}

function leftOut(why: string): Result<PeerNode, string> {
  return err<PeerNode, string>(why);
}

function invalid(details: string): CniError {
  return newCniError(CniErrorCode.INVALID_NETWORK_CONFIG, E_INVALID_VIEW, details);
}
