// nfnetlink and nf_tables numbers (linux/netfilter/nfnetlink.h, nf_tables.h) and the encoders
// every nft object shares: the nfgenmsg body and big-endian attributes (nf_tables integers
// are in network byte order, unlike rtnetlink's).
import { type Attr, bytesAttr, NLA_F_NESTED, nestedAttr } from "../nl/attr";

export const NFNL_SUBSYS_NFTABLES = 10;
export const NFNL_MSG = { BATCH_BEGIN: 16, BATCH_END: 17 } as const;

/** NFT_MSG_*, sent as (NFNL_SUBSYS_NFTABLES << 8) | type (nftType). */
export const NFT_MSG = {
  NEWTABLE: 0, GETTABLE: 1, DELTABLE: 2, NEWCHAIN: 3, GETCHAIN: 4, DELCHAIN: 5, NEWRULE: 6, GETRULE: 7, DELRULE: 8,
} as const;

/** The nftables families we use (NFPROTO_*). */
export const NFPROTO = { INET: 1, IPV4: 2, BRIDGE: 7, IPV6: 10 } as const;
export type NftFamily = typeof NFPROTO.INET | typeof NFPROTO.BRIDGE;

export function nftType(msg: number): number {
  return (NFNL_SUBSYS_NFTABLES << 8) | msg;
}

/** struct nfgenmsg: family, version (NFNETLINK_V0), res_id (big-endian). */
export function nfgenmsg(family: number, resId = 0): Uint8Array {
  return Uint8Array.of(family, 0, resId >> 8, resId & 0xff);
}

export function be32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0);
  return b;
}

export function be32Attr(type: number, v: number): Attr {
  return bytesAttr(type, be32(v));
}

export function be64Attr(type: number, v: bigint): Attr {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v);
  return bytesAttr(type, b);
}

export function readBe64(b: Uint8Array): bigint {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(0);
}

/** A nested attribute as nft sends it: NLA_F_NESTED set. */
export function nest(type: number, children: Attr[]): Attr {
  return nestedAttr(type | NLA_F_NESTED, children);
}
