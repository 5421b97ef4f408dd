// nf_tables rules: add (with the table and chain in the same batch), list with comments,
// delete by handle (like google/nftables' AddRule, GetRules, DelRule).
import { type Attr, bytesAttr, parseAttrs, stringAttr } from "../nl/attr";
import { NLM_F } from "../nl/header";
import type { NlRequest } from "../nl/message";
import { type BaseChain, chainAdd, chainGetRequest } from "./chain";
import type { NftHandle } from "./handle";
import { be64Attr, nest, type NftFamily, NFT_MSG, nfgenmsg, nftType, readBe64 } from "./message-types";
import { tableAdd } from "./table";
import { Errno, KernelError } from "../errors";

const NFTA_RULE = { TABLE: 1, CHAIN: 2, HANDLE: 3, EXPRESSIONS: 4, USERDATA: 7 } as const;
const NFGENMSG_LEN = 4;
/** libnftnl's rule user data: TLVs of a u8 type and a u8 length; the comment is type 0. */
const UDATA_RULE_COMMENT = 0;
/** nft refuses longer comments (NFTNL_UDATA_COMMENT_MAXLEN, NUL included). */
export const COMMENT_MAX = 127;

/** A chain of a table, as the rule operations address it. */
export interface ChainRef {
  family: NftFamily;
  table: string;
  chain: string;
}

/** A rule as listed: its handle (for delete), its comment ("" when none) and its NFTA_RULE_EXPRESSIONS payload. */
export interface NftRule {
  handle: bigint;
  comment: string;
  exprs: Uint8Array;
}

/** A rule to add to a base chain. */
export interface NewRule {
  chain: BaseChain;
  exprs: Attr[];
  comment: string;
  /** Inserted at the head of the chain rather than appended (`nft insert rule`). */
  head?: boolean;
}

function comment(text: string): Attr {
  const s = new TextEncoder().encode(text);
  if (s.length > COMMENT_MAX) throw new RangeError(`nft comment longer than ${COMMENT_MAX} bytes: ${text}`);
  const tlv = new Uint8Array(s.length + 3);
  tlv.set([UDATA_RULE_COMMENT, s.length + 1]);
  tlv.set(s, 2);
  return bytesAttr(NFTA_RULE.USERDATA, tlv);
}

function parseComment(udata: Uint8Array | undefined): string {
  for (let off = 0; udata && off + 2 <= udata.length; off += 2 + udata[off + 1]!) {
    const len = udata[off + 1]!;
    if (udata[off] === UDATA_RULE_COMMENT && off + 2 + len <= udata.length) {
      return new TextDecoder().decode(udata.subarray(off + 2, off + 2 + Math.max(0, len - 1)));
    }
  }
  return "";
}

/** The NEWRULE request: appended to the chain (or, `head`, inserted before its first rule), with the comment as user data. */
export function ruleAddRequest(chain: ChainRef, exprs: Attr[], text: string, head = false): NlRequest {
  return {
    type: nftType(NFT_MSG.NEWRULE),
    flags: head ? NLM_F.CREATE : NLM_F.CREATE | NLM_F.APPEND,
    body: nfgenmsg(chain.family),
    attrs: [stringAttr(NFTA_RULE.TABLE, chain.table), stringAttr(NFTA_RULE.CHAIN, chain.chain), nest(NFTA_RULE.EXPRESSIONS, exprs), comment(text)],
  };
}

/** The DELRULE request for one rule. */
export function ruleDeleteRequest(chain: ChainRef, handle: bigint): NlRequest {
  return {
    type: nftType(NFT_MSG.DELRULE),
    flags: 0,
    body: nfgenmsg(chain.family),
    attrs: [stringAttr(NFTA_RULE.TABLE, chain.table), stringAttr(NFTA_RULE.CHAIN, chain.chain), be64Attr(NFTA_RULE.HANDLE, handle)],
  };
}

/**
 * Adds a rule to a base chain, creating the table and the chain when missing, in one batch.
 * Equivalent to: `nft -f -` of `add table ...; add chain ... { type ... hook ... priority ... ; };
 * add rule ... comment "$text"`
 */
export function ruleAdd(h: NftHandle, chain: BaseChain, exprs: Attr[], text: string): void {
  const ref = { family: chain.family, table: chain.table, chain: chain.name };
  commitRules(h, [chain], [ruleAddRequest(ref, exprs, text)], `add nft rule "${text}" to ${describe(ref)}`);
}

