// Taking down what a plugin's last rule leaves behind: its empty base chains and then its
// empty table, so that after the last DEL the ruleset is as before the first ADD. Each
// delete carries NLM_F_NONREC: the kernel refuses it (EBUSY) when the chain still holds a
// rule or the table a chain, so a rule another call added meanwhile is never taken with it.
import { Errno, KernelError } from "../errors";
import { parseAttrs, stringAttr } from "../nl/attr";
import { NLM_F } from "../nl/header";
import type { NlRequest } from "../nl/message";
import type { NftHandle } from "./handle";
import { type NftFamily, NFT_MSG, nfgenmsg, nftType } from "./message-types";
import { NF_VERDICT } from "./expr";

/** NLM_F_NONREC (linux/netlink.h): delete only an empty object. */
const NLM_F_NONREC = 0x100;
const NFTA_CHAIN = { TABLE: 1, NAME: 3, POLICY: 5 } as const;
const NFTA_TABLE_NAME = 1;
const NFGENMSG_LEN = 4;

/** The chains of `table` and their policies (NF_ACCEPT, NF_DROP). Equivalent to: `nft list table $family $table` (chains) */
function chainsOf(h: NftHandle, family: NftFamily, table: string): { name: string; policy: number | undefined }[] {
  const req: NlRequest = { type: nftType(NFT_MSG.GETCHAIN), flags: NLM_F.DUMP, body: nfgenmsg(family), attrs: [stringAttr(NFTA_CHAIN.TABLE, table)] };
  return h
    .dump(req, `list nft chains of ${table}`)
    .filter((m) => m.header.type === nftType(NFT_MSG.NEWCHAIN))
    .map((m) => parseAttrs(m.payload.subarray(NFGENMSG_LEN)))
    .filter((a) => a.string(NFTA_CHAIN.TABLE) === table)
    .map((a) => {
      const p = a.get(NFTA_CHAIN.POLICY);
      return { name: a.string(NFTA_CHAIN.NAME) ?? "", policy: p && p.length === 4 ? new DataView(p.buffer, p.byteOffset).getUint32(0) : undefined };
    });
}

/** Runs one delete; false when the kernel kept the object (not empty, or already gone). */
function tryDelete(h: NftHandle, req: NlRequest, op: string): boolean {
  try {
    h.commit([req], op);
    return true;
  } catch (e) {
    if (e instanceof KernelError && (e.errno === Errno.EBUSY || e.errno === Errno.ENOENT)) return false;
    throw e;
  }
}

/**
 * Deletes the table's empty chains, except one whose policy is drop (an operator set it: the
 * host never makes one), then the table when it has no chain left.
 * Equivalent to: `nft delete chain $family $table $chain` per empty chain, then `nft delete table $family $table`
 */
export function pruneTable(h: NftHandle, family: NftFamily, table: string): void {
  const chains = chainsOf(h, family, table);
  let left = 0;
  for (const c of chains) {
    const del: NlRequest = { type: nftType(NFT_MSG.DELCHAIN), flags: NLM_F_NONREC, body: nfgenmsg(family), attrs: [stringAttr(NFTA_CHAIN.TABLE, table), stringAttr(NFTA_CHAIN.NAME, c.name)] };
    if (c.policy === NF_VERDICT.DROP || !tryDelete(h, del, `delete empty nft chain ${table} ${c.name}`)) left++;
  }
  if (left > 0) return;
  const del: NlRequest = { type: nftType(NFT_MSG.DELTABLE), flags: NLM_F_NONREC, body: nfgenmsg(family), attrs: [stringAttr(NFTA_TABLE_NAME, table)] };
  tryDelete(h, del, `delete empty nft table ${table}`);
}
