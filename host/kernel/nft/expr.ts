// nf_tables expressions, the steps of a rule's little register machine (like nftables'
// expression structs in google/nftables/expr). Each returns one NFTA_LIST_ELEM.
import { type Attr, bytesAttr, stringAttr, u8Attr } from "../nl/attr";
import { be32Attr, nest } from "./message-types";

const NFTA_LIST_ELEM = 1;
const NFTA_EXPR = { NAME: 1, DATA: 2 } as const;
export const NFTA_DATA = { VALUE: 1, VERDICT: 2 } as const;
const NFTA_VERDICT_CODE = 1;

/** The register nft loads into: NFT_REG_1 (a 16-byte register; 0 is the verdict register). */
export const REG_1 = 1;
const REG_VERDICT = 0;

export const NFT_META = { MARK: 3, IIFNAME: 6, OIFNAME: 7, NFPROTO: 15, L4PROTO: 16 } as const;
export const NFT_PAYLOAD = { LL_HEADER: 0, NETWORK_HEADER: 1, TRANSPORT_HEADER: 2 } as const;
export const NFT_CMP = { EQ: 0, NEQ: 1, LT: 2, LTE: 3, GT: 4, GTE: 5 } as const;
export const NF_VERDICT = { DROP: 0, ACCEPT: 1 } as const;
/** NFT_CT_* keys. */
export const NFT_CT = { STATE: 0, STATUS: 2 } as const;
/** NFT_NAT_* types. */
export const NFT_NAT = { SNAT: 0, DNAT: 1 } as const;
/** NF_NAT_RANGE_PROTO_SPECIFIED: the NAT statement names ports. */
export const NF_NAT_RANGE_PROTO_SPECIFIED = 0x2;
/** NFT_REJECT_* types: ICMP_UNREACH (with an icmp or icmpv6 code), TCP_RST. */
export const NFT_REJECT = { ICMP_UNREACH: 0, TCP_RST: 1 } as const;
/** fib: NFT_FIB_RESULT_ADDRTYPE, NFTA_FIB_F_DADDR, and the RTN_LOCAL address type. */
export const NFT_FIB = { RESULT_ADDRTYPE: 3, F_DADDR: 2, RTN_LOCAL: 2 } as const;

export function expr(name: string, data: Attr[]): Attr {
  return nest(NFTA_LIST_ELEM, [stringAttr(NFTA_EXPR.NAME, name), nest(NFTA_EXPR.DATA, data)]);
}

function value(type: number, bytes: Uint8Array): Attr {
  return nest(type, [bytesAttr(NFTA_DATA.VALUE, bytes)]);
}

/** Loads a packet property (NFT_META_*) into `reg`. */
export function meta(key: number, reg = REG_1): Attr {
  return expr("meta", [be32Attr(2 /* KEY */, key), be32Attr(1 /* DREG */, reg)]);
}

/** Loads `len` bytes at `offset` of a header (NFT_PAYLOAD_*) into `reg`. */
export function payload(base: number, offset: number, len: number, reg = REG_1): Attr {
  return expr("payload", [be32Attr(1 /* DREG */, reg), be32Attr(2 /* BASE */, base), be32Attr(3 /* OFFSET */, offset), be32Attr(4 /* LEN */, len)]);
}

/** Compares `reg` with `data`; the rule stops here unless it holds. */
export function cmp(op: number, data: Uint8Array, reg = REG_1): Attr {
  return expr("cmp", [be32Attr(1 /* SREG */, reg), be32Attr(2 /* OP */, op), value(3 /* DATA */, data)]);
}

/**
 * reg = (reg & mask) ^ xor, over mask.length bytes. `explicitOp`: nft names the operation
 * (NFTA_BITWISE_OP, NFT_BITWISE_BOOL) for a `&` or `|` written in the rule (`meta mark & 0xff`,
 * `mark set mark | 0x10`), not for the masks it derives itself (a prefix, flags).
 */
export function bitwise(mask: Uint8Array, xor: Uint8Array, reg = REG_1, explicitOp = false): Attr {
  return expr("bitwise", [
    be32Attr(1 /* SREG */, reg), be32Attr(2 /* DREG */, reg), ...(explicitOp ? [be32Attr(6 /* OP */, 0 /* NFT_BITWISE_BOOL */)] : []),
    be32Attr(3 /* LEN */, mask.length), value(4 /* MASK */, mask), value(5 /* XOR */, xor),
  ]);
}