/**
 * Commits rule additions, with the table and chain requests of the chains missing first. A
 * chain seen a moment ago can be gone by the commit (another call's DEL prunes the chains it
 * leaves empty): then once more with every table and chain made.
 */
function commitRules(h: NftHandle, chains: readonly BaseChain[], adds: NlRequest[], op: string): void {
  try {
    h.commit([...makersOfMissing(h, chains), ...adds], op);
  } catch (e) {
    if (!(e instanceof KernelError) || e.errno !== Errno.ENOENT) throw e;
    h.commit([...makers(chains, () => true), ...adds], op);
  }
}

/**
 * The table and chain requests a batch needs first: none for a chain that exists. Re-adding an
 * existing base chain in every batch made each commit revalidate the table (an ADD's masquerade
 * rule took 1 ms with no other rule, 11-23 ms with 100), and trying without and retrying on
 * ENOENT costs an aborted transaction (~12 ms); a GETCHAIN first costs a round trip.
 */
function makersOfMissing(h: NftHandle, chains: readonly BaseChain[]): NlRequest[] {
  return makers(chains, (c) => h.dump(chainGetRequest(c), `get nft chain ${c.family} ${c.table} ${c.name}`).length === 0);
}

/** The table and chain requests for each distinct chain that `missing` says to make. */
function makers(chains: readonly BaseChain[], missing: (c: BaseChain) => boolean): NlRequest[] {
  const tables = new Map<string, NlRequest>();
  const made = new Map<string, NlRequest>();
  const seen = new Set<string>();
  for (const c of chains) {
    const key = `${c.family} ${c.table} ${c.name}`;
    if (seen.has(key)) continue; // asked once per chain, however many rules go there
    seen.add(key);
    if (!missing(c)) continue;
    tables.set(`${c.family} ${c.table}`, tableAdd(c.family, c.table));
    made.set(key, chainAdd(c));
  }
  return [...tables.values(), ...made.values()];
}

/**
 * Adds rules to base chains in one batch (all or none), each chain's table and chain made
 * first when missing, once each. Equivalent to: `nft -f -` of `add table ...; add chain ... ;
 * add rule ... comment "..."` per rule (`insert rule` for a head rule)
 */
export function rulesAdd(h: NftHandle, rules: readonly NewRule[]): void {
  if (rules.length === 0) return;
  const add = (r: NewRule) => ruleAddRequest({ family: r.chain.family, table: r.chain.table, chain: r.chain.name }, r.exprs, r.comment, r.head);
  // Each head insert goes before the chain's first rule: the last one first keeps their order.
  const adds = [...rules.filter((r) => r.head).reverse().map(add), ...rules.filter((r) => !r.head).map(add)];
  commitRules(h, rules.map((r) => r.chain), adds, `add ${rules.length} nft rule(s) to table ${rules[0]!.chain.table}`);
}

/** The chain's rules; none when the table or chain does not exist. Equivalent to: `nft -a list chain $family $table $chain` */
export function ruleList(h: NftHandle, chain: ChainRef): NftRule[] {
  const req: NlRequest = {
    type: nftType(NFT_MSG.GETRULE),
    flags: NLM_F.DUMP,
    body: nfgenmsg(chain.family),
    attrs: [stringAttr(NFTA_RULE.TABLE, chain.table), stringAttr(NFTA_RULE.CHAIN, chain.chain)],
  };
  return h
    .dump(req, `list nft rules of ${describe(chain)}`)
    .filter((m) => m.header.type === nftType(NFT_MSG.NEWRULE))
    .map((m) => parseAttrs(m.payload.subarray(NFGENMSG_LEN)))
    .filter((a) => a.string(NFTA_RULE.TABLE) === chain.table && a.string(NFTA_RULE.CHAIN) === chain.chain)
    .map((a) => ({
      handle: readBe64(a.get(NFTA_RULE.HANDLE) ?? new Uint8Array(8)),
      comment: parseComment(a.get(NFTA_RULE.USERDATA)),
      exprs: a.get(NFTA_RULE.EXPRESSIONS) ?? new Uint8Array(0),
    }));
}

/** Deletes rules by handle, in one batch. Equivalent to: `nft delete rule $family $table $chain handle $h` */
export function ruleDelete(h: NftHandle, chain: ChainRef, handles: readonly bigint[]): void {
  if (handles.length === 0) return;
  h.commit(handles.map((x) => ruleDeleteRequest(chain, x)), `delete nft rules ${handles.join(",")} of ${describe(chain)}`);
}

function describe(c: ChainRef): string {
  return `${c.family === 7 ? "bridge" : "inet"} ${c.table} ${c.chain}`;
}
