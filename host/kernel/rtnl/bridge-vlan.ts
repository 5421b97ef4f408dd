// VLANs of a bridge port (`bridge vlan add|del|show`): an AF_BRIDGE RTM_SETLINK or RTM_DELLINK
// of the port with IFLA_AF_SPEC { IFLA_BRIDGE_VLAN_INFO { struct bridge_vlan_info } }, a range
// as two of them (RANGE_BEGIN, RANGE_END), as iproute2's bridge/vlan.c sends it (no
// IFLA_BRIDGE_FLAGS: the kernel then acts on the port, as `master` would); listed by an
// AF_BRIDGE RTM_GETLINK dump with IFLA_EXT_MASK RTEXT_FILTER_BRVLAN, whose replies carry the
// same IFLA_AF_SPEC.
import { type Attr, bytesAttr, nestedAttr, parseAttrs, u32Attr } from "../nl/attr";
import { readI32, readU16 } from "../nl/bytes";
import { NLM_F } from "../nl/header";
import type { NlMessage } from "../nl/message";
import type { RtnlHandle } from "./handle";
import { IFINFOMSG_LEN, IFLA, ifInfoMsg } from "./ifinfo";
import { type LinkRef, linkIndex, linkLabel } from "./link";
import { AF, RTM } from "./message-types";

const IFLA_AF_SPEC = 26;
const IFLA_BRIDGE_VLAN_INFO = 2;
/** IFLA_EXT_MASK bits (linux/rtnetlink.h): every VLAN of every port, one entry each. */
const RTEXT_FILTER_BRVLAN = 1 << 1;

/** BRIDGE_VLAN_INFO_* (linux/if_bridge.h). */
export const BRIDGE_VLAN_INFO = { MASTER: 0x1, PVID: 0x2, UNTAGGED: 0x4, RANGE_BEGIN: 0x8, RANGE_END: 0x10 } as const;

/** The highest VLAN id a port can carry (4095 is reserved, 0 means "no VLAN"). */
export const BRIDGE_VID_MAX = 4094;

/** One VLAN, or the range id..last, on a bridge port. */
export interface PortVlan {
  id: number;
  /** The last id of a range; absent: the one VLAN `id`. */
  last?: number;
  /** Untagged frames entering the port belong to this VLAN; not with a range. */
  pvid?: boolean;
  /** Frames of this VLAN leave the port untagged. */
  untagged?: boolean;
}

/** Why `v` cannot be sent (the kernel's own rules, said before asking it), or null. */
export function portVlanProblem(v: PortVlan): string | null {
  const ok = (n: number) => Number.isInteger(n) && n >= 1 && n <= BRIDGE_VID_MAX;
  if (!ok(v.id)) return `VLAN id ${v.id} is out of range (1-${BRIDGE_VID_MAX})`;
  if (v.last === undefined) return null;
  if (!ok(v.last)) return `VLAN id ${v.last} is out of range (1-${BRIDGE_VID_MAX})`;
  if (v.last <= v.id) return `VLAN range ${v.id}-${v.last} must end above its start`;
  if (v.pvid) return `VLAN range ${v.id}-${v.last} cannot be the PVID (only one VLAN can)`;
  return null;
}

/** `100`, `300-399`, with ` pvid` and ` untagged` as iproute2 spells them. */
export function formatPortVlan(v: PortVlan): string {
  return `vid ${v.id}${v.last !== undefined ? `-${v.last}` : ""}${v.pvid ? " pvid" : ""}${v.untagged ? " untagged" : ""}`;
}

function vlanInfo(flags: number, vid: number): Attr {
  const b = new Uint8Array(4);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, flags, true);
  dv.setUint16(2, vid, true);
  return bytesAttr(IFLA_BRIDGE_VLAN_INFO, b);
}

