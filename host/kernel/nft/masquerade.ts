// The masquerade rule of ipMasq (the reference plugins' pkg/ip/ipmasq*): what a container
// sends from its address to anything outside its subnet and multicast leaves with the
// host's address. One self-contained rule per container address in a nat postrouting chain.
import type { Attr } from "../nl/attr";
import type { Cidr } from "../rtnl/inet";
import { type BaseChain, NF_HOOK } from "./chain";
import { cmp, masquerade, matchPrefix, meta, NFT_CMP, NFT_META, NFT_PAYLOAD, payload } from "./expr";
import { NFPROTO } from "./message-types";

/** The nat chain of `table` (family inet: IPv4 and IPv6) at srcnat priority. */
export function masqueradeChain(table: string): BaseChain {
  return { family: NFPROTO.INET, table, name: "postrouting", type: "nat", hook: NF_HOOK.POSTROUTING, priority: 100 };
}

// Where the addresses are in the IPv4 and IPv6 headers, and each family's multicast prefix.
const IP = {
  4: { proto: NFPROTO.IPV4, saddr: 12, daddr: 16, multicast: Uint8Array.of(224, 0, 0, 0), multicastPrefix: 4 },
  6: { proto: NFPROTO.IPV6, saddr: 8, daddr: 24, multicast: Uint8Array.of(0xff, ...new Uint8Array(15)), multicastPrefix: 8 },
} as const;

/**
 * The rule's expressions for an address with its subnet prefix (the prefix must be > 0).
 * Equivalent to: `ip saddr $ip ip daddr != $subnet ip daddr != 224.0.0.0/4 masquerade`
 * (`ip6 ... ff00::/8` for IPv6)
 */
export function masqueradeExprs(source: Cidr): Attr[] {
  const f = IP[source.family];
  const NH = NFT_PAYLOAD.NETWORK_HEADER;
  return [
    meta(NFT_META.NFPROTO),
    cmp(NFT_CMP.EQ, Uint8Array.of(f.proto)),
    payload(NH, f.saddr, source.bytes.length),
    cmp(NFT_CMP.EQ, source.bytes),
    ...matchPrefix(NFT_CMP.NEQ, NH, f.daddr, source.bytes, source.prefix),
    ...matchPrefix(NFT_CMP.NEQ, NH, f.daddr, f.multicast, f.multicastPrefix),
    masquerade(),
  ];
}
