// overlay-controller: the node side of the `overlay` network, Flannel's vxlan backend. One
// VXLAN device per node (device.ts); per peer node a route to each of its pod subnets via the
// subnet's network address (the peer's VTEP address) onlink through the device, a neighbour
// entry for that address and an FDB entry for the peer's VTEP MAC (peers.ts). With
// directRouting, a peer on this node's underlay subnet is routed via its underlay address
// instead, without encapsulation (Flannel's DirectRouting). Pods are on `bridge` with the
// node's subnet; the agent writes that conflist. Capabilities: netns (host), link (vxlan), addr,
// route, neigh, log.
import {
  registerController, route, addr, netns, log, View, Unit, Done, Family, IPNet, IP, NetnsId, fail,
  newCniError, CniErrorCode, hostErrorToCni, readView, warnLeftOut, syncRoutes, subnetAddress,
} from "@wasm-cni/sdk";
export * from "@wasm-cni/sdk/controller-exports";
import { readOptions } from "./options";
import { VtepSpec, ensureDevice, removeStaleDevices } from "./device";
import { Entry, syncNeighbours, syncFdb } from "./peers";

/** VXLAN's overhead on an IPv4 underlay: outer IPv4 20, UDP 8, VXLAN 8, inner Ethernet 14. */
// @ts-ignore: decorator
@lazy const VXLAN_OVERHEAD: u32 = 50;
// @ts-ignore: decorator
@lazy const MIN_MTU: u32 = 68;

function reconcile(view: View): Done {
  const o = readOptions(view.options);
  if (o.isErr) return o.pass<Unit>();
  const opts = o.value;
  const v = readView(view, true);
  if (v.isErr) return v.pass<Unit>();
  const nv = v.value;
  warnLeftOut(nv);
  if (view.underlayMtu < MIN_MTU + VXLAN_OVERHEAD) {
    return fail<Unit>(newCniError(CniErrorCode.INVALID_NETWORK_CONFIG, "invalid cluster view", "underlay MTU " + view.underlayMtu.toString() + " leaves the vxlan device less than 68"));
  }
  const h = netns.host();
  if (h.isErr) return fail<Unit>(hostErrorToCni(h.error, "failed to open the host netns"));
  const ns = h.value;
  const dev = "wcni." + opts.vni.toString();
  const spec = new VtepSpec(dev, opts.vni, opts.port, nv.underlay, view.underlayLink, view.underlayMtu - VXLAN_OVERHEAD, nv.vtepMac);
  let e = ensureDevice(ns, spec, nv);
  if (e.isErr) return e;
  const direct = opts.directRouting ? underlaySubnet(ns, view.underlayLink, nv.underlay) : null;
  const routes: route.RouteInfo[] = [];
  const neighbours: Entry[] = [];
  const fdb: Entry[] = [];
  for (let i = 0; i < nv.peers.length; i++) {
    const p = nv.peers[i];
    let encapsulated = false;
    for (let j = 0; j < p.subnets.length; j++) {
      const s = p.subnets[j];
      if (direct != null && s.is4 == p.underlay.is4 && direct.contains(p.underlay)) {
        routes.push(routeOf(s, p.underlay, view.underlayLink, false));
        continue;
      }
      const vtep = subnetAddress(s).ip;
      routes.push(routeOf(s, vtep, dev, true));
      neighbours.push(new Entry(vtep.toString(), p.vtepMac));
      encapsulated = true;
    }
    if (encapsulated) fdb.push(new Entry(p.vtepMac, p.underlay.toString()));
  }
  // Neighbour and FDB entries before the routes, so that a new peer's route never points at a
  // VTEP the kernel cannot resolve (learning is off: it would never learn it).
  e = syncNeighbours(ns, dev, neighbours);
  if (e.isOk) e = syncFdb(ns, dev, fdb);
  if (e.isOk) e = syncRoutes(ns, routes, nv);
  if (e.isOk) e = removeStaleDevices(ns, dev);
  return e;
}

/**
 * The underlay subnet this node's underlay address is on (its prefix on the underlay link),
 * for directRouting; null, with a warning, when the link does not hold that address.
 */
function underlaySubnet(ns: NetnsId, link: string, underlay: IP): IPNet | null {
  const l = addr.list(ns, link, Family.ALL);
  if (l.isOk) {
    for (let i = 0; i < l.value.length; i++) {
      const n = IPNet.parse(l.value[i].cidr);
      if (n != null && n.ip.equals(underlay)) return n.masked();
    }
  }
  log.write(log.Level.WARN, "directRouting: " + link + " does not hold the underlay address " + underlay.toString() + ": every peer goes through the vxlan device");
  return null;
}

/** Equivalent to: `ip route replace $subnet via $gw dev $dev [onlink]` */
function routeOf(subnet: IPNet, gw: IP, dev: string, onlink: bool): route.RouteInfo {
  const r = new route.RouteInfo();
  r.dst = subnet.toString();
  r.gw = gw.toString();
  r.dev = dev;
  r.onlink = onlink;
  return r;
}

registerController(reconcile);