/** IFLA_AF_SPEC with the one VLAN or the range (begin, end) of `v`. */
export function portVlanAfSpec(v: PortVlan): Attr {
  const flags = (v.pvid ? BRIDGE_VLAN_INFO.PVID : 0) | (v.untagged ? BRIDGE_VLAN_INFO.UNTAGGED : 0);
  const infos = v.last === undefined
    ? [vlanInfo(flags, v.id)]
    : [vlanInfo(flags | BRIDGE_VLAN_INFO.RANGE_BEGIN, v.id), vlanInfo(flags | BRIDGE_VLAN_INFO.RANGE_END, v.last)];
  return nestedAttr(IFLA_AF_SPEC, infos);
}

function send(h: RtnlHandle, type: number, verb: string, port: LinkRef, v: PortVlan): void {
  const problem = portVlanProblem(v);
  if (problem !== null) throw new RangeError(problem);
  const body = ifInfoMsg({ family: AF.BRIDGE, index: linkIndex(port) });
  h.request({ type, flags: 0, body, attrs: [portVlanAfSpec(v)] }, `bridge vlan ${verb} dev ${linkLabel(port)} ${formatPortVlan(v)}`, linkLabel(port));
}

/** Equivalent to: `bridge vlan add dev $port vid $id[-$last] [pvid] [untagged]` */
export function bridgeVlanAdd(h: RtnlHandle, port: LinkRef, v: PortVlan): void {
  send(h, RTM.SETLINK, "add", port, v);
}

/** Equivalent to: `bridge vlan del dev $port vid $id[-$last] [pvid] [untagged]` */
export function bridgeVlanDel(h: RtnlHandle, port: LinkRef, v: PortVlan): void {
  send(h, RTM.DELLINK, "del", port, v);
}

/** The AF_BRIDGE link dump asking for every port's VLANs, as `bridge vlan show` sends it. */
export function bridgeVlanDumpRequest() {
  const body = ifInfoMsg({ family: AF.BRIDGE });
  return { type: RTM.GETLINK, flags: NLM_F.DUMP, body, attrs: [u32Attr(IFLA.EXT_MASK, RTEXT_FILTER_BRVLAN)] };
}

/**
 * The VLANs in one AF_BRIDGE RTM_NEWLINK of the dump, by port index; a RANGE_BEGIN entry and
 * the RANGE_END after it become one range (the kernel sends them when asked for compressed
 * lists). No IFLA_AF_SPEC (a kernel without VLAN filtering): no VLANs.
 */
export function parseBridgeVlans(msg: NlMessage): { index: number; vlans: PortVlan[] } | undefined {
  const p = msg.payload;
  if (msg.header.type !== RTM.NEWLINK || p.length < IFINFOMSG_LEN || p[0] !== AF.BRIDGE) return undefined;
  const spec = parseAttrs(p.subarray(IFINFOMSG_LEN)).nested(IFLA_AF_SPEC);
  const vlans: PortVlan[] = [];
  let begin: PortVlan | undefined;
  for (const info of spec?.all(IFLA_BRIDGE_VLAN_INFO) ?? []) {
    if (info.length < 4) continue;
    const flags = readU16(info, 0), vid = readU16(info, 2);
    const v: PortVlan = { id: vid, pvid: (flags & BRIDGE_VLAN_INFO.PVID) !== 0, untagged: (flags & BRIDGE_VLAN_INFO.UNTAGGED) !== 0 };
    if (flags & BRIDGE_VLAN_INFO.RANGE_BEGIN) {
      begin = v;
    } else if (flags & BRIDGE_VLAN_INFO.RANGE_END && begin) {
      vlans.push({ ...begin, last: vid });
      begin = undefined;
    } else {
      vlans.push(v);
    }
  }
  return { index: readI32(p, 4), vlans };
}

/**
 * The VLANs of one bridge port, as the kernel lists them (one entry per VLAN). A port of a
 * bridge that does not filter VLANs, or a link that is no port, has none.
 * Equivalent to: `bridge vlan show dev $port`
 */
export function bridgeVlanList(h: RtnlHandle, port: LinkRef): PortVlan[] {
  const index = linkIndex(port);
  const replies = h.request(bridgeVlanDumpRequest(), `bridge vlan show dev ${linkLabel(port)}`);
  return replies.map(parseBridgeVlans).find((r) => r?.index === index)?.vlans ?? [];
}
