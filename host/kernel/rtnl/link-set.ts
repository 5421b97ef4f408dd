// Link operations that change one property of an existing link (`ip link set`).
import { type Attr, bytesAttr, stringAttr, u32Attr } from "../nl/attr";
import type { NetnsHandle } from "../netns";
import type { RtnlHandle } from "./handle";
import { IFF, IFLA, type IfInfo, ifInfoMsg } from "./ifinfo";
import { type BridgePortFlags, bridgePortProtinfo } from "./kinds/bridge";
import { type LinkRef, linkIndex, linkLabel } from "./link";
import { AF, RTM } from "./message-types";
import { parseMac } from "./mac";

function setLink(h: RtnlHandle, link: LinkRef, what: string, attrs: Attr[], info: IfInfo = {}): void {
  const body = ifInfoMsg({ ...info, index: linkIndex(link) });
  h.request({ type: RTM.SETLINK, flags: 0, body, attrs }, `set ${linkLabel(link)} ${what}`, linkLabel(link));
}

/** Equivalent to: `ip link set $link up` */
export function linkSetUp(h: RtnlHandle, link: LinkRef): void {
  setLink(h, link, "up", [], { flags: IFF.UP, change: IFF.UP });
}

/** Equivalent to: `ip link set $link down` */
export function linkSetDown(h: RtnlHandle, link: LinkRef): void {
  setLink(h, link, "down", [], { flags: 0, change: IFF.UP });
}

/** Equivalent to: `ip link set $link promisc on|off` */
export function linkSetPromisc(h: RtnlHandle, link: LinkRef, on: boolean): void {
  setLink(h, link, `promisc ${on ? "on" : "off"}`, [], { flags: on ? IFF.PROMISC : 0, change: IFF.PROMISC });
}

/** Equivalent to: `ip link set $link allmulticast on|off` */
export function linkSetAllmulti(h: RtnlHandle, link: LinkRef, on: boolean): void {
  setLink(h, link, `allmulticast ${on ? "on" : "off"}`, [], { flags: on ? IFF.ALLMULTI : 0, change: IFF.ALLMULTI });
}

/** Equivalent to: `ip link set $link txqueuelen $qlen` */
export function linkSetTxqlen(h: RtnlHandle, link: LinkRef, qlen: number): void {
  setLink(h, link, `txqueuelen ${qlen}`, [u32Attr(IFLA.TXQLEN, qlen)]);
}

/** Equivalent to: `ip link set $link mtu $mtu` */
export function linkSetMtu(h: RtnlHandle, link: LinkRef, mtu: number): void {
  setLink(h, link, `mtu ${mtu}`, [u32Attr(IFLA.MTU, mtu)]);
}

/** Equivalent to: `ip link set $link address $mac` */
export function linkSetMac(h: RtnlHandle, link: LinkRef, mac: string): void {
  setLink(h, link, `address ${mac}`, [bytesAttr(IFLA.ADDRESS, parseMac(mac))]);
}

/** Equivalent to: `ip link set $link master $master` */
export function linkSetMaster(h: RtnlHandle, link: LinkRef, master: LinkRef): void {
  setLink(h, link, `master ${linkLabel(master)}`, [u32Attr(IFLA.MASTER, linkIndex(master))]);
}

/** Equivalent to: `ip link set $link nomaster` */
export function linkSetNoMaster(h: RtnlHandle, link: LinkRef): void {
  setLink(h, link, "nomaster", [u32Attr(IFLA.MASTER, 0)]);
}

/** An empty alias removes it. Equivalent to: `ip link set $link alias $alias` */
export function linkSetAlias(h: RtnlHandle, link: LinkRef, alias: string): void {
  // No NUL: the kernel keeps the payload as is, and an empty one clears the alias.
  setLink(h, link, `alias ${JSON.stringify(alias)}`, [stringAttr(IFLA.IFALIAS, alias, false)]);
}

/** The link must be down. Equivalent to: `ip link set $link name $name` */
export function linkSetName(h: RtnlHandle, link: LinkRef, name: string): void {
  setLink(h, link, `name ${name}`, [stringAttr(IFLA.IFNAME, name)]);
}

/**
 * Moves the link into ns (it goes down there), renamed to `name` when given, in one request:
 * the kernel moves it under `name` when its old name is taken there, else moves then renames
 * (a failed rename leaves it moved); `index`: the ifindex it takes there (free there, or EBUSY).
 * Equivalent to: `ip link set $link netns $ns [name $name]`
 */
export function linkSetNetns(h: RtnlHandle, link: LinkRef, ns: NetnsHandle, name?: string, index?: number): void {
  const attrs = [
    u32Attr(IFLA.NET_NS_FD, ns.fd),
    ...(name !== undefined ? [stringAttr(IFLA.IFNAME, name)] : []),
    // The ifindex it gets there (IFLA_NEW_IFINDEX): a link put back keeps the index it had.
    ...(index !== undefined ? [u32Attr(IFLA.NEW_IFINDEX, index)] : []),
  ];
  setLink(h, link, `netns ${ns.path}${name !== undefined ? ` name ${name}` : ""}${index !== undefined ? ` index ${index}` : ""}`, attrs);
}

/**
 * Sets bridge-port flags of a link enslaved to a bridge.
 * Equivalent to: `bridge link set dev $link [hairpin on|off] [learning on|off] [isolated on|off]`
 */
export function linkSetBridgePort(h: RtnlHandle, link: LinkRef, flags: BridgePortFlags): void {
  const what = Object.entries(flags).map(([k, v]) => `${k} ${v ? "on" : "off"}`).join(" ");
  setLink(h, link, what, [bridgePortProtinfo(flags)], { family: AF.BRIDGE });
}
