// struct tcmsg, TCA_* attributes and tc handles (linux/rtnetlink.h, linux/pkt_sched.h): what
// qdisc.ts and tc-filter.ts share, like netlink's nl/tc_linux.go.
import { readI32, readU32, StructWriter } from "../nl/bytes";
import type { NlMessage } from "../nl/message";
import { parseAttrs, type AttrSet } from "../nl/attr";

export const TCMSG_LEN = 20;

export const TCA = { KIND: 1, OPTIONS: 2 } as const;

/** Handles: major << 16 | minor. */
export const TC_H = {
  ROOT: 0xffffffff,
  /** The parent of an ingress or clsact qdisc (TC_H_INGRESS, also TC_H_CLSACT). */
  INGRESS: 0xfffffff1,
  /** The handle of an ingress or clsact qdisc, ffff: */
  INGRESS_HANDLE: 0xffff0000,
  /** A filter's parent on the ingress hook of either (TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS)), tc's `ingress`. */
  INGRESS_BLOCK: 0xfffffff2,
} as const;

export const ETH_P_ALL = 0x0003;

export interface TcMsg {
  ifindex: number;
  handle?: number;
  parent?: number;
  /** A filter's priority << 16 | protocol (network byte order), 0 for a qdisc. */
  info?: number;
}

export function tcMsg(m: TcMsg): Uint8Array {
  return new StructWriter(TCMSG_LEN)
    .i32(4, m.ifindex)
    .u32(8, m.handle ?? 0)
    .u32(12, m.parent ?? 0)
    .u32(16, m.info ?? 0).bytes;
}

/** A filter's tcm_info: priority in the high half, protocol in network byte order in the low. */
export function filterInfo(priority: number, protocol: number): number {
  return ((priority << 16) | (((protocol & 0xff) << 8) | ((protocol >> 8) & 0xff))) >>> 0;
}

export interface TcReply extends Required<TcMsg> {
  kind: string;
  attrs: AttrSet;
}

export function parseTcMsg(msg: NlMessage): TcReply {
  const p = msg.payload;
  const attrs = parseAttrs(p.subarray(TCMSG_LEN));
  return {
    ifindex: readI32(p, 4), handle: readU32(p, 8), parent: readU32(p, 12), info: readU32(p, 16),
    kind: attrs.string(TCA.KIND) ?? "", attrs,
  };
}
