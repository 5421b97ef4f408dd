// routed-controller: the node side of the `routed` network (Calico's model, without a BGP
// daemon). Per peer node, a route to each of its pod subnets via its underlay address, through
// the underlay link; routes to peers that left are removed. Pods on this node are routed by
// the `routed` CNI plugin (a host route per pod), which this controller never touches.
// Capabilities: netns (host), route, log.
import {
  registerController, route, netns, log, View, Unit, Done, fail, IPNet, parseOptions, readView, warnLeftOut, syncRoutes, hostErrorToCni,
} from "@wasm-cni/sdk";
export * from "@wasm-cni/sdk/controller-exports";

function reconcile(view: View): Done {
  const o = parseOptions(view.options);
  if (o.isErr) return o.pass<Unit>();
  const bad = o.value.check([]); // no options yet
  if (bad.isErr) return bad;
  const v = readView(view, false);
  if (v.isErr) return v.pass<Unit>();
  warnLeftOut(v.value);
  const h = netns.host();
  if (h.isErr) return fail<Unit>(hostErrorToCni(h.error, "failed to open the host netns"));
  const want: route.RouteInfo[] = [];
  const peers = v.value.peers;
  for (let i = 0; i < peers.length; i++) {
    const p = peers[i];
    for (let j = 0; j < p.subnets.length; j++) {
      const s = p.subnets[j];
      // A route needs a gateway of its own family (the kernel has no IPv6 route via IPv4).
      if (s.is4 != p.underlay.is4) {
        log.write(log.Level.WARN, "peer " + p.name + ": no route to " + s.toString() + ": its underlay " + p.underlay.toString() + " is of the other family");
        continue;
      }
      want.push(viaUnderlay(s, p.underlay.toString(), view.underlayLink));
    }
  }
  return syncRoutes(h.value, want, v.value);
}

/** Equivalent to: `ip route replace $subnet via $underlay dev $link` */
function viaUnderlay(subnet: IPNet, gw: string, dev: string): route.RouteInfo {
  const r = new route.RouteInfo();
  r.dst = subnet.toString();
  r.gw = gw;
  r.dev = dev;
  return r;
}

registerController(reconcile);
