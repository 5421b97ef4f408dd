// Neighbour (ARP/NDP) and FDB operations (like netlink's neigh_linux.go): struct ndmsg and NDA_*
// attributes (linux/neighbour.h). An FDB entry is a neighbour of family AF_BRIDGE; on a vxlan
// device its NDA_DST is the remote VTEP's underlay address.
import { bytesAttr, parseAttrs, u32Attr } from "../nl/attr";
import { readI32, readU16, StructWriter } from "../nl/bytes";
import { NLM_F } from "../nl/header";
import type { NlMessage } from "../nl/message";
import type { RtnlHandle } from "./handle";
import { addressFamily, familyOf, formatIp, type IpFamily, parseIp } from "./inet";
import { type LinkRef, linkIndex, linkLabel } from "./link";
import { formatMac, parseMac } from "./mac";
import { AF, RTM } from "./message-types";

const NDMSG_LEN = 12;
const NDA = { DST: 1, LLADDR: 2, IFINDEX: 8 } as const;

/** Neighbour states (NUD_*): a bit each. */
export const NUD = {
  INCOMPLETE: 0x01, REACHABLE: 0x02, STALE: 0x04, DELAY: 0x08, PROBE: 0x10, FAILED: 0x20, NOARP: 0x40, PERMANENT: 0x80,
} as const;

/** The state of a permanent FDB entry as `bridge fdb ... permanent` sends it (NUD_NOARP is its default). */
export const FDB_PERMANENT = NUD.PERMANENT | NUD.NOARP;

/** Neighbour flags (NTF_*): SELF, an FDB entry of the device itself (not of a bridge it is a port of). */
export const NTF = { SELF: 0x02 } as const;

/** One neighbour entry of a link. */
export interface Neigh {
  index: number;
  family: IpFamily;
  /** "10.244.2.0", "fd00::1" (RFC 5952). */
  address: string;
  /** Lower-case colon hex; "" while unresolved. */
  mac: string;
  /** NUD_* bits. */
  state: number;
  /** NTF_* bits. */
  flags: number;
}

/** One FDB entry of a link (AF_BRIDGE). */
export interface Fdb {
  index: number;
  mac: string;
  /** The remote underlay address (NDA_DST) of a vxlan entry; "" when it has none. */
  dst: string;
  state: number;
  flags: number;
}

function ndMsg(family: number, index: number, state: number, flags: number): Uint8Array {
  return new StructWriter(NDMSG_LEN).u8(0, family).i32(4, index).u16(8, state).u8(10, flags).bytes;
}

/** The ndmsg header and attributes of one RTM_NEWNEIGH. */
function parseNd(msg: NlMessage) {
  const p = msg.payload;
  return {
    family: p[0] ?? 0,
    index: readI32(p, 4),
    state: readU16(p, 8),
    flags: p[10] ?? 0,
    attrs: parseAttrs(p.subarray(NDMSG_LEN)),
  };
}

/** Dumps family `af`'s entries; the kernel filters by NDA_IFINDEX (strict checking), and so do we. */
function dump(h: RtnlHandle, af: number, index: number, op: string) {
  // ndm_ifindex must be 0 in a strict neighbour dump; NDA_IFINDEX names the link (as `ip neigh show dev`).
  const req = af === AF.BRIDGE
    ? { type: RTM.GETNEIGH, flags: NLM_F.DUMP, body: ndMsg(af, index, 0, 0), attrs: [] } // as `bridge fdb show dev`
    : { type: RTM.GETNEIGH, flags: NLM_F.DUMP, body: ndMsg(af, 0, 0, 0), attrs: [u32Attr(NDA.IFINDEX, index)] };
  return h.request(req, op).filter((m) => m.header.type === RTM.NEWNEIGH).map(parseNd).filter((n) => n.index === index);
}

/** The neighbour entries of a link, of one family or both. Equivalent to: `ip [-4|-6] neigh show dev $link` */
export function neighList(h: RtnlHandle, link: LinkRef, family?: IpFamily): Neigh[] {
  const af = family === undefined ? AF.UNSPEC : addressFamily(family);
  return dump(h, af, linkIndex(link), `list neighbours of ${linkLabel(link)}`).flatMap((n): Neigh[] => {
    const fam = familyOf(n.family);
    const dst = n.attrs.get(NDA.DST);
    if (fam === undefined || (family !== undefined && fam !== family) || dst === undefined || dst.length !== (fam === 4 ? 4 : 16)) return [];
    return [{ index: n.index, family: fam, address: formatIp(dst), mac: formatMac(n.attrs.get(NDA.LLADDR)), state: n.state, flags: n.flags }];
  });
}

