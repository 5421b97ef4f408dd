// Attributes of a macvlan device (IFLA_MACVLAN_*, linux/if_link.h; drivers/net/macvlan.c).
import { type Attr, type AttrSet, nestedAttr, stringAttr, u32Attr } from "../../nl/attr";
import { IFLA, IFLA_INFO } from "../ifinfo";

const IFLA_MACVLAN = { MODE: 1, BC_QUEUE_LEN: 7 } as const;

/** enum macvlan_mode. */
export const MACVLAN_MODE = { private: 1, vepa: 2, bridge: 4, passthru: 8, source: 16 } as const;
export type MacvlanMode = keyof typeof MACVLAN_MODE;

export interface MacvlanOptions {
  mode: MacvlanMode;
  /** Broadcast queue length; absent: the kernel's default (1000). */
  bcQueueLen?: number;
}

/** IFLA_LINKINFO { kind "macvlan", data { [BC_QUEUE_LEN], MODE } } (iproute2 puts the mode last). */
export function macvlanLinkInfo(o: MacvlanOptions): Attr {
  const data: Attr[] = [];
  if (o.bcQueueLen !== undefined) data.push(u32Attr(IFLA_MACVLAN.BC_QUEUE_LEN, o.bcQueueLen));
  data.push(u32Attr(IFLA_MACVLAN.MODE, MACVLAN_MODE[o.mode]));
  return nestedAttr(IFLA.LINKINFO, [stringAttr(IFLA_INFO.KIND, "macvlan", false), nestedAttr(IFLA_INFO.DATA, data)]);
}

/** The mode of a macvlan the kernel reports (IFLA_INFO_DATA); undefined for a value we have no name for. */
export function parseMacvlanData(data: AttrSet): { macvlanMode?: MacvlanMode } {
  const v = data.u32(IFLA_MACVLAN.MODE);
  const mode = (Object.keys(MACVLAN_MODE) as MacvlanMode[]).find((m) => MACVLAN_MODE[m] === v);
  return mode !== undefined ? { macvlanMode: mode } : {};
}
