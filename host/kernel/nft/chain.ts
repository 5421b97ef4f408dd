// nf_tables base chains (NFT_MSG_NEWCHAIN with a hook).
import { stringAttr } from "../nl/attr";
import { NLM_F } from "../nl/header";
import type { NlRequest } from "../nl/message";
import { be32Attr, nest, type NftFamily, NFT_MSG, nfgenmsg, nftType } from "./message-types";

const NFTA_CHAIN = { TABLE: 1, NAME: 3, HOOK: 4, TYPE: 7 } as const;
const NFTA_HOOK = { HOOKNUM: 1, PRIORITY: 2 } as const;

/** NF_INET_* hook numbers (the bridge family uses the same numbers for its hooks). */
export const NF_HOOK = { PREROUTING: 0, INPUT: 1, FORWARD: 2, OUTPUT: 3, POSTROUTING: 4 } as const;

/** A chain attached to a netfilter hook. */
export interface BaseChain {
  family: NftFamily;
  table: string;
  name: string;
  type: "filter" | "nat";
  hook: number;
  /** Lower runs first: -300 before the bridge's dnat, 100 is srcnat. */
  priority: number;
}

/**
 * Creates the chain unless it exists. Equivalent to:
 * `nft add chain $family $table $name { type $type hook $hook priority $priority ; }`
 */
/** The GETCHAIN request for one chain by name (not a dump): answered with it, or ENOENT. Equivalent to: `nft list chain $family $table $chain` */
export function chainGetRequest(c: BaseChain): NlRequest {
  return {
    type: nftType(NFT_MSG.GETCHAIN),
    flags: 0,
    body: nfgenmsg(c.family),
    attrs: [stringAttr(NFTA_CHAIN.TABLE, c.table), stringAttr(NFTA_CHAIN.NAME, c.name)],
  };
}

export function chainAdd(c: BaseChain): NlRequest {
  return {
    type: nftType(NFT_MSG.NEWCHAIN),
    flags: NLM_F.CREATE,
    body: nfgenmsg(c.family),
    attrs: [
      stringAttr(NFTA_CHAIN.TABLE, c.table),
      stringAttr(NFTA_CHAIN.NAME, c.name),
      stringAttr(NFTA_CHAIN.TYPE, c.type),
      nest(NFTA_CHAIN.HOOK, [be32Attr(NFTA_HOOK.HOOKNUM, c.hook), be32Attr(NFTA_HOOK.PRIORITY, c.priority)]),
    ],
  };
}
