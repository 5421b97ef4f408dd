// Attributes of an ipvlan device (IFLA_IPVLAN_*, linux/if_link.h; drivers/net/ipvlan).
import { type Attr, nestedAttr, stringAttr, u16Attr } from "../../nl/attr";
import { IFLA, IFLA_INFO } from "../ifinfo";

const IFLA_IPVLAN = { MODE: 1, FLAGS: 2 } as const;

/** enum ipvlan_mode. */
export const IPVLAN_MODE = { l2: 0, l3: 1, l3s: 2 } as const;
export type IpvlanMode = keyof typeof IPVLAN_MODE;

/** IPVLAN_F_PRIVATE / IPVLAN_F_VEPA; bridge is no flag. */
export const IPVLAN_ISOLATION = { bridge: 0, private: 1, vepa: 2 } as const;
export type IpvlanIsolation = keyof typeof IPVLAN_ISOLATION;

export interface IpvlanOptions {
  mode: IpvlanMode;
  isolation: IpvlanIsolation;
}

/** IFLA_LINKINFO { kind "ipvlan", data { MODE u16, FLAGS u16 } }. */
export function ipvlanLinkInfo(o: IpvlanOptions): Attr {
  return nestedAttr(IFLA.LINKINFO, [
    stringAttr(IFLA_INFO.KIND, "ipvlan", false),
    nestedAttr(IFLA_INFO.DATA, [u16Attr(IFLA_IPVLAN.MODE, IPVLAN_MODE[o.mode]), u16Attr(IFLA_IPVLAN.FLAGS, IPVLAN_ISOLATION[o.isolation])]),
  ]);
}
