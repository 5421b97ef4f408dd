// Link operations that list, look up, create and delete links (like netlink's link_linux.go).
import { LinkNotFoundError } from "../errors";
import { stringAttr } from "../nl/attr";
import { NLM_F } from "../nl/header";
import type { RtnlHandle } from "./handle";
import { IFLA, type Link, ifInfoMsg, parseLink } from "./ifinfo";
import type { Attr } from "../nl/attr";
import { type BridgeOptions, bridgeLinkInfo } from "./kinds/bridge";
import { newLinkAttrs } from "./kinds/new-link";
import { endAttrs, type VethOptions, vethLinkInfo } from "./kinds/veth";
import { RTM } from "./message-types";

/** A link named by index, or by a record that has both (for error messages). */
export type LinkRef = number | Pick<Link, "index" | "name">;

export function linkIndex(ref: LinkRef): number {
  return typeof ref === "number" ? ref : ref.index;
}

/** How errors name the link: its name when known, else "ifindex N". */
export function linkLabel(ref: LinkRef): string {
  return typeof ref === "number" ? `ifindex ${ref}` : ref.name;
}

/** Every link of the handle's netns. Equivalent to: `ip link show` */
export function linkList(h: RtnlHandle): Link[] {
  const req = { type: RTM.GETLINK, flags: NLM_F.DUMP, body: ifInfoMsg(), attrs: [] };
  return h.request(req, "list links").filter((m) => m.header.type === RTM.NEWLINK).map(parseLink);
}

/** Throws LinkNotFoundError when absent. Equivalent to: `ip link show dev $name` */
export function linkByName(h: RtnlHandle, name: string): Link {
  const req = { type: RTM.GETLINK, flags: 0, body: ifInfoMsg(), attrs: [stringAttr(IFLA.IFNAME, name)] };
  return firstLink(h.request(req, `get link ${name}`, name).map(parseLink), `get link ${name}`, name);
}

/** Throws LinkNotFoundError when absent. Equivalent to: `ip link show index $index` */
export function linkByIndex(h: RtnlHandle, index: number): Link {
  const op = `get link ifindex ${index}`;
  const req = { type: RTM.GETLINK, flags: 0, body: ifInfoMsg({ index }), attrs: [] };
  return firstLink(h.request(req, op, `ifindex ${index}`).map(parseLink), op, `ifindex ${index}`);
}

function firstLink(links: Link[], op: string, label: string): Link {
  const link = links[0];
  if (link === undefined) throw new Error(`${op}: no RTM_NEWLINK in the reply for ${label}`);
  return link;
}

/**
 * Creates a veth pair; the peer goes straight into `peerNetns` when given. Returns this end.
 * Equivalent to: `ip link add $name [mtu $mtu] [address $mac] type veth peer name $peer [netns $ns]`
 */
export function linkAddVeth(h: RtnlHandle, o: VethOptions): Link {
  const attrs = [...endAttrs(o.name, o.mtu, o.mac), vethLinkInfo(o)];
  const req = { type: RTM.NEWLINK, flags: NLM_F.CREATE | NLM_F.EXCL, body: ifInfoMsg(), attrs };
  h.request(req, `add veth ${o.name} peer ${o.peerName}`);
  return linkByName(h, o.name);
}

/**
 * Creates a bridge, with ifindex `index` when given. Returns it.
 * Equivalent to: `ip link add $name [index $index] [mtu $mtu] [address $mac] type bridge [vlan_filtering 0|1]`
 */
export function linkAddBridge(h: RtnlHandle, o: BridgeOptions, index?: number): Link {
  const attrs = [...endAttrs(o.name, o.mtu, o.mac), bridgeLinkInfo(o)];
  // A nonzero ifi_index asks for that ifindex (`ip link add ... index $n`): a link made again keeps its own.
  const req = { type: RTM.NEWLINK, flags: NLM_F.CREATE | NLM_F.EXCL, body: ifInfoMsg({ ...(index !== undefined && { index }) }), attrs };
  h.request(req, `add bridge ${o.name}`);
  return linkByName(h, o.name);
}

/** A link of one kind, made by linkAdd. */
export interface LinkAddOptions {
  name: string;
  mtu?: number;
  mac?: string;
  /** The parent (IFLA_LINK) of a macvlan, ipvlan or vlan, in the handle's netns. */
  parent?: LinkRef;
  /** The kind's IFLA_LINKINFO: macvlanLinkInfo(...), ipvlanLinkInfo(...), vlanLinkInfo(...), dummyLinkInfo(). */
  linkInfo: Attr;
  /** The ifindex to make it with (`index $n`); the kernel's choice when absent. */
  index?: number;
}

/**
 * Creates a link of any kind in one RTM_NEWLINK, on its parent in the handle's netns, and
 * directly in the netns of `at` when that is another handle's (IFLA_NET_NS_FD: no move, no
 * rename, no temporary name). Returns it, read back through `at`.
 * Equivalent to: `ip link add link $parent name $name [mtu $mtu] [address $mac] [netns $ns] type $kind ...`
 */
export function linkAdd(h: RtnlHandle, o: LinkAddOptions, at: RtnlHandle = h): Link {
  const attrs = [
    ...newLinkAttrs({
      name: o.name,
      ...(o.mtu !== undefined && { mtu: o.mtu }),
      ...(o.mac !== undefined && { mac: o.mac }),
      ...(at !== h && { netns: at.ns }),
      ...(o.parent !== undefined && { parentIndex: linkIndex(o.parent) }),
    }),
    o.linkInfo,
  ];
  const req = { type: RTM.NEWLINK, flags: NLM_F.CREATE | NLM_F.EXCL, body: ifInfoMsg({ ...(o.index !== undefined && { index: o.index }) }), attrs };
  const on = o.parent !== undefined ? ` on ${linkLabel(o.parent)}` : "";
  h.request(req, `add link ${o.name}${on}`);
  return linkByName(at, o.name);
}

/**
 * Deletes a link (a veth's peer goes with it), and returns once the kernel has taken it off its
 * lists (RtnlHandle.deleteLink). Equivalent to: `ip link del $link`
 */
export function linkDel(h: RtnlHandle, link: LinkRef): void {
  const req = { type: RTM.DELLINK, flags: 0, body: ifInfoMsg({ index: linkIndex(link) }), attrs: [] };
  h.deleteLink(req, `delete link ${linkLabel(link)}`, linkIndex(link), linkLabel(link));
}

/** Deletes a link by name. Equivalent to: `ip link del $name` */
export function linkDelByName(h: RtnlHandle, name: string): void {
  let link: Link;
  try {
    link = linkByName(h, name);
  } catch (e) {
    throw e instanceof LinkNotFoundError ? new LinkNotFoundError(`delete link ${name}`, name, { cause: e }) : e;
  }
  linkDel(h, link);
}
