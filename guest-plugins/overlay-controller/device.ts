// The node's VXLAN device (its VTEP), as Flannel's vxlan backend makes it: vni, port, local
// underlay address and underlay link, learning off, MTU underlay - 50, the MAC the agent chose,
// up, holding the network address of each of the node's subnets as a host prefix. A device
// whose tunnel attributes or addresses differ is made again (the kernel cannot change a vxlan's
// vni, port or local address in place); MTU, MAC and up are set in place.
import {
  link, addr, log, NetnsId, Family, IP, IPNet, Unit, Done, done, fail, some, internalError, hostErrorToCni, wrapCniError, isGone,
  NodeView, subnetAddress, delLinkIgnoringGone, difference,
} from "@wasm-cni/sdk";

/** The device as it should be. */
export class VtepSpec {
  constructor(
    public name: string, public vni: u32, public port: u16, public local: IP, public underlay: string,
    public mtu: u32, public mac: string,
  ) {}
}

/** Equivalent to: `ip link add $name type vxlan id $vni dstport $port local $local dev $underlay nolearning` */
function create(ns: NetnsId, s: VtepSpec): Done {
  const attrs = new link.VxlanAttrs();
  attrs.vni = s.vni;
  attrs.port = s.port;
  attrs.local = s.local.toString();
  attrs.underlay = s.underlay;
  attrs.learning = false;
  const spec = new link.LinkSpec();
  spec.name = s.name;
  spec.mtu = some<u32>(s.mtu);
  spec.mac = s.mac;
  spec.kind = link.LinkKind.vxlan(attrs);
  const c = link.create(ns, spec);
  return c.isErr ? fail<Unit>(hostErrorToCni(c.error, "failed to create vxlan device " + s.name)) : done();
}

/** True when the kernel's vxlan attributes are the spec's. */
function tunnelMatches(l: link.LinkInfo, s: VtepSpec): bool {
  const v = l.vxlan;
  if (v == null || v.vni != s.vni || v.port != s.port || v.learning) return false;
  const local = v.local, under = v.underlay;
  if (local == null || under == null || under != s.underlay) return false;
  const ip = IP.parse(local);
  return ip != null && ip.equals(s.local);
}

/** The device's addresses other than link-local ones (the kernel's own fe80::/64). */
function ownAddrs(ns: NetnsId, name: string): string[] {
  const out: string[] = [];
  const l = addr.list(ns, name, Family.ALL);
  if (l.isErr) return out;
  for (let i = 0; i < l.value.length; i++) {
    const n = IPNet.parse(l.value[i].cidr);
    if (n != null && !n.ip.isLinkLocalUnicast()) out.push(n.toString());
  }
  return out;
}

/**
 * Makes the device exactly `s`, up, with the network address of each of `view`'s subnets.
 * Equivalent to: `ip link set $name mtu $mtu address $mac up; ip addr add 10.244.1.0/32 dev $name`
 */
export function ensureDevice(ns: NetnsId, s: VtepSpec, view: NodeView): Done {
  const want: string[] = [];
  for (let i = 0; i < view.subnets.length; i++) want.push(subnetAddress(view.subnets[i]).toString());
  const g = link.get(ns, s.name);
  if (g.isErr && !isGone(g.error)) return fail<Unit>(hostErrorToCni(g.error, "failed to read " + s.name));
  let made = false;
  if (g.isOk) {
    const l = g.value;
    if (l.kind != "vxlan") return fail<Unit>(internalError("link " + s.name + " exists and is a " + (l.kind.length > 0 ? l.kind : "device without a kind") + ", not a vxlan device"));
    const stale = difference(ownAddrs(ns, s.name), want);
    if (!tunnelMatches(l, s) || stale.length > 0) {
      const d = delLinkIgnoringGone(ns, s.name);
      if (d.isErr) {
        const why = stale.length > 0 ? "holds " + stale.join(", ") : "has other tunnel attributes (vni, port, local address, underlay link or learning)";
        return fail<Unit>(wrapCniError(d.error, "vxlan device " + s.name + " " + why + " and must be made again"));
      }
      made = true;
    }
  } else {
    made = true;
  }
  if (made) {
    const c = create(ns, s);
    if (c.isErr) return c;
  }
  const e = setUp(ns, s);
  if (e.isErr) return e;
  const missing = difference(want, made ? [] : ownAddrs(ns, s.name));
  const opts = new addr.AddrOptions(); // no DAD: the address is usable at once
  for (let i = 0; i < missing.length; i++) {
    const a = addr.add(ns, s.name, missing[i], opts);
    if (a.isErr) return fail<Unit>(hostErrorToCni(a.error, "failed to add " + missing[i] + " to " + s.name));
  }
  return done();
}

/** MTU, MAC and up, set only where the kernel's differ. */
function setUp(ns: NetnsId, s: VtepSpec): Done {
  const g = link.get(ns, s.name);
  if (g.isErr) return fail<Unit>(hostErrorToCni(g.error, "failed to read " + s.name));
  const l = g.value;
  const ch = new link.LinkChange();
  let any = false;
  if (l.mtu != s.mtu) { ch.mtu = some<u32>(s.mtu); any = true; }
  if (l.mac != s.mac) { ch.mac = s.mac; any = true; }
  if (!l.up) { ch.up = some<bool>(true); any = true; }
  if (!any) return done();
  const r = link.set(ns, s.name, ch);
  return r.isErr ? fail<Unit>(hostErrorToCni(r.error, "failed to set up " + s.name)) : done();
}

/**
 * Deletes the vxlan devices this controller made under another VNI (named `wcni.<vni>`, marked
 * by the host as a wasm-cni link): what an options change left behind. Their routes have moved
 * to the new device already. A host that refuses (it may keep a reconcile from deleting a link
 * an earlier one made, as it could not recreate it on rollback) gets the device taken down
 * instead (it then carries nothing), with a warning.
 */
export function removeStaleDevices(ns: NetnsId, keep: string): Done {
  const l = link.list(ns);
  if (l.isErr) return fail<Unit>(hostErrorToCni(l.error, "failed to list links"));
  for (let i = 0; i < l.value.length; i++) {
    const x = l.value[i];
    if (x.kind != "vxlan" || x.name == keep || !x.name.startsWith("wcni.") || !x.alias.startsWith("wasm-cni:")) continue;
    const d = link.del(ns, x.name);
    if (d.isOk || isGone(d.error)) continue;
    if (!d.error.isDenied) return fail<Unit>(hostErrorToCni(d.error, "failed to delete the stale vxlan device " + x.name));
    if (!x.up) continue; // left down by an earlier reconcile, and warned about then
    const down = new link.LinkChange();
    down.up = some<bool>(false);
    const r = link.set(ns, x.name, down);
    if (r.isErr) return fail<Unit>(hostErrorToCni(r.error, "failed to take the stale vxlan device " + x.name + " down"));
    log.write(log.Level.WARN, "stale vxlan device " + x.name + " taken down, not deleted (" + d.error.denied + "); delete it by hand");
  }
  return done();
}
