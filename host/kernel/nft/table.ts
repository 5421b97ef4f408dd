// nf_tables tables (NFT_MSG_NEWTABLE).
import { stringAttr } from "../nl/attr";
import type { NlRequest } from "../nl/message";
import { be32Attr, type NftFamily, NFT_MSG, nfgenmsg, nftType } from "./message-types";

const NFTA_TABLE = { NAME: 1, FLAGS: 2 } as const;

/** Creates the table unless it exists (no NLM_F_EXCL). Equivalent to: `nft add table $family $name` */
export function tableAdd(family: NftFamily, name: string): NlRequest {
  return {
    type: nftType(NFT_MSG.NEWTABLE),
    flags: 0,
    body: nfgenmsg(family),
    attrs: [stringAttr(NFTA_TABLE.NAME, name), be32Attr(NFTA_TABLE.FLAGS, 0)],
  };
}