/** Ends the rule with a verdict (NF_DROP, NF_ACCEPT). */
export function verdict(code: number): Attr {
  return expr("immediate", [
    be32Attr(1 /* DREG */, REG_VERDICT),
    nest(2 /* DATA */, [nest(NFTA_DATA.VERDICT, [be32Attr(NFTA_VERDICT_CODE, code)])]),
  ]);
}

/** Source NAT to the outgoing interface's address (nat chains only); with ports, from the registers holding them. */
export function masquerade(ports?: PortRegs): Attr {
  if (!ports) return expr("masq", []);
  return expr("masq", [be32Attr(1 /* FLAGS */, NF_NAT_RANGE_PROTO_SPECIFIED), ...portRegs(2, 3, ports)]);
}

/** Registers that hold a NAT statement's first and (for a range) last port. */
export interface PortRegs {
  min: number;
  max?: number;
}

function portRegs(minType: number, maxType: number, p: PortRegs): Attr[] {
  return [be32Attr(minType, p.min), ...(p.max === undefined ? [] : [be32Attr(maxType, p.max)])];
}

/** Loads a constant into a data register (an address, a port). */
export function immediate(reg: number, data: Uint8Array): Attr {
  return expr("immediate", [be32Attr(1 /* DREG */, reg), nest(2 /* DATA */, [bytesAttr(NFTA_DATA.VALUE, data)])]);
}

/** Source or destination NAT to the address in `addrReg`, ports in `ports` when given. */
export function nat(type: number, nfproto: number, addrReg: number, ports?: PortRegs): Attr {
  return expr("nat", [
    be32Attr(1 /* TYPE */, type), be32Attr(2 /* FAMILY */, nfproto), be32Attr(3 /* REG_ADDR_MIN */, addrReg),
    ...(ports ? [...portRegs(5 /* REG_PROTO_MIN */, 6 /* REG_PROTO_MAX */, ports), be32Attr(7 /* FLAGS */, NF_NAT_RANGE_PROTO_SPECIFIED)] : []),
  ]);
}

/** Redirects to the node itself, to the ports in the registers when given. */
export function redirect(ports?: PortRegs): Attr {
  if (!ports) return expr("redir", []);
  return expr("redir", [...portRegs(1 /* REG_PROTO_MIN */, 2 /* REG_PROTO_MAX */, ports), be32Attr(3 /* FLAGS */, NF_NAT_RANGE_PROTO_SPECIFIED)]);
}

/** Loads a conntrack property (NFT_CT_*) into `reg`. */
export function ct(key: number, reg = REG_1): Attr {
  return expr("ct", [be32Attr(2 /* KEY */, key), be32Attr(1 /* DREG */, reg)]);
}

/** Loads the fib lookup's address type of the destination (`fib daddr type`) into `reg`. */
export function fibDaddrType(reg = REG_1): Attr {
  return expr("fib", [be32Attr(3 /* FLAGS */, NFT_FIB.F_DADDR), be32Attr(2 /* RESULT */, NFT_FIB.RESULT_ADDRTYPE), be32Attr(1 /* DREG */, reg)]);
}

/** Counts packets and bytes (from zero: nft sends no initial values). */
export function counter(): Attr {
  return expr("counter", []);
}

/** Rejects: an ICMP(v6) unreachable with `code`, or a TCP reset. */
export function reject(type: number, code: number): Attr {
  return expr("reject", [be32Attr(1 /* TYPE */, type), u8Attr(2 /* ICMP_CODE */, code)]);
}

/** Sets a packet property (NFT_META_*) from `reg`. */
export function metaSet(key: number, reg = REG_1): Attr {
  return expr("meta", [be32Attr(2 /* KEY */, key), be32Attr(3 /* SREG */, reg)]);
}

/**
 * Matches (or, with NEQ, excludes) the prefix `bytes`/`prefix` in the field at `offset` (as
 * long as `bytes`), as nft compiles `ip daddr != 10.1.0.0/24`: a prefix of whole bytes
 * compares only those bytes; any other loads the field and masks it first.
 */
export function matchPrefix(op: number, base: number, offset: number, bytes: Uint8Array, prefix: number): Attr[] {
  if (prefix % 8 === 0) return [payload(base, offset, prefix / 8), cmp(op, bytes.subarray(0, prefix / 8))];
  const mask = bytes.map((_, i) => (i < Math.floor(prefix / 8) ? 0xff : i === Math.floor(prefix / 8) ? (0xff << (8 - (prefix % 8))) & 0xff : 0));
  const net = bytes.map((b, i) => b & mask[i]!);
  return [payload(base, offset, bytes.length), bitwise(mask, new Uint8Array(bytes.length)), cmp(op, net)];
}