/**
 * Adds a neighbour entry, or replaces the one for `address`, in state `state` (default
 * permanent). Equivalent to: `ip neigh replace $address lladdr $mac dev $link nud permanent`
 */
export function neighSet(h: RtnlHandle, link: LinkRef, address: string, mac: string, state: number = NUD.PERMANENT): void {
  const ip = parseIp(address);
  const attrs = [bytesAttr(NDA.DST, ip.bytes), bytesAttr(NDA.LLADDR, parseMac(mac))];
  const req = { type: RTM.NEWNEIGH, flags: NLM_F.CREATE | NLM_F.REPLACE, body: ndMsg(addressFamily(ip.family), linkIndex(link), state, 0), attrs };
  h.request(req, `set neighbour ${address} lladdr ${mac} on ${linkLabel(link)}`, linkLabel(link));
}

/** ENOENT when the link has no entry for `address`. Equivalent to: `ip neigh del $address dev $link` */
export function neighDel(h: RtnlHandle, link: LinkRef, address: string): void {
  const ip = parseIp(address);
  // iproute2 sends NUD_PERMANENT here too; the kernel does not read it on delete.
  const req = { type: RTM.DELNEIGH, flags: 0, body: ndMsg(addressFamily(ip.family), linkIndex(link), NUD.PERMANENT, 0), attrs: [bytesAttr(NDA.DST, ip.bytes)] };
  h.request(req, `delete neighbour ${address} on ${linkLabel(link)}`, linkLabel(link));
}

/** The FDB entries of a link itself and of it as a bridge port. Equivalent to: `bridge fdb show dev $link` */
export function fdbList(h: RtnlHandle, link: LinkRef): Fdb[] {
  return dump(h, AF.BRIDGE, linkIndex(link), `list FDB entries of ${linkLabel(link)}`).flatMap((n): Fdb[] => {
    const mac = formatMac(n.attrs.get(NDA.LLADDR));
    if (mac === "") return [];
    const dst = n.attrs.get(NDA.DST);
    return [{ index: n.index, mac, dst: dst !== undefined && (dst.length === 4 || dst.length === 16) ? formatIp(dst) : "", state: n.state, flags: n.flags }];
  });
}

/**
 * Adds an FDB entry of the link itself (NTF_SELF) towards underlay address `dst`, or replaces
 * the remote of the entry for `mac`; state default permanent (a vxlan takes permanent or
 * reachable; iproute2 adds NUD_NOARP to either). `append` adds a remote to the entry instead (a vxlan keeps several only for the
 * all-zeros and multicast MACs). Equivalent to: `bridge fdb replace|append $mac dev $link dst $dst self permanent`
 */
export function fdbSet(h: RtnlHandle, link: LinkRef, mac: string, dst: string, state: number = FDB_PERMANENT, append = false): void {
  const attrs = [bytesAttr(NDA.LLADDR, parseMac(mac)), bytesAttr(NDA.DST, parseIp(dst).bytes)];
  const req = { type: RTM.NEWNEIGH, flags: NLM_F.CREATE | (append ? NLM_F.APPEND : NLM_F.REPLACE), body: ndMsg(AF.BRIDGE, linkIndex(link), state, NTF.SELF), attrs };
  h.request(req, `set FDB entry ${mac} dst ${dst} on ${linkLabel(link)}`, linkLabel(link));
}

/** ENOENT when the link has no such entry. Equivalent to: `bridge fdb del $mac dev $link dst $dst self` */
export function fdbDel(h: RtnlHandle, link: LinkRef, mac: string, dst: string): void {
  const attrs = [bytesAttr(NDA.LLADDR, parseMac(mac)), bytesAttr(NDA.DST, parseIp(dst).bytes)];
  const req = { type: RTM.DELNEIGH, flags: 0, body: ndMsg(AF.BRIDGE, linkIndex(link), FDB_PERMANENT, NTF.SELF), attrs };
  h.request(req, `delete FDB entry ${mac} dst ${dst} on ${linkLabel(link)}`, linkLabel(link));
}
