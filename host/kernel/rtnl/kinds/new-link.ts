// The IFLA_* every new link may carry, whatever its kind, in the order iproute2 sends them for
// `ip link add link $parent name $name mtu $mtu address $mac netns $ns type ...`:
// mtu, address, netns, link (parent), name; the kind's IFLA_LINKINFO follows.
import type { NetnsHandle } from "../../netns";
import { type Attr, bytesAttr, stringAttr, u32Attr } from "../../nl/attr";
import { IFLA } from "../ifinfo";
import { parseMac } from "../mac";

export interface NewLinkAttrs {
  name: string;
  mtu?: number;
  mac?: string;
  /** IFLA_LINK: the parent's ifindex, in the netns the request is sent in. */
  parentIndex?: number;
  /** IFLA_NET_NS_FD: the link is created in this netns (its parent stays where it is). */
  netns?: NetnsHandle;
}

export function newLinkAttrs(o: NewLinkAttrs): Attr[] {
  const attrs: Attr[] = [];
  if (o.mtu !== undefined) attrs.push(u32Attr(IFLA.MTU, o.mtu));
  if (o.mac !== undefined) attrs.push(bytesAttr(IFLA.ADDRESS, parseMac(o.mac)));
  if (o.netns !== undefined) attrs.push(u32Attr(IFLA.NET_NS_FD, o.netns.fd));
  if (o.parentIndex !== undefined) attrs.push(u32Attr(IFLA.LINK, o.parentIndex));
  attrs.push(stringAttr(IFLA.IFNAME, o.name));
  return attrs;
}
