// Attributes of an ipvlan device (IFLA_IPVLAN_*, linux/if_link.h; drivers/net/ipvlan).
import { type Attr, type AttrSet, nestedAttr, stringAttr, u16Attr } from "../../nl/attr";
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

/** Mode and isolation of an ipvlan the kernel reports (IFLA_INFO_DATA); a value we have no name for is left out. */
export function parseIpvlanData(data: AttrSet): { ipvlanMode?: IpvlanMode; ipvlanIsolation?: IpvlanIsolation } {
  const mode = (Object.keys(IPVLAN_MODE) as IpvlanMode[]).find((m) => IPVLAN_MODE[m] === data.u16(IFLA_IPVLAN.MODE));
  const flags = data.u16(IFLA_IPVLAN.FLAGS);
  const isolation = (Object.keys(IPVLAN_ISOLATION) as IpvlanIsolation[]).find((i) => IPVLAN_ISOLATION[i] === flags);
  return { ...(mode !== undefined && { ipvlanMode: mode }), ...(isolation !== undefined && { ipvlanIsolation: isolation }) };
}
