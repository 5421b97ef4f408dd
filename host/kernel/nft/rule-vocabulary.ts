// The firewall WIT's typed rules (chain, matches, verdict, counter) compiled to nf_tables
// expressions exactly as nft 1.0.6 compiles the same rule in an `inet` table (golden-tested in
// test/golden/nft.test.ts): a `meta nfproto` dependency first, then each match in the order
// given, the counter, then the verdict. The shapes mirror the WIT's generated types, so the
// cap passes a validated rule straight through; rule-vocabulary-decode.ts reads them back.
import type { Attr } from "../nl/attr";
import { type Cidr, parseIp } from "../rtnl/inet";
import {
  bitwise, cmp, counter, ct, fibDaddrType, immediate, masquerade, matchPrefix, meta, metaSet, nat, NF_VERDICT, NFT_CMP, NFT_CT,
  NFT_FIB, NFT_META, NFT_NAT, NFT_PAYLOAD, NFT_REJECT, payload, type PortRegs, redirect, REG_1, reject, verdict,
} from "./expr";
import { NFPROTO } from "./message-types";

export type RuleFamily = "v4" | "v6";
export type L4Protocol = "tcp" | "udp" | "sctp" | "icmp" | "icmpv6";
export interface PortRange { first: number; last: number }
export interface CidrMatch { cidr: string; negate: boolean }
export interface NameMatch { name: string; negate: boolean }
export interface CtStates { new?: boolean; established?: boolean; related?: boolean; invalid?: boolean; untracked?: boolean }
export interface NatTarget { addr?: string; ports?: PortRange }

export type RuleMatch =
  | { tag: "saddr" | "daddr"; val: CidrMatch }
  | { tag: "iifname" | "oifname"; val: NameMatch }
  | { tag: "protocol"; val: L4Protocol }
  | { tag: "sport" | "dport"; val: PortRange }
  | { tag: "ct-state"; val: CtStates }
  | { tag: "ct-dnat" }
  | { tag: "daddr-local" }
  | { tag: "mark"; val: { value: number; mask: number } };

export type RuleVerdict =
  | { tag: "accept" | "drop" | "reject" | "continue" }
  | { tag: "dnat" | "snat"; val: NatTarget }
  | { tag: "masquerade" | "redirect"; val: PortRange | undefined }
  | { tag: "set-mark"; val: number };

/** A typed rule without its chain (the chain is where it is added). */
export interface TypedRule {
  family: RuleFamily;
  matches: RuleMatch[];
  verdict: RuleVerdict;
  counter: boolean;
}

/** Where each family's addresses sit in its header, and its NFPROTO. */
export const FAMILY = {
  v4: { nfproto: NFPROTO.IPV4, saddr: 12, daddr: 16, len: 4, portUnreachable: 3 },
  v6: { nfproto: NFPROTO.IPV6, saddr: 8, daddr: 24, len: 16, portUnreachable: 4 },
} as const;

export const L4_NUMBER: Record<L4Protocol, number> = { tcp: 6, udp: 17, sctp: 132, icmp: 1, icmpv6: 58 };

/** ct state bits (NF_CT_STATE_BIT: invalid 1, established 2, related 4, new 8, untracked 64). */
export const CT_STATE_BITS = { invalid: 1, established: 2, related: 4, new: 8, untracked: 64 } as const;
/** IPS_DST_NAT in `ct status`. */
export const IPS_DST_NAT = 0x20;
export const IFNAMSIZ = 16;
/** The transport header offsets of the source and destination ports (tcp, udp and sctp alike). */
export const PORT_OFFSET = { sport: 0, dport: 2 } as const;

/** A u32 as the kernel holds it in a register: host byte order (ct state, mark, fib results). */
export function hostU32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
}

export function be16(v: number): Uint8Array {
  return Uint8Array.of(v >> 8, v & 0xff);
}

/** An interface name as nft compares it: NUL-padded to IFNAMSIZ. */
export function ifnameBytes(name: string): Uint8Array {
  const b = new Uint8Array(IFNAMSIZ);
  b.set(new TextEncoder().encode(name).subarray(0, IFNAMSIZ - 1));
  return b;
}

/** Parses a CIDR already validated by the caller ("10.88.0.2/32"). */
function cidrOf(text: string): Cidr {
  const slash = text.indexOf("/");
  const ip = parseIp(text.slice(0, slash));
  return { ...ip, prefix: Number(text.slice(slash + 1)) };
}

function ctStateMask(s: CtStates): number {
  return (Object.keys(CT_STATE_BITS) as (keyof CtStates)[]).reduce((m, k) => (s[k] === true ? m | CT_STATE_BITS[k] : m), 0);
}

