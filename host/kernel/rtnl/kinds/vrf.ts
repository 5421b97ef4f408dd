// Attributes of a VRF device (IFLA_VRF_*, linux/if_link.h; drivers/net/vrf.c): its routing table.
import { type Attr, type AttrSet, nestedAttr, stringAttr, u32Attr } from "../../nl/attr";
import { IFLA, IFLA_INFO } from "../ifinfo";

const IFLA_VRF_TABLE = 1;

export interface VrfOptions {
  /** The routing table the VRF's enslaved links use. */
  table: number;
}

/** IFLA_LINKINFO { kind "vrf", data { TABLE u32 } }. Equivalent to: `ip link add $name type vrf table $table` */
export function vrfLinkInfo(o: VrfOptions): Attr {
  return nestedAttr(IFLA.LINKINFO, [stringAttr(IFLA_INFO.KIND, "vrf", false), nestedAttr(IFLA_INFO.DATA, [u32Attr(IFLA_VRF_TABLE, o.table)])]);
}

/** The table of a VRF the kernel reports (IFLA_INFO_DATA). */
export function parseVrfData(data: AttrSet): { vrfTable?: number } {
  const table = data.u32(IFLA_VRF_TABLE);
  return table !== undefined ? { vrfTable: table } : {};
}
