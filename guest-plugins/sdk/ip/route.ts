// Routes, like pkg/ip's AddRoute and AddHostRoute: a route.RouteInfo built from CNI values, added
// with a message that names it as `ip route` prints it.
import { route, NetnsId } from "../bindings/index";
import { Unit } from "../abi/index";
import { IP, IPNet } from "../netip/index";
import { Done, done, fail, hostErrorToCni } from "../types/index";

/** A route to `dst` (host bits cleared) through `dev`, via `gw` when given. */
export function routeVia(dst: IPNet, gw: IP | null, dev: string): route.RouteInfo {
  const info = new route.RouteInfo();
  info.dst = dst.masked().toString();
  info.gw = gw != null ? gw.toString() : null;
  info.dev = dev;
  return info;
}

/** Adds a route. Equivalent to: `ip route add $dst [via $gw] dev $dev ...` */
export function addRoute(ns: NetnsId, info: route.RouteInfo): Done {
  const r = route.add(ns, info);
  return r.isErr ? fail<Unit>(hostErrorToCni(r.error, "failed to add route " + describeRoute(info))) : done();
}

/** "10.2.0.0/16 via 10.1.0.1 dev eth0", as `ip route` prints it. */
export function describeRoute(info: route.RouteInfo): string {
  let s = info.dst;
  const gw = info.gw, dev = info.dev;
  if (gw != null) s += " via " + gw;
  if (dev != null) s += " dev " + dev;
  return s;
}
