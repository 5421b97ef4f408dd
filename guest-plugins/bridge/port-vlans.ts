// The host end's VLANs on the bridge: set by ADD as Go's setupVeth does, compared by CHECK
// (Go's CHECK does not look at them) with what the config asks for.
import { link, NetnsId, Unit, Done, done, fail, some, hostErrorToCni, internalError } from "@wasm-cni/sdk";
import { BridgeConf } from "./config";

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
export function setupPortVlans(host: NetnsId, port: string, conf: BridgeConf, withTrunk: bool = true): Done {
  if (!hasPortVlans(conf)) return done();
  if (!conf.preserveDefaultVlan) {
    const one = new link.PortVlan();
    one.id = 1;
    const d = link.removePortVlans(host, port, [one]);
    if (d.isErr) return fail<Unit>(hostErrorToCni(d.error, "failed to remove default vlan on interface " + port));
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
  return a.isErr ? fail<Unit>(hostErrorToCni(a.error, "failed to setup vlan tag on interface " + port)) : done();
}

/** CHECK: the port carries exactly the VLANs ADD gave it (VLAN 1 may stay with preserveDefaultVlan). */
export function checkPortVlans(host: NetnsId, port: string, conf: BridgeConf): Done {
  if (!hasPortVlans(conf)) return done();
  const r = link.portVlans(host, port);
  if (r.isErr) return fail<Unit>(hostErrorToCni(r.error, "failed to read the vlans of " + port));
  const problem = portVlanMismatch(conf, r.value);
  return problem != null ? fail<Unit>(internalError(port + " " + problem)) : done();
}

/**
 * What is wrong with a port's VLANs (as link.portVlans lists them) for this config, or null:
 * the predicate after the port's name ("does not carry the config's vid 5").
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
    if (!got.has(id)) return "does not carry the config's " + describe(id, want.get(id));
    if (got.get(id) != want.get(id)) return "carries " + describe(id, got.get(id)) + ", the config " + describe(id, want.get(id));
  }
  const extra = got.keys();
  for (let i = 0; i < extra.length; i++) {
    const id = extra[i];
    if (!want.has(id) && !(id == 1 && conf.preserveDefaultVlan)) return "carries a vlan the config does not name: " + describe(id, got.get(id));
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
