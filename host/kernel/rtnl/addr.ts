// Address operations (like netlink's addr_linux.go); CIDR strings in and out.
import { bytesAttr, parseAttrs, stringAttr, u32Attr } from "../nl/attr";
import { readU32, StructWriter } from "../nl/bytes";
import { NLM_F } from "../nl/header";
import type { NlMessage } from "../nl/message";
import type { RtnlHandle } from "./handle";
import { addressFamily, familyOf, formatCidr, formatIp, type IpFamily, parseCidr, parseIp } from "./inet";
import { sleepSync } from "../sleep";
import { type LinkRef, linkByIndex, linkIndex, linkLabel } from "./link";
import { AF, RTM } from "./message-types";

const IFADDRMSG_LEN = 8;
const IFA = { ADDRESS: 1, LOCAL: 2, LABEL: 3, BROADCAST: 4, CACHEINFO: 6, FLAGS: 8 } as const;
export const IFA_F = {
  SECONDARY: 0x01, NODAD: 0x02, DADFAILED: 0x08, DEPRECATED: 0x20, TENTATIVE: 0x40, PERMANENT: 0x80, NOPREFIXROUTE: 0x200,
} as const;
/** Flags the kernel keeps itself (state, not configuration): never sent back by addrRestore. */
const IFA_F_STATE = IFA_F.SECONDARY | IFA_F.DADFAILED | IFA_F.DEPRECATED | IFA_F.TENTATIVE | IFA_F.PERMANENT;
/** A lifetime of "forever" in IFA_CACHEINFO. */
const INFINITY_LIFE_TIME = 0xffffffff;

export interface Addr {
  /** Link index. */
  index: number;
  family: IpFamily;
  /** "10.1.0.2/24", "fd00::2/64". */
  cidr: string;
  /** RT_SCOPE_*: 0 universe (global), 253 link, 254 host. */
  scope: number;
  /** IFA_F_* bits, from IFA_FLAGS when the kernel sends it. */
  flags: number;
  /** Still doing duplicate address detection (IPv6). */
  tentative: boolean;
  /** IFA_LABEL ("br0:gw"), IFA_BROADCAST, and the peer (IFA_ADDRESS) of a point-to-point address, when the kernel sends them. */
  label?: string;
  broadcast?: string;
  peer?: string;
  /** Seconds left (IFA_CACHEINFO); 0xffffffff is forever. */
  validLft?: number;
  preferredLft?: number;
}

export interface AddrAddOptions {
  /** Skip IPv6 duplicate address detection (IFA_F_NODAD). Default true: a container address is ours. */
  nodad?: boolean;
  scope?: number;
  /** IPv4 broadcast: "auto" (the default, as netlink's AddrAdd: last address of the prefix, below /31) or none. */
  broadcast?: "auto" | "none";
}

function ifAddrMsg(family: number, prefix: number, flags: number, scope: number, index: number): Uint8Array {
  return new StructWriter(IFADDRMSG_LEN).u8(0, family).u8(1, prefix).u8(2, flags & 0xff).u8(3, scope).u32(4, index).bytes;
}

function parseAddr(msg: NlMessage): Addr | undefined {
  const p = msg.payload;
  const family = familyOf(p[0] ?? 0);
  if (family === undefined) return undefined;
  const attrs = parseAttrs(p.subarray(IFADDRMSG_LEN));
  // IFA_LOCAL is the address itself; IFA_ADDRESS is the peer on point-to-point links.
  const bytes = attrs.get(IFA.LOCAL) ?? attrs.get(IFA.ADDRESS);
  if (bytes === undefined) return undefined;
  const flags = attrs.u32(IFA.FLAGS) ?? p[2] ?? 0;
  const a: Addr = {
    index: readU32(p, 4),
    family,
    cidr: formatCidr(bytes, p[1] ?? 0),
    scope: p[3] ?? 0,
    flags,
    tentative: (flags & IFA_F.TENTATIVE) !== 0,
  };
  const label = attrs.string(IFA.LABEL);
  if (label !== undefined) a.label = label;
  const brd = attrs.get(IFA.BROADCAST);
  if (brd !== undefined) a.broadcast = formatIp(brd);
  const peer = attrs.get(IFA.ADDRESS);
  if (peer !== undefined && attrs.get(IFA.LOCAL) !== undefined && formatIp(peer) !== formatIp(bytes)) a.peer = formatCidr(peer, p[1] ?? 0);
  const cache = attrs.get(IFA.CACHEINFO);
  if (cache !== undefined && cache.length >= 8) {
    a.preferredLft = readU32(cache, 0);
    a.validLft = readU32(cache, 4);
  }
  return a;
}

/** Addresses of one link (or all, index 0), of one family or both. Equivalent to: `ip [-4|-6] addr show dev $link` */
export function addrList(h: RtnlHandle, link: LinkRef | 0, family?: IpFamily): Addr[] {
  const index = linkIndex(link);
  const af = family === undefined ? AF.UNSPEC : addressFamily(family);
  // With NETLINK_GET_STRICT_CHK the kernel filters by index; the filter below also covers older kernels.
  const req = { type: RTM.GETADDR, flags: NLM_F.DUMP, body: ifAddrMsg(af, 0, 0, 0, index), attrs: [] };
  return h
    .request(req, `list addresses of ${index === 0 ? "all links" : linkLabel(link)}`)
    .filter((m) => m.header.type === RTM.NEWADDR)
    .map(parseAddr)
    .filter((a): a is Addr => a !== undefined && (index === 0 || a.index === index) && (!family || a.family === family));
}

