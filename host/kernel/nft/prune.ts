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
import { type ChainRef, type NftRule, ruleDeleteRequest } from "./rule";

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
function pruneTable(h: NftHandle, family: NftFamily, table: string): void {
  const chains = chainsOf(h, family, table);
  let left = 0;
  for (const c of chains) {
    if (c.policy === NF_VERDICT.DROP || !tryDelete(h, delChain(family, table, c.name), `delete empty nft chain ${table} ${c.name}`)) left++;
  }
  if (left > 0) return;
  tryDelete(h, delTable(family, table), `delete empty nft table ${table}`);
}

/** Rules of one chain of a table: all of them as listed, and those to delete. */
export interface ChainRules {
  chain: ChainRef;
  rules: readonly NftRule[];
  doomed: readonly bigint[];
}

/**
 * Deletes rules and, in the same transaction, what they leave empty: each listed chain whose
 * every rule is doomed (not one whose policy is drop), then its table when no chain of it is
 * left. One commit, so one wait: each nftables commit that deletes something waits for the
 * kernel (RCU, ~10-15 ms here), and rules, chains and table one by one were up to seven such
 * commits per DEL. The chain and table deletes carry NLM_F_NONREC, so when another call
 * changed the table since the listing (a rule added: EBUSY; one gone: ENOENT) the kernel
 * refuses the whole batch; then the rules go alone and pruneTable tries each object on its own.
 * Equivalent to: `nft -f -` of `delete rule ...` per rule, `delete chain ...` per emptied
 * chain, `delete table ...`
 */
export function deleteRulesAndPrune(h: NftHandle, lists: readonly ChainRules[]): void {
  const deletes = lists.flatMap((l) => l.doomed.map((handle) => ruleDeleteRequest(l.chain, handle)));
  if (deletes.length === 0) return;
  // Chains listed already empty count too, as pruneTable would take them; a chain of the table
  // not listed is kept, and so is the table then.
  const emptied = new Set(lists.filter((l) => l.rules.every((r) => l.doomed.includes(r.handle))).map((l) => key(l.chain)));
  const tables = new Map(lists.map((l) => [`${l.chain.family} ${l.chain.table}`, { family: l.chain.family, table: l.chain.table }]));
  const prunes: NlRequest[] = [];
  for (const { family, table } of tables.values()) {
    const chains = chainsOf(h, family, table);
    const gone = chains.filter((c) => c.policy !== NF_VERDICT.DROP && emptied.has(key({ family, table, chain: c.name })));
    prunes.push(...gone.map((c) => delChain(family, table, c.name)));
    if (gone.length === chains.length && chains.length > 0) prunes.push(delTable(family, table));
  }
  try {
    h.commit([...deletes, ...prunes], `delete nft rules and the chains they empty`);
  } catch (e) {
    if (!(e instanceof KernelError && (e.errno === Errno.EBUSY || e.errno === Errno.ENOENT))) throw e;
    h.commit(deletes, `delete nft rules`);
    for (const { family, table } of tables.values()) pruneTable(h, family, table);
  }
}

const key = (c: ChainRef): string => `${c.family} ${c.table} ${c.chain}`;

function delChain(family: NftFamily, table: string, chain: string): NlRequest {
  return { type: nftType(NFT_MSG.DELCHAIN), flags: NLM_F_NONREC, body: nfgenmsg(family), attrs: [stringAttr(NFTA_CHAIN.TABLE, table), stringAttr(NFTA_CHAIN.NAME, chain)] };
}

function delTable(family: NftFamily, table: string): NlRequest {
  return { type: nftType(NFT_MSG.DELTABLE), flags: NLM_F_NONREC, body: nfgenmsg(family), attrs: [stringAttr(NFTA_TABLE_NAME, table)] };
}
