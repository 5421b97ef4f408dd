// struct rtmsg, RTA_* attributes and the Route record (linux/rtnetlink.h).
import { type Attr, bytesAttr, nestedAttr, parseAttrs, u32Attr } from "../nl/attr";
import { readU32, StructWriter } from "../nl/bytes";
import type { NlMessage } from "../nl/message";
import { addressFamily, familyOf, formatCidr, formatIp, type IpFamily, parseCidr, parseIp } from "./inet";

const RTMSG_LEN = 12;
const RTA = { DST: 1, OIF: 4, GATEWAY: 5, PRIORITY: 6, PREFSRC: 7, METRICS: 8, TABLE: 15 } as const;
const RTAX = { MTU: 2, ADVMSS: 8 } as const;

export const RT_TABLE = { UNSPEC: 0, MAIN: 254, LOCAL: 255 } as const;
export const RT_SCOPE = { UNIVERSE: 0, SITE: 200, LINK: 253, HOST: 254, NOWHERE: 255 } as const;
export const RTPROT = { UNSPEC: 0, KERNEL: 2, BOOT: 3, STATIC: 4 } as const;
export const RTN = { UNSPEC: 0, UNICAST: 1, LOCAL: 2 } as const;
export const RTNH_F_ONLINK = 0x4;
export const RTM_F_CLONED = 0x200;

/** A route; the same shape goes in (add, replace, delete) and comes out (list). */
export interface Route {
  /** "10.1.0.0/24"; "0.0.0.0/0" and "::/0" are the defaults. */
  dst: string;
  gw?: string;
  /** Output link index. */
  oif?: number;
  /** Preferred source address (RTA_PREFSRC). */
  src?: string;
  /** Default main (254). */
  table?: number;
  scope?: number;
  /** RTA_PRIORITY. */
  metric?: number;
  mtu?: number;
  advmss?: number;
  onlink?: boolean;
  /** Default RTPROT_BOOT on add, like `ip`. */
  protocol?: number;
  /** RTN_*; only unicast is created by us. */
  type?: number;
}

export interface RouteHeader {
  family: IpFamily;
  dstLen: number;
  table: number;
  protocol: number;
  scope: number;
  type: number;
  flags: number;
}

export function rtMsg(h: RouteHeader): Uint8Array {
  return new StructWriter(RTMSG_LEN)
    .u8(0, addressFamily(h.family))
    .u8(1, h.dstLen)
    .u8(4, h.table > 255 ? RT_TABLE.UNSPEC : h.table)
    .u8(5, h.protocol)
    .u8(6, h.scope)
    .u8(7, h.type)
    .u32(8, h.flags).bytes;
}

/** RTA_* for a route in iproute2's order for `ip route add $dst via $gw src $src table $t metric $m dev $dev mtu advmss`. */
export function routeAttrs(r: Route, table: number): Attr[] {
  const dst = parseCidr(r.dst);
  const attrs: Attr[] = [];
  if (dst.prefix > 0) attrs.push(bytesAttr(RTA.DST, dst.bytes));
  if (r.gw !== undefined) attrs.push(bytesAttr(RTA.GATEWAY, parseIp(r.gw).bytes));
  if (r.src !== undefined) attrs.push(bytesAttr(RTA.PREFSRC, parseIp(r.src).bytes));
  // A table above 255 does not fit rtm_table: it goes in RTA_TABLE.
  if (table > 255) attrs.push(u32Attr(RTA.TABLE, table));
  if (r.metric !== undefined) attrs.push(u32Attr(RTA.PRIORITY, r.metric));
  if (r.oif !== undefined) attrs.push(u32Attr(RTA.OIF, r.oif));
  const metrics: Attr[] = [];
  if (r.mtu !== undefined) metrics.push(u32Attr(RTAX.MTU, r.mtu));
  if (r.advmss !== undefined) metrics.push(u32Attr(RTAX.ADVMSS, r.advmss));
  if (metrics.length > 0) attrs.push(nestedAttr(RTA.METRICS, metrics));
  return attrs;
}

/** Parses RTM_NEWROUTE; undefined for families we do not speak and for cache clones. */
export function parseRoute(msg: NlMessage): (Route & { family: IpFamily; table: number }) | undefined {
  const p = msg.payload;
  const family = familyOf(p[0] ?? 0);
  if (family === undefined || (readU32(p, 8) & RTM_F_CLONED) !== 0) return undefined;
  const attrs = parseAttrs(p.subarray(RTMSG_LEN));
  const dstBytes = attrs.get(RTA.DST) ?? new Uint8Array(family === 4 ? 4 : 16);
  const r: Route & { family: IpFamily; table: number } = {
    family,
    dst: formatCidr(dstBytes, p[1] ?? 0),
    table: attrs.u32(RTA.TABLE) ?? p[4] ?? 0,
    scope: p[6] ?? 0,
    protocol: p[5] ?? 0,
    type: p[7] ?? 0,
    onlink: (readU32(p, 8) & RTNH_F_ONLINK) !== 0,
  };
  const gw = attrs.get(RTA.GATEWAY);
  if (gw) r.gw = formatIp(gw);
  const src = attrs.get(RTA.PREFSRC);
  if (src) r.src = formatIp(src);
  const oif = attrs.u32(RTA.OIF);
  if (oif !== undefined) r.oif = oif;
  const metric = attrs.u32(RTA.PRIORITY);
  if (metric !== undefined) r.metric = metric;
  const metrics = attrs.nested(RTA.METRICS);
  const mtu = metrics?.u32(RTAX.MTU);
  if (mtu !== undefined) r.mtu = mtu;
  const advmss = metrics?.u32(RTAX.ADVMSS);
  if (advmss !== undefined) r.advmss = advmss;
  return r;
}
