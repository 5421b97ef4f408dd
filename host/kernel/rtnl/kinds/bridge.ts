// Attributes of a bridge (IFLA_BR_*) and of a bridge port (IFLA_BRPORT_*, linux/if_link.h).
import { type Attr, type AttrSet, NLA_F_NESTED, nestedAttr, stringAttr, u8Attr } from "../../nl/attr";
import { IFLA, IFLA_INFO } from "../ifinfo";

const IFLA_BR_VLAN_FILTERING = 7;

const IFLA_BRPORT = { MODE: 4, LEARNING: 8, ISOLATED: 33 } as const;

export interface BridgeOptions {
  name: string;
  mtu?: number;
  mac?: string;
  /** Only sent when given: this machine's kernel has no VLAN filtering. */
  vlanFiltering?: boolean;
}

/** IFLA_LINKINFO { kind "bridge", data { IFLA_BR_* } }. */
export function bridgeLinkInfo(o: BridgeOptions): Attr {
  const data: Attr[] = [];
  if (o.vlanFiltering !== undefined) data.push(u8Attr(IFLA_BR_VLAN_FILTERING, o.vlanFiltering ? 1 : 0));
  const info = [stringAttr(IFLA_INFO.KIND, "bridge", false)];
  if (data.length > 0) info.push(nestedAttr(IFLA_INFO.DATA, data));
  return nestedAttr(IFLA.LINKINFO, info);
}

/** VLAN filtering of a bridge the kernel reports (IFLA_INFO_DATA holds every IFLA_BR_*). */
export function parseBridgeData(data: AttrSet): { vlanFiltering?: boolean } {
  const v = data.u8(IFLA_BR_VLAN_FILTERING);
  return v !== undefined ? { vlanFiltering: v !== 0 } : {};
}

/** Per-port flags; absent ones are left as they are. */
export interface BridgePortFlags {
  /** IFLA_BRPORT_MODE: send frames back out of the port they came in on. */
  hairpin?: boolean;
  learning?: boolean;
  isolated?: boolean;
}

/** A bridge port's flags as the kernel reports them (IFLA_INFO_SLAVE_DATA of a port's link). */
export function parseBridgePortData(data: AttrSet): BridgePortFlags {
  const flag = (type: number): boolean | undefined => {
    const v = data.u8(type);
    return v === undefined ? undefined : v !== 0;
  };
  const hairpin = flag(IFLA_BRPORT.MODE), learning = flag(IFLA_BRPORT.LEARNING), isolated = flag(IFLA_BRPORT.ISOLATED);
  return { ...(hairpin !== undefined && { hairpin }), ...(learning !== undefined && { learning }), ...(isolated !== undefined && { isolated }) };
}

/** IFLA_PROTINFO (nested) with the given IFLA_BRPORT_* flags, for an AF_BRIDGE RTM_SETLINK. */
export function bridgePortProtinfo(f: BridgePortFlags): Attr {
  const attrs: Attr[] = [];
  if (f.hairpin !== undefined) attrs.push(u8Attr(IFLA_BRPORT.MODE, f.hairpin ? 1 : 0));
  if (f.learning !== undefined) attrs.push(u8Attr(IFLA_BRPORT.LEARNING, f.learning ? 1 : 0));
  if (f.isolated !== undefined) attrs.push(u8Attr(IFLA_BRPORT.ISOLATED, f.isolated ? 1 : 0));
  return nestedAttr(IFLA.PROTINFO | NLA_F_NESTED, attrs);
}
