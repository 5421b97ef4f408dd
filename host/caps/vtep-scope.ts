/**
 * What a controller (a call with `ctx.cluster`, the agent's view from etcd) may program for an
 * overlay's VTEP: a neighbour entry only for an address inside a peer node's subnet with that
 * peer's VTEP MAC, an FDB entry only for a peer's VTEP MAC towards that peer's underlay address,
 * and a vxlan device only on the view's underlay link with the node's own underlay address.
 * Every value is normalised before it is compared (MAC case, IPv6 text forms): the view is the
 * agent's, the values the guest's.
 */
import type { ClusterNode, ClusterView } from "./context";
import { type Cidr, cidrContains, formatIp, parseCidr, tryParseIp } from "../kernel/rtnl/inet";
import { denied, invalid } from "./errors";

/** "AA:bb:..." → "aa:bb:..."; undefined when not six colon-separated hex bytes. */
export function normalMac(text: string): string | undefined {
  return /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(text) ? text.toLowerCase() : undefined;
}

/** "FD00:0::1" → "fd00::1" (RFC 5952); undefined when not an IP address. */
export function normalIp(text: string): string | undefined {
  const ip = tryParseIp(text);
  return ip === undefined ? undefined : formatIp(ip.bytes);
}

/** The MAC, normalised; `invalid` when it is none. */
export function checkMac(text: string, what: string): string {
  const mac = normalMac(text);
  if (mac === undefined) throw invalid(`${what} ${JSON.stringify(text)} is not a MAC address (aa:bb:cc:dd:ee:ff)`);
  return mac;
}

/** The IP address, normalised; `invalid` when it is none. */
export function checkIp(text: string, what: string): string {
  const ip = normalIp(text);
  if (ip === undefined) throw invalid(`${what} ${JSON.stringify(text)} is not an IPv4 or IPv6 address`);
  return ip;
}

function subnetsOf(node: ClusterNode): Cidr[] {
  return node.subnets.flatMap((s) => {
    try {
      return [parseCidr(s)];
    } catch {
      return []; // the agent checks its view; a malformed subnet proves nothing
    }
  });
}

function inSubnets(node: ClusterNode, address: string): boolean {
  const ip = tryParseIp(address);
  if (ip === undefined) return false;
  const host: Cidr = { ...ip, prefix: ip.bytes.length * 8 };
  return subnetsOf(node).some((c) => cidrContains(c, host));
}

const peerList = (view: ClusterView): string =>
  view.peers.map((p) => `${p.name} ${p.subnets.join(",")} vtep ${normalMac(p.vtepMac) ?? "none"} underlay ${p.underlay}`).join("; ") || "none";

/** neigh.set for a controller: `address` inside a peer's subnet and `mac` that peer's VTEP MAC (both normalised). */
export function requireClusterNeigh(plugin: string, view: ClusterView, link: string, address: string, mac: string): void {
  const owners = view.peers.filter((p) => inSubnets(p, address));
  if (owners.some((p) => normalMac(p.vtepMac) === mac)) return;
  const who = `controller "${plugin}" may not set neighbour ${address} lladdr ${mac} on ${link}`;
  if (owners.length === 0) throw denied(`${who}: ${address} is inside no peer node's subnet (peers: ${peerList(view)})`);
  throw denied(`${who}: ${mac} is not the VTEP MAC of ${owners.map((p) => `${p.name} (${normalMac(p.vtepMac) ?? "none"})`).join(", ")}, whose subnet holds ${address}`);
}

/** neigh.set-fdb for a controller: `mac` a peer's VTEP MAC and `dst` that peer's underlay address (both normalised). */
export function requireClusterFdb(plugin: string, view: ClusterView, link: string, mac: string, dst: string): void {
  const owners = view.peers.filter((p) => normalMac(p.vtepMac) === mac);
  if (owners.some((p) => normalIp(p.underlay) === dst)) return;
  const who = `controller "${plugin}" may not set FDB entry ${mac} dst ${dst} on ${link}`;
  if (owners.length === 0) throw denied(`${who}: ${mac} is the VTEP MAC of no peer node (peers: ${peerList(view)})`);
  throw denied(`${who}: ${dst} is not the underlay address of ${owners.map((p) => `${p.name} (${p.underlay})`).join(", ")}, whose VTEP MAC is ${mac}`);
}

/** link.create vxlan for a controller: on the view's underlay link, from the node's own underlay address. */
export function requireClusterVxlan(plugin: string, view: ClusterView, name: string, underlay: string | undefined, local: string | undefined): void {
  const who = `controller "${plugin}" may not make vxlan ${name}`;
  if (underlay !== view.underlayLink) {
    throw denied(`${who} with underlay ${underlay ?? "none"}: only on the node's underlay link ${view.underlayLink}`);
  }
  if (local === undefined || local !== normalIp(view.local.underlay)) {
    throw denied(`${who} with local ${local ?? "none"}: only from the node's underlay address ${view.local.underlay}`);
  }
}
