// Attributes of a VXLAN device (IFLA_VXLAN_*, linux/if_link.h; drivers/net/vxlan): an overlay's
// tunnel endpoint (VTEP).
import { type Attr, type AttrSet, bytesAttr, nestedAttr, stringAttr, u32Attr, u8Attr } from "../../nl/attr";
import { IFLA, IFLA_INFO } from "../ifinfo";
import { formatIp, parseIp } from "../inet";

const IFLA_VXLAN = { ID: 1, LINK: 3, LOCAL: 4, LEARNING: 7, PORT: 15, LOCAL6: 17 } as const;

/** The highest VXLAN network identifier (24 bits). */
export const VXLAN_VNI_MAX = 0xffffff;

export interface VxlanOptions {
  /** The VXLAN network identifier (IFLA_VXLAN_ID), 0-16777215. */
  vni: number;
  /** The UDP destination port (IFLA_VXLAN_PORT, sent in network byte order). */
  port: number;
  /** The local underlay address (IFLA_VXLAN_LOCAL or LOCAL6); absent: the kernel picks. */
  local?: string;
  /** The underlay link's ifindex (IFLA_VXLAN_LINK), in the netns the request is sent in; absent: any. */
  underlayIndex?: number;
  /** Learn remote MACs from received packets (IFLA_VXLAN_LEARNING). */
  learning: boolean;
}

/** A VXLAN device's attributes as the kernel reports them. */
export interface VxlanData {
  vni: number;
  port: number;
  /** "" when the device has no local address. */
  local: string;
  /** 0 when the device has no underlay link. */
  underlayIndex: number;
  learning: boolean;
}

/**
 * IFLA_LINKINFO { kind "vxlan", data { [LINK], ID, [LOCAL|LOCAL6], LEARNING, PORT } }, in
 * iproute2's order. Equivalent to: `ip link add $name type vxlan id $vni [local $local] [dev $underlay] dstport $port [no]learning`
 */
export function vxlanLinkInfo(o: VxlanOptions): Attr {
  const data: Attr[] = [];
  if (o.underlayIndex !== undefined) data.push(u32Attr(IFLA_VXLAN.LINK, o.underlayIndex));
  data.push(u32Attr(IFLA_VXLAN.ID, o.vni));
  if (o.local !== undefined) {
    const ip = parseIp(o.local);
    data.push(bytesAttr(ip.family === 4 ? IFLA_VXLAN.LOCAL : IFLA_VXLAN.LOCAL6, ip.bytes));
  }
  data.push(u8Attr(IFLA_VXLAN.LEARNING, o.learning ? 1 : 0));
  data.push(bytesAttr(IFLA_VXLAN.PORT, Uint8Array.of(o.port >> 8, o.port & 0xff)));
  return nestedAttr(IFLA.LINKINFO, [stringAttr(IFLA_INFO.KIND, "vxlan", false), nestedAttr(IFLA_INFO.DATA, data)]);
}

/** A VXLAN device's VNI, port, local address, underlay and learning (IFLA_INFO_DATA). */
export function parseVxlanData(data: AttrSet): { vxlan?: VxlanData } {
  const vni = data.u32(IFLA_VXLAN.ID);
  if (vni === undefined) return {};
  const port = data.get(IFLA_VXLAN.PORT);
  const local = data.get(IFLA_VXLAN.LOCAL) ?? data.get(IFLA_VXLAN.LOCAL6);
  return {
    vxlan: {
      vni,
      port: port !== undefined && port.length >= 2 ? (port[0]! << 8) | port[1]! : 0,
      local: local !== undefined && (local.length === 4 || local.length === 16) ? formatIp(local) : "",
      underlayIndex: data.u32(IFLA_VXLAN.LINK) ?? 0,
      learning: (data.u8(IFLA_VXLAN.LEARNING) ?? 0) !== 0,
    },
  };
}