function ipv4Broadcast(bytes: Uint8Array, prefix: number): Uint8Array {
  const host = prefix === 0 ? 0xffffffff : (1 << (32 - prefix)) - 1;
  const v = ((((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0) | host) >>> 0;
  return Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

/**
 * Adds an address, without DAD unless `nodad: false`. EEXIST when the link has it already.
 * Equivalent to: `ip addr add $cidr [brd +] dev $link [scope $scope] [nodad]`
 */
export function addrAdd(h: RtnlHandle, link: LinkRef, cidr: string, o: AddrAddOptions = {}): void {
  const c = parseCidr(cidr);
  // DAD is IPv6 only; like `ip`, an IPv4 address carries no flags.
  const flags = c.family === 6 && o.nodad !== false ? IFA_F.NODAD : 0;
  const attrs = [bytesAttr(IFA.LOCAL, c.bytes), bytesAttr(IFA.ADDRESS, c.bytes)];
  if (c.family === 4 && c.prefix < 31 && (o.broadcast ?? "auto") === "auto") {
    attrs.push(bytesAttr(IFA.BROADCAST, ipv4Broadcast(c.bytes, c.prefix)));
  }
  if (flags !== 0) attrs.push(u32Attr(IFA.FLAGS, flags));
  const body = ifAddrMsg(addressFamily(c.family), c.prefix, flags, o.scope ?? 0, linkIndex(link));
  const req = { type: RTM.NEWADDR, flags: NLM_F.CREATE | NLM_F.EXCL, body, attrs };
  h.request(req, `add ${cidr} to ${linkLabel(link)}`, linkLabel(link));
}

/**
 * Puts back an address as addrList read it: its flags (without the kernel's state bits),
 * scope, label, broadcast, peer and lifetimes (what was left of them when it was read).
 * Equivalent to: `ip addr add $cidr [peer $peer] [brd $brd] [label $label] dev $link scope $scope
 * [noprefixroute|nodad|...] [valid_lft $v preferred_lft $p]`
 */
export function addrRestore(h: RtnlHandle, a: Addr): void {
  const c = parseCidr(a.cidr);
  const flags = a.flags & ~IFA_F_STATE;
  const attrs = [bytesAttr(IFA.LOCAL, c.bytes), bytesAttr(IFA.ADDRESS, a.peer !== undefined ? parseCidr(a.peer).bytes : c.bytes)];
  if (a.broadcast !== undefined) attrs.push(bytesAttr(IFA.BROADCAST, parseIp(a.broadcast).bytes));
  if (a.label !== undefined) attrs.push(stringAttr(IFA.LABEL, a.label));
  attrs.push(u32Attr(IFA.FLAGS, flags));
  if (a.validLft !== undefined && a.validLft !== INFINITY_LIFE_TIME) {
    const cache = new StructWriter(16).u32(0, a.preferredLft ?? a.validLft).u32(4, a.validLft).bytes;
    attrs.push(bytesAttr(IFA.CACHEINFO, cache));
  }
  const body = ifAddrMsg(addressFamily(c.family), c.prefix, flags, a.scope, a.index);
  const req = { type: RTM.NEWADDR, flags: NLM_F.CREATE | NLM_F.EXCL, body, attrs };
  h.request(req, `restore ${a.cidr} on ifindex ${a.index}`, `ifindex ${a.index}`);
}

/** EADDRNOTAVAIL when the link does not have it. Equivalent to: `ip addr del $cidr dev $link` */
export function addrDel(h: RtnlHandle, link: LinkRef, cidr: string): void {
  const c = parseCidr(cidr);
  const body = ifAddrMsg(addressFamily(c.family), c.prefix, 0, 0, linkIndex(link));
  const req = { type: RTM.DELADDR, flags: 0, body, attrs: [bytesAttr(IFA.LOCAL, c.bytes)] };
  h.request(req, `delete ${cidr} from ${linkLabel(link)}`, linkLabel(link));
}

/** What addrSettle found: DAD done, an address that failed it, or still tentative at the deadline. */
export type SettleOutcome =
  | { state: "settled" }
  | { state: "dadfailed"; cidr: string }
  | { state: "tentative"; cidrs: string[] };

/** How often addrSettle looks again, as Go's SETTLE_INTERVAL. */
export const SETTLE_INTERVAL_MS = 50;

/**
 * Waits until no IPv6 address of the link is tentative, like Go's ip.SettleAddresses: there is
 * no event to wait for, so it lists the addresses every 50 ms until `deadline` (a
 * performance.now() time). A link that is not up at the deadline counts as settled (DAD never
 * runs there), as in Go.
 * Equivalent to: `while ip -6 addr show dev $link tentative | grep -q .; do sleep 0.05; done`
 */
export function addrSettle(h: RtnlHandle, link: LinkRef, deadline: number, now: () => number = () => performance.now()): SettleOutcome {
  for (;;) {
    const addrs = addrList(h, link, 6);
    // A failed address keeps IFA_F_TENTATIVE as well: look for failures first.
    const failed = addrs.find((a) => (a.flags & IFA_F.DADFAILED) !== 0);
    if (failed) return { state: "dadfailed", cidr: failed.cidr };
    const tentative = addrs.filter((a) => a.tentative).map((a) => a.cidr);
    if (tentative.length === 0) return { state: "settled" };
    const left = deadline - now();
    if (left <= 0) {
      return linkByIndex(h, linkIndex(link)).operstate === "up" ? { state: "tentative", cidrs: tentative } : { state: "settled" };
    }
    sleepSync(Math.min(SETTLE_INTERVAL_MS, left));
  }
}
