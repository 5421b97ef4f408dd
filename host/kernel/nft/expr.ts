// nf_tables expressions, the steps of a rule's little register machine (like nftables'
// expression structs in google/nftables/expr). Each returns one NFTA_LIST_ELEM.
import { type Attr, bytesAttr, stringAttr } from "../nl/attr";
import { be32Attr, nest } from "./message-types";

const NFTA_LIST_ELEM = 1;
const NFTA_EXPR = { NAME: 1, DATA: 2 } as const;
const NFTA_DATA = { VALUE: 1, VERDICT: 2 } as const;
const NFTA_VERDICT_CODE = 1;

/** The register nft loads into: NFT_REG_1 (a 16-byte register; 0 is the verdict register). */
export const REG_1 = 1;
const REG_VERDICT = 0;

export const NFT_META = { IIFNAME: 6, NFPROTO: 15 } as const;
export const NFT_PAYLOAD = { LL_HEADER: 0, NETWORK_HEADER: 1 } as const;
export const NFT_CMP = { EQ: 0, NEQ: 1 } as const;
export const NF_VERDICT = { DROP: 0, ACCEPT: 1 } as const;

function expr(name: string, data: Attr[]): Attr {
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

/** reg = (reg & mask) ^ xor, over mask.length bytes. */
export function bitwise(mask: Uint8Array, xor: Uint8Array, reg = REG_1): Attr {
  return expr("bitwise", [
    be32Attr(1 /* SREG */, reg), be32Attr(2 /* DREG */, reg), be32Attr(3 /* LEN */, mask.length),
    value(4 /* MASK */, mask), value(5 /* XOR */, xor),
  ]);
}

/** Ends the rule with a verdict (NF_DROP, NF_ACCEPT). */
export function verdict(code: number): Attr {
  return expr("immediate", [
    be32Attr(1 /* DREG */, REG_VERDICT),
    nest(2 /* DATA */, [nest(NFTA_DATA.VERDICT, [be32Attr(NFTA_VERDICT_CODE, code)])]),
  ]);
}

/** Source NAT to the outgoing interface's address (nat chains only). */
export function masquerade(): Attr {
  return expr("masq", []);
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
