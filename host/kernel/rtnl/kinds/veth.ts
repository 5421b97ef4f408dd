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

/** IFLA_* of one end: name, then mtu and mac when given. */
export function endAttrs(name: string, mtu?: number, mac?: string): Attr[] {
  const attrs = [stringAttr(IFLA.IFNAME, name)];
  if (mtu !== undefined) attrs.push(u32Attr(IFLA.MTU, mtu));
  if (mac !== undefined) attrs.push(bytesAttr(IFLA.ADDRESS, parseMac(mac)));
  return attrs;
}

/** IFLA_LINKINFO { kind "veth", data { VETH_INFO_PEER { ifinfomsg, peer IFLA_* } } }. */
export function vethLinkInfo(o: VethOptions): Attr {
  const peer = endAttrs(o.peerName, o.mtu, o.peerMac);
  if (o.peerNetns) peer.push(u32Attr(IFLA.NET_NS_FD, o.peerNetns.fd));
  return nestedAttr(IFLA.LINKINFO, [
    stringAttr(IFLA_INFO.KIND, "veth"),
    nestedAttr(IFLA_INFO.DATA, [nestedAttr(VETH_INFO_PEER, peer, ifInfoMsg())]),
  ]);
}
