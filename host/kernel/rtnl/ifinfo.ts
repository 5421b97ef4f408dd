// struct ifinfomsg, IFLA_* attributes and the Link record parsed from RTM_NEWLINK.
import { parseAttrs } from "../nl/attr";
import { readI32, readU16, readU32, StructWriter } from "../nl/bytes";
import type { NlMessage } from "../nl/message";
import { type BridgePortFlags, parseBridgePortData } from "./kinds/bridge";
import { type KindData, parseKindData } from "./kinds/kind-data";
import { formatMac } from "./mac";

export const IFINFOMSG_LEN = 16;

export const IFLA = {
  ADDRESS: 1,
  IFNAME: 3,
  MTU: 4,
  LINK: 5,
  MASTER: 10,
  PROTINFO: 12,
  TXQLEN: 13,
  OPERSTATE: 16,
  LINKINFO: 18,
  IFALIAS: 20,
  NET_NS_FD: 28,
  LINK_NETNSID: 37,
  EXT_MASK: 29,
  PARENT_DEV_NAME: 56,
  NEW_IFINDEX: 49,
  PARENT_DEV_BUS_NAME: 57,
} as const;

export const IFLA_INFO = { KIND: 1, DATA: 2, SLAVE_KIND: 4, SLAVE_DATA: 5 } as const;

export const IFF = { UP: 0x1, PROMISC: 0x100, ALLMULTI: 0x200, LOWER_UP: 0x10000 } as const;

const OPERSTATES = ["unknown", "notpresent", "down", "lowerlayerdown", "testing", "dormant", "up"] as const;
export type OperState = (typeof OPERSTATES)[number];

/** A link as `ip -d link show` reports it, reduced to what plugins use. */
export interface Link {
  index: number;
  name: string;
  /** IFLA_INFO_KIND ("veth", "bridge"), "" for none (lo, physical devices). */
  kind: string;
  mtu: number;
  /** Lower-case colon hex, "" if the link has none. */
  mac: string;
  up: boolean;
  promisc: boolean;
  /** IFF_ALLMULTI: receives all multicast frames. */
  allmulti: boolean;
  /** IFLA_TXQLEN: the transmit queue length. */
  txqlen: number;
  /** Index of the master (bridge), 0 for none. */
  master: number;
  /** IFLA_LINK: for a veth, the peer's index (in the peer's netns); 0 for none. */
  peer: number;
  alias: string;
  operstate: OperState;
  /** The device under the link and its bus ("0000:00:1f.6" on "pci"); "" for a virtual link. */
  parentDev: string;
  parentBus: string;
  /** The kind's attributes from IFLA_INFO_DATA (macvlan mode, VLAN id, ...). */
  data: KindData;
  /** A bridge port's flags (IFLA_INFO_SLAVE_DATA); absent for a link that is no bridge port. */
  port?: BridgePortFlags;
  /** IFLA_LINK_NETNSID: the netns of `peer` (a veth's other end), as this netns numbers it; absent when it is this netns. */
  linkNetnsid?: number;
}

export interface IfInfo {
  family?: number;
  index?: number;
  flags?: number;
  change?: number;
}

export function ifInfoMsg(m: IfInfo = {}): Uint8Array {
  return new StructWriter(IFINFOMSG_LEN)
    .u8(0, m.family ?? 0)
    .i32(4, m.index ?? 0)
    .u32(8, m.flags ?? 0)
    .u32(12, m.change ?? 0).bytes;
}

/** Parses an RTM_NEWLINK message (a dump entry or a get reply). */
export function parseLink(msg: NlMessage): Link {
  const p = msg.payload;
  const flags = readU32(p, 8);
  const attrs = parseAttrs(p.subarray(IFINFOMSG_LEN));
  const linkinfo = attrs.nested(IFLA.LINKINFO);
  const kind = linkinfo?.string(IFLA_INFO.KIND) ?? "";
  const slave = linkinfo?.string(IFLA_INFO.SLAVE_KIND) === "bridge" ? linkinfo.nested(IFLA_INFO.SLAVE_DATA) : undefined;
  return {
    index: readI32(p, 4),
    name: attrs.string(IFLA.IFNAME) ?? "",
    kind,
    mtu: attrs.u32(IFLA.MTU) ?? 0,
    mac: formatMac(attrs.get(IFLA.ADDRESS)),
    up: (flags & IFF.UP) !== 0,
    promisc: (flags & IFF.PROMISC) !== 0,
    allmulti: (flags & IFF.ALLMULTI) !== 0,
    txqlen: attrs.u32(IFLA.TXQLEN) ?? 0,
    master: attrs.u32(IFLA.MASTER) ?? 0,
    peer: attrs.i32(IFLA.LINK) ?? 0,
    alias: attrs.string(IFLA.IFALIAS) ?? "",
    operstate: OPERSTATES[attrs.u8(IFLA.OPERSTATE) ?? 0] ?? "unknown",
    parentDev: attrs.string(IFLA.PARENT_DEV_NAME) ?? "",
    parentBus: attrs.string(IFLA.PARENT_DEV_BUS_NAME) ?? "",
    data: parseKindData(kind, linkinfo?.nested(IFLA_INFO.DATA)),
    ...(slave !== undefined && { port: parseBridgePortData(slave) }),
    ...(attrs.has(IFLA.LINK_NETNSID) && { linkNetnsid: attrs.i32(IFLA.LINK_NETNSID)! }),
  };
}

/** The device type in ifinfomsg (ARPHRD_*), e.g. 1 for ethernet, 772 for loopback. */
export function linkType(msg: NlMessage): number {
  return readU16(msg.payload, 2);
}