function matchExprs(m: RuleMatch, family: RuleFamily): Attr[] {
  const f = FAMILY[family];
  switch (m.tag) {
    case "saddr":
    case "daddr": {
      const c = cidrOf(m.val.cidr);
      return matchPrefix(m.val.negate ? NFT_CMP.NEQ : NFT_CMP.EQ, NFT_PAYLOAD.NETWORK_HEADER, f[m.tag], c.bytes, c.prefix);
    }
    case "iifname":
    case "oifname":
      return [meta(m.tag === "iifname" ? NFT_META.IIFNAME : NFT_META.OIFNAME), cmp(m.val.negate ? NFT_CMP.NEQ : NFT_CMP.EQ, ifnameBytes(m.val.name))];
    case "protocol":
      return [meta(NFT_META.L4PROTO), cmp(NFT_CMP.EQ, Uint8Array.of(L4_NUMBER[m.val]))];
    case "sport":
    case "dport": {
      const load = payload(NFT_PAYLOAD.TRANSPORT_HEADER, PORT_OFFSET[m.tag], 2);
      if (m.val.first === m.val.last) return [load, cmp(NFT_CMP.EQ, be16(m.val.first))];
      return [load, cmp(NFT_CMP.GTE, be16(m.val.first)), cmp(NFT_CMP.LTE, be16(m.val.last))];
    }
    case "ct-state":
      return [ct(NFT_CT.STATE), bitwise(hostU32(ctStateMask(m.val)), hostU32(0)), cmp(NFT_CMP.NEQ, hostU32(0))];
    case "ct-dnat":
      return [ct(NFT_CT.STATUS), bitwise(hostU32(IPS_DST_NAT), hostU32(0)), cmp(NFT_CMP.NEQ, hostU32(0))];
    case "daddr-local":
      return [fibDaddrType(), cmp(NFT_CMP.EQ, hostU32(NFT_FIB.RTN_LOCAL))];
    case "mark": {
      const { value, mask } = m.val;
      const masked = mask >>> 0 === 0xffffffff ? [] : [bitwise(hostU32(mask), hostU32(0), REG_1, true)];
      return [meta(NFT_META.MARK), ...masked, cmp(NFT_CMP.EQ, hostU32(value))];
    }
  }
}

/** Loads a port range into registers `first`, `first + 1` (the last port, when a range). */
function portLoads(p: PortRange, first: number): { loads: Attr[]; regs: PortRegs } {
  if (p.first === p.last) return { loads: [immediate(first, be16(p.first))], regs: { min: first } };
  return { loads: [immediate(first, be16(p.first)), immediate(first + 1, be16(p.last))], regs: { min: first, max: first + 1 } };
}

function verdictExprs(r: TypedRule): Attr[] {
  const v = r.verdict;
  switch (v.tag) {
    case "accept":
      return [verdict(NF_VERDICT.ACCEPT)];
    case "drop":
      return [verdict(NF_VERDICT.DROP)];
    case "continue":
      return [];
    case "reject": {
      const tcp = r.matches.some((m) => m.tag === "protocol" && m.val === "tcp");
      return [tcp ? reject(NFT_REJECT.TCP_RST, 0) : reject(NFT_REJECT.ICMP_UNREACH, FAMILY[r.family].portUnreachable)];
    }
    case "dnat":
    case "snat": {
      // The address goes in register 1, the ports in 2 (and 3), as nft loads them.
      const addr = parseIp(v.val.addr ?? "");
      const ports = v.val.ports ? portLoads(v.val.ports, 2) : undefined;
      const type = v.tag === "dnat" ? NFT_NAT.DNAT : NFT_NAT.SNAT;
      return [immediate(1, addr.bytes), ...(ports?.loads ?? []), nat(type, FAMILY[r.family].nfproto, 1, ports?.regs)];
    }
    case "masquerade":
    case "redirect": {
      const ports = v.val ? portLoads(v.val, 1) : undefined;
      const stmt = v.tag === "masquerade" ? masquerade(ports?.regs) : redirect(ports?.regs);
      return [...(ports?.loads ?? []), stmt];
    }
    case "set-mark":
      // `meta mark set mark | value`: mark = (mark & ~value) ^ value.
      return [meta(NFT_META.MARK), bitwise(hostU32(~v.val), hostU32(v.val), REG_1, true), metaSet(NFT_META.MARK)];
  }
}

/**
 * The rule's expressions. The caller has validated it (rule families consistent, CIDRs and
 * addresses parse, ports need a tcp/udp/sctp protocol, a NAT has an address).
 * Equivalent to: `meta nfproto ipv4 <matches...> [counter] <verdict>` as nft compiles it.
 */
export function typedRuleExprs(r: TypedRule): Attr[] {
  return [
    meta(NFT_META.NFPROTO),
    cmp(NFT_CMP.EQ, Uint8Array.of(FAMILY[r.family].nfproto)),
    ...r.matches.flatMap((m) => matchExprs(m, r.family)),
    ...(r.counter ? [counter()] : []),
    ...verdictExprs(r),
  ];
}
