// Attributes of a veth pair (drivers/net/veth.c): the peer is an ifinfomsg plus its own IFLA_*.
import type { NetnsHandle } from "../../netns";
import { type Attr, nestedAttr, stringAttr, u32Attr, bytesAttr } from "../../nl/attr";
import { IFLA, IFLA_INFO, ifInfoMsg } from "../ifinfo";
import { parseMac } from "../mac";

const VETH_INFO_PEER = 1;

export interface VethOptions {
  name: string;
  peerName: string;
  /** Create the peer directly in this netns (IFLA_NET_NS_FD); default: the handle's netns. */
  peerNetns?: NetnsHandle;
  /** MTU of both ends. */
  mtu?: number;
  mac?: string;
  peerMac?: string;
}

/** IFLA_* of one end in iproute2's order for `ip link add $name mtu $mtu address $mac`: mtu, mac, name. */
export function endAttrs(name: string, mtu?: number, mac?: string): Attr[] {
  const attrs: Attr[] = [];
  if (mtu !== undefined) attrs.push(u32Attr(IFLA.MTU, mtu));
  if (mac !== undefined) attrs.push(bytesAttr(IFLA.ADDRESS, parseMac(mac)));
  attrs.push(stringAttr(IFLA.IFNAME, name));
  return attrs;
}

/** IFLA_LINKINFO { kind "veth", data { VETH_INFO_PEER { ifinfomsg, peer IFLA_* } } }. */
export function vethLinkInfo(o: VethOptions): Attr {
  const peer = endAttrs(o.peerName, o.mtu, o.peerMac);
  // iproute2 puts the peer's name last, after `netns`.
  if (o.peerNetns) peer.splice(peer.length - 1, 0, u32Attr(IFLA.NET_NS_FD, o.peerNetns.fd));
  return nestedAttr(IFLA.LINKINFO, [
    stringAttr(IFLA_INFO.KIND, "veth", false),
    nestedAttr(IFLA_INFO.DATA, [nestedAttr(VETH_INFO_PEER, peer, ifInfoMsg())]),
  ]);
}
