// The MAC spoof check of bridge's macspoofchk (the reference plugins' pkg/link/spoofcheck.go):
// frames that enter the bridge from the container's host-side veth with a source MAC other
// than the container's are dropped, before the bridge sees them.
import type { Attr } from "../nl/attr";
import { parseMac } from "../rtnl/mac";
import { type BaseChain, NF_HOOK } from "./chain";
import { cmp, meta, NF_VERDICT, NFT_CMP, NFT_META, NFT_PAYLOAD, payload, verdict } from "./expr";
import { NFPROTO } from "./message-types";

const IFNAMSIZ = 16;
const ETHER_SADDR_OFFSET = 6;

/** The bridge-family filter chain of `table` at prerouting, priority -300 as upstream's. */
export function spoofCheckChain(table: string): BaseChain {
  return { family: NFPROTO.BRIDGE, table, name: "prerouting", type: "filter", hook: NF_HOOK.PREROUTING, priority: -300 };
}

/** Equivalent to: `iifname $ifname ether saddr != $mac drop` */
export function spoofCheckExprs(ifname: string, mac: string): Attr[] {
  const name = new Uint8Array(IFNAMSIZ);
  name.set(new TextEncoder().encode(ifname).subarray(0, IFNAMSIZ - 1));
  return [
    meta(NFT_META.IIFNAME),
    cmp(NFT_CMP.EQ, name),
    payload(NFT_PAYLOAD.LL_HEADER, ETHER_SADDR_OFFSET, 6),
    cmp(NFT_CMP.NEQ, parseMac(mac)),
    verdict(NF_VERDICT.DROP),
  ];
}
