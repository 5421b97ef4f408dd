// The host end's VLANs on the bridge: set by ADD as Go's setupVeth does, compared by CHECK
// (Go's CHECK does not look at them) with what the config asks for.
import { link, NetnsId, CniError, some, hostErrorToCni, internalError } from "@wasm-cni/sdk";
import { BridgeConf } from "./config";
import { E_PORT_VLANS, E_DEFAULT_VLAN, E_READ_PORT_VLANS, E_VLAN_MISSING, E_VLAN_EXTRA, E_VLAN_FLAGS } from "./errors";

/** BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED, as one set of flags per VLAN. */
const PVID: u8 = 1;
const UNTAGGED: u8 = 2;

/** True when the config makes the port filter VLANs (an access or a trunk port). */
export function hasPortVlans(conf: BridgeConf): bool {
  return conf.vlan != 0 || conf.vlanTrunk.length > 0;
}

/**
 * The port's native VLAN (PVID, untagged), as Go since v1.8.0: `vlan`, or VLAN 1 on a trunk
 * port without one; 0 for none.
 */
export function nativeVlan(conf: BridgeConf): u16 {
  if (conf.vlan != 0) return conf.vlan;
  return conf.vlanTrunk.length > 0 ? 1 : 0;
}

/**
 * The port's VLANs, as Go's setupVeth: VLAN 1 removed first unless preserveDefaultVlan, then
 * the trunk's tagged VLANs (one request per range where Go sends one per id; none for the
 * `<bridge>.<vlan>` gateway's port, `withTrunk` false, as Go), then the native VLAN. The native
 * one goes last so that it stays PVID and untagged when the trunk names it too (the kernel
 * replaces a VLAN's flags; Go adds `vlan` first and would leave it tagged only).
 * Equivalent to: `bridge vlan del dev $port vid 1; bridge vlan add dev $port vid $min-$max;
 * bridge vlan add dev $port vid $native pvid untagged`
 */
export function setupPortVlans(host: NetnsId, port: string, conf: BridgeConf, withTrunk: bool = true): CniError | null {
  if (!hasPortVlans(conf)) return null;
  if (!conf.preserveDefaultVlan) {
    const one = new link.PortVlan();
    one.id = 1;
    const d = link.removePortVlans(host, port, [one]);
    if (d.isErr) return hostErrorToCni(d.error, E_DEFAULT_VLAN + port);
  }
  const vlans: link.PortVlan[] = [];
  for (let i = 0; withTrunk && i < conf.vlanTrunk.length; i++) {
    const r = conf.vlanTrunk[i];
    const t = new link.PortVlan();
    t.id = r.first;
    if (r.last != r.first) t.last = some<u16>(r.last);
    vlans.push(t);
  }
  const native = withTrunk ? nativeVlan(conf) : conf.vlan;
  if (native != 0) {
    const access = new link.PortVlan();
    access.id = native;
    access.pvid = true;
    access.untagged = true;
    vlans.push(access);
  }
  const a = link.addPortVlans(host, port, vlans);
  return a.isErr ? hostErrorToCni(a.error, E_PORT_VLANS + port) : null;
}

/** CHECK: the port carries exactly the VLANs ADD gave it (VLAN 1 may stay with preserveDefaultVlan). */
export function checkPortVlans(host: NetnsId, port: string, conf: BridgeConf): CniError | null {
  if (!hasPortVlans(conf)) return null;
  const r = link.portVlans(host, port);
  if (r.isErr) return hostErrorToCni(r.error, E_READ_PORT_VLANS + port);
  const problem = portVlanMismatch(conf, r.value);
  return problem != null ? internalError(port + problem) : null;
}

/**
 * What is wrong with a port's VLANs (as link.portVlans lists them) for this config, or null:
 * the text after the port's name.
 */
export function portVlanMismatch(conf: BridgeConf, have: link.PortVlan[]): string | null {
  const got = new Map<u16, u8>();
  for (let i = 0; i < have.length; i++) {
    const v = have[i];
    const last = v.last != null ? v.last!.value : v.id;
    const flags = (v.pvid ? PVID : 0) | (v.untagged ? UNTAGGED : 0);
    for (let id: u32 = v.id; id <= last; id++) got.set(<u16>id, flags);
  }
  const want = new Map<u16, u8>();
  for (let i = 0; i < conf.vlanTrunk.length; i++) {
    const r = conf.vlanTrunk[i];
    for (let id: u32 = r.first; id <= r.last; id++) want.set(<u16>id, 0);
  }
  const native = nativeVlan(conf);
  if (native != 0) want.set(native, PVID | UNTAGGED); // after the trunk: it wins, as in ADD
  const ids = want.keys();
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!got.has(id)) return E_VLAN_MISSING + describe(id, want.get(id));
    if (got.get(id) != want.get(id)) return E_VLAN_FLAGS + describe(id, got.get(id)) + ", the config " + describe(id, want.get(id));
  }
  const extra = got.keys();
  for (let i = 0; i < extra.length; i++) {
    const id = extra[i];
    if (!want.has(id) && !(id == 1 && conf.preserveDefaultVlan)) return E_VLAN_EXTRA + describe(id, got.get(id));
  }
  return null;
}

/** "vid 100 pvid untagged", as `bridge vlan` spells it. */
function describe(id: u16, flags: u8): string {
  let s = "vid " + id.toString();
  if (flags & PVID) s += " pvid";
  if (flags & UNTAGGED) s += " untagged";
  return s;
}
