// struct fib_rule_hdr, FRA_* attributes and the Rule record (linux/fib_rules.h).
import { type Attr, bytesAttr, parseAttrs, stringAttr, u32Attr } from "../nl/attr";
import { readU32, StructWriter } from "../nl/bytes";
import type { NlMessage } from "../nl/message";
import { addressFamily, familyOf, formatCidr, type IpFamily, parseCidr } from "./inet";

const FIB_RULE_HDR_LEN = 12;
const FRA = { DST: 1, SRC: 2, IIFNAME: 3, PRIORITY: 6, FWMARK: 10, TABLE: 15, FWMASK: 16, OIFNAME: 17 } as const;

/** FR_ACT_*: what a rule does with the packets it selects. */
export const FR_ACT = { UNSPEC: 0, TO_TBL: 1, GOTO: 2, NOP: 3, BLACKHOLE: 6, UNREACHABLE: 7, PROHIBIT: 8 } as const;
/** FIB_RULE_INVERT: `not`. */
export const FIB_RULE_INVERT = 0x2;

/** A rule; the same shape goes in (add, delete) and comes out (list). */
export interface Rule {
  family: IpFamily;
  /** FRA_PRIORITY (`pref`); on add, absent lets the kernel pick. */
  priority?: number;
  /** "10.1.0.2/32" (`from`). */
  src?: string;
  /** `to`. */
  dst?: string;
  /** FRA_IIFNAME, FRA_OIFNAME: link names, as the kernel keeps them (the link need not exist). */
  iif?: string;
  oif?: string;
  fwmark?: number;
  fwmask?: number;
  /** The table of an FR_ACT.TO_TBL rule; 0 (or absent) on delete matches any. */
  table?: number;
  /** FR_ACT_*. */
  action: number;
  invert?: boolean;
  /**
   * The kernel's message as listed (fib_rule_hdr and every FRA_*, those not read here too):
   * ruleRestore puts exactly that rule back.
   */
  raw?: Uint8Array;
}

/** The fib_rule_hdr of a rule: a table below 256 goes in the header, a larger one in FRA_TABLE only (as iproute2). */
export function fibRuleHdr(r: Rule, action: number): Uint8Array {
  const table = r.table ?? 0;
  return new StructWriter(FIB_RULE_HDR_LEN)
    .u8(0, addressFamily(r.family))
    .u8(1, r.dst !== undefined ? parseCidr(r.dst).prefix : 0)
    .u8(2, r.src !== undefined ? parseCidr(r.src).prefix : 0)
    .u8(4, table > 255 ? 0 : table)
    .u8(7, action)
    .u32(8, r.invert ? FIB_RULE_INVERT : 0).bytes;
}

/** FRA_* in iproute2's order for `ip rule add pref $p from $src to $dst iif $i oif $o fwmark $m/$mask lookup $t`. */
export function ruleAttrs(r: Rule): Attr[] {
  const attrs: Attr[] = [];
  if (r.priority !== undefined) attrs.push(u32Attr(FRA.PRIORITY, r.priority));
  if (r.src !== undefined) attrs.push(bytesAttr(FRA.SRC, parseCidr(r.src).bytes));
  if (r.dst !== undefined) attrs.push(bytesAttr(FRA.DST, parseCidr(r.dst).bytes));
  if (r.iif !== undefined) attrs.push(stringAttr(FRA.IIFNAME, r.iif));
  if (r.oif !== undefined) attrs.push(stringAttr(FRA.OIFNAME, r.oif));
  if (r.fwmark !== undefined) attrs.push(u32Attr(FRA.FWMARK, r.fwmark));
  if (r.fwmask !== undefined) attrs.push(u32Attr(FRA.FWMASK, r.fwmask));
  if ((r.table ?? 0) > 255) attrs.push(u32Attr(FRA.TABLE, r.table!));
  return attrs;
}

/** Parses RTM_NEWRULE; undefined for families we do not speak. */
export function parseRule(msg: NlMessage): Rule | undefined {
  const p = msg.payload;
  const family = familyOf(p[0] ?? 0);
  if (family === undefined) return undefined;
  const attrs = parseAttrs(p.subarray(FIB_RULE_HDR_LEN));
  const r: Rule = { family, action: p[7] ?? 0, table: attrs.u32(FRA.TABLE) ?? p[4] ?? 0, raw: p.slice() };
  if ((readU32(p, 8) & FIB_RULE_INVERT) !== 0) r.invert = true;
  const priority = attrs.u32(FRA.PRIORITY);
  if (priority !== undefined) r.priority = priority;
  const src = attrs.get(FRA.SRC);
  if (src) r.src = formatCidr(src, p[2] ?? 0);
  const dst = attrs.get(FRA.DST);
  if (dst) r.dst = formatCidr(dst, p[1] ?? 0);
  const iif = attrs.string(FRA.IIFNAME);
  if (iif !== undefined) r.iif = iif;
  const oif = attrs.string(FRA.OIFNAME);
  if (oif !== undefined) r.oif = oif;
  const fwmark = attrs.u32(FRA.FWMARK);
  if (fwmark !== undefined) r.fwmark = fwmark;
  const fwmask = attrs.u32(FRA.FWMASK);
  if (fwmask !== undefined) r.fwmask = fwmask;
  return r;
}
