// nfnetlink batches: nf_tables changes are only accepted between BATCH_BEGIN and BATCH_END,
// and the kernel commits the whole batch or none of it.
import { NLM_F } from "../nl/header";
import type { NlRequest } from "../nl/message";
import { NFNL_MSG, NFNL_SUBSYS_NFTABLES, nfgenmsg } from "./message-types";

const marker = (type: number): NlRequest => ({ type, flags: 0, body: nfgenmsg(0, NFNL_SUBSYS_NFTABLES), attrs: [] });

/**
 * Wraps changes in BATCH_BEGIN/BATCH_END (res_id = the nftables subsystem, as nft sends it).
 * Each change asks for an ack, so a blocking socket knows when the kernel is done with it
 * (nft instead polls a non-blocking socket; that is the only byte that differs).
 */
export function batch(changes: readonly NlRequest[]): NlRequest[] {
  return [marker(NFNL_MSG.BATCH_BEGIN), ...changes.map((c) => ({ ...c, flags: c.flags | NLM_F.ACK })), marker(NFNL_MSG.BATCH_END)];
}
