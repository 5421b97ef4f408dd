// Attributes of an 802.1Q VLAN device (IFLA_VLAN_*, linux/if_link.h; net/8021q).
import { type Attr, type AttrSet, nestedAttr, stringAttr, u16Attr } from "../../nl/attr";
import { IFLA, IFLA_INFO } from "../ifinfo";

const IFLA_VLAN_ID = 1;

/** The highest VLAN id a device may have (4095 is reserved). */
export const VLAN_ID_MAX = 4094;

export interface VlanOptions {
  id: number;
}

/** IFLA_LINKINFO { kind "vlan", data { ID u16 } }. */
export function vlanLinkInfo(o: VlanOptions): Attr {
  return nestedAttr(IFLA.LINKINFO, [stringAttr(IFLA_INFO.KIND, "vlan", false), nestedAttr(IFLA_INFO.DATA, [u16Attr(IFLA_VLAN_ID, o.id)])]);
}

/** The id of a VLAN device the kernel reports (IFLA_INFO_DATA; it also sends the protocol and flags). */
export function parseVlanData(data: AttrSet): { vlanId?: number } {
  const id = data.u16(IFLA_VLAN_ID);
  return id !== undefined ? { vlanId: id } : {};
}
