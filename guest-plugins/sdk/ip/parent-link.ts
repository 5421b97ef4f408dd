// Links on a parent (macvlan, ipvlan, vlan), like the Go plugins' createMacvlan, createIpvlan and
// createVlan, in one request: the link is made as CNI_IFNAME directly in the container netns on
// its parent in the host netns (or, with linkInContainer, in the container netns). Go makes it
// under a random name in the host netns, moves it and renames it; a plugin has no randomness,
// and one request leaves nothing behind in the host netns when it fails.
import { link, route, NetnsId, CniError, Family } from "../bindings/index";
import { Result, ok, some } from "../abi/index";
import { fail, internalError, hostErrorToCni } from "../types/index";
import { IPNet } from "../netip/index";
import { hostNetns } from "../ns/index";

/**
 * The link of the first default route of `ns` (IPv4 routes first), the master Go picks when
 * the config names none. Equivalent to: `ip route show default | awk '{print $5; exit}'`
 */
export function defaultRouteLink(ns: NetnsId): Result<string, CniError> {
  const r = route.list(ns, Family.ALL, false);
  if (r.isErr) return fail<string>(hostErrorToCni(r.error, "failed to list routes"));
  for (let i = 0; i < r.value.length; i++) {
    const rt = r.value[i];
    const dst = IPNet.parse(rt.dst);
    const dev = rt.dev;
    if (dst != null && dst.prefix == 0 && dev != null) return ok<string, CniError>(dev);
  }
  return fail<string>(internalError("no default route interface found"));
}

/**
 * The parent as the kernel has it, with `mtu` checked against its MTU (0: the parent's), as
 * the Go plugins' loadConf does: "invalid MTU 9000, must be [0, master MTU(1500)]".
 */
export function lookupParent(ns: NetnsId, parent: string, mtu: u32): Result<link.LinkInfo, CniError> {
  const r = link.get(ns, parent);
  if (r.isErr) return fail<link.LinkInfo>(hostErrorToCni(r.error, "failed to lookup master \"" + parent + "\""));
  if (mtu > r.value.mtu) return fail<link.LinkInfo>(internalError(mtuTooBig(mtu, r.value.mtu)));
  return ok<link.LinkInfo, CniError>(r.value);
}

/**
 * Creates `ifname` of `kind` in `ns` (the parent's netns is in the kind's attributes); `mtu` 0
 * and `mac` "" leave the kernel's defaults. The link stays down. `what` names the kind in errors.
 * Equivalent to: `ip link add link $parent name $ifname netns $ns [mtu $mtu] [address $mac] type $what ...`
 */
export function createLink(ns: NetnsId, ifname: string, mtu: u32, mac: string, kind: link.LinkKind, what: string): Result<link.LinkInfo, CniError> {
  const spec = new link.LinkSpec();
  spec.name = ifname;
  spec.mtu = mtu > 0 ? some<u32>(mtu) : null;
  spec.mac = mac.length > 0 ? mac : null;
  spec.kind = kind;
  const r = link.create(ns, spec);
  return r.isOk ? ok<link.LinkInfo, CniError>(r.value) : fail<link.LinkInfo>(hostErrorToCni(r.error, "failed to create " + what));
}

/** "invalid MTU 9000, must be [0, master MTU(1500)]", as the Go plugins' loadConf says it. */
export function mtuTooBig(mtu: u32, parentMtu: u32): string {
  return "invalid MTU " + mtu.toString() + ", must be [0, master MTU(" + parentMtu.toString() + ")]";
}

/** Where a new link's parent is, and the parent as the kernel has it. */
export class Parent {
  /** The parent's netns, its name, and the parent as link.get read it. */
  constructor(public ns: NetnsId, public name: string, public info: link.LinkInfo) {}
}

/**
 * The parent of a macvlan, ipvlan or vlan: `master` (or, when "", the link of the default
 * route) in the host netns, or in the container netns `cns` with linkInContainer; `mtu` checked
 * against its MTU.
 */
export function findParent(cns: NetnsId, master: string, inContainer: bool, mtu: u32): Result<Parent, CniError> {
  let ns = cns;
  if (!inContainer) {
    const h = hostNetns();
    if (h.isErr) return h.pass<Parent>();
    ns = h.value;
  }
  let name = master;
  if (name.length == 0) {
    const d = defaultRouteLink(ns);
    if (d.isErr) return d.pass<Parent>();
    name = d.value;
  }
  const info = lookupParent(ns, name, mtu);
  if (info.isErr) return info.pass<Parent>();
  return ok<Parent, CniError>(new Parent(ns, name, info.value));
}
