// The attributes a kind reports in IFLA_INFO_DATA that callers compare with a config (what
// `ip -d link show` prints after the kind), read by each kind's own parser.
import type { AttrSet } from "../../nl/attr";
import { parseBridgeData } from "./bridge";
import { type IpvlanIsolation, type IpvlanMode, parseIpvlanData } from "./ipvlan";
import { type MacvlanMode, parseMacvlanData } from "./macvlan";
import { parseVlanData } from "./vlan";
import { parseVrfData } from "./vrf";
import { parseVxlanData, type VxlanData } from "./vxlan";

/** Set only for the link's own kind, and only when the kernel reported it. */
export interface KindData {
  macvlanMode?: MacvlanMode;
  ipvlanMode?: IpvlanMode;
  ipvlanIsolation?: IpvlanIsolation;
  vlanId?: number;
  vlanFiltering?: boolean;
  vrfTable?: number;
  /** A VXLAN device's attributes; its underlay by ifindex (the cap names it). */
  vxlan?: VxlanData;
}

/** IFLA_INFO_DATA of a link of `kind`; {} for a kind we read nothing of, or no data. */
export function parseKindData(kind: string, data: AttrSet | undefined): KindData {
  if (data === undefined) return {};
  switch (kind) {
    case "macvlan":
    case "macvtap":
      return parseMacvlanData(data);
    case "ipvlan":
    case "ipvtap":
      return parseIpvlanData(data);
    case "vlan":
      return parseVlanData(data);
    case "bridge":
      return parseBridgeData(data);
    case "vrf":
      return parseVrfData(data);
    case "vxlan":
      return parseVxlanData(data);
    default:
      return {};
  }
}
