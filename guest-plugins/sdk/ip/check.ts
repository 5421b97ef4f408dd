// CHECK helpers: what ADD made, read back from the kernel and compared with the prevResult,
// like the Go plugins' validateCniContainerInterface, ip.ValidateExpectedInterfaceIPs and
// ip.ValidateExpectedRoute.
import { link, addr, route, NetnsId, CniError, Family } from "../bindings/index";
import { Result, Unit, ok } from "../abi/index";
import { CniResult, Interface, Done, done, fail, internalError, hostErrorToCni } from "../types/index";
import { IP, IPNet } from "../netip/index";

/** Index in `result.interfaces` of the one named `name` in `sandbox` ("" for the host); -1 if none. */
export function findInterface(result: CniResult, name: string, sandbox: string): i32 {
  for (let i = 0; i < result.interfaces.length; i++) {
    const it = result.interfaces[i];
    if (it.name == name && it.sandbox == sandbox) return i;
  }
  return -1;
}

/** The link of `iface` in `ns`: it exists, is of `kind` ("" for any) and has its MAC when one is given. */
export function checkLink(ns: NetnsId, iface: Interface, kind: string): Result<link.LinkInfo, CniError> {
  const r = link.get(ns, iface.name);
  if (r.isErr) return fail<link.LinkInfo>(hostErrorToCni(r.error, "interface not found: " + iface.name));
  const l = r.value;
  if (kind.length > 0 && l.kind != kind) return fail<link.LinkInfo>(internalError(iface.name + " is not of type " + kind));
  if (iface.mac.length > 0 && iface.mac.toLowerCase() != l.mac) {
    return fail<link.LinkInfo>(internalError(iface.name + " MAC doesn't match: " + iface.mac + " != " + l.mac));
  }
  return ok<link.LinkInfo, CniError>(l);
}

/**
 * Every address of `result` is on `ifname` with a route to its prefix, and every route of
 * `result` is in a routing table (matched by dst, and by gw when the route names one).
 */
export function checkIfaceConfig(ns: NetnsId, ifname: string, result: CniResult): Done {
  const a = addr.list(ns, ifname, Family.ALL);
  if (a.isErr) return fail<Unit>(hostErrorToCni(a.error, "interface not found: " + ifname));
  const rl = route.list(ns, Family.ALL, true);
  if (rl.isErr) return fail<Unit>(hostErrorToCni(rl.error, "failed to list routes"));
  const routes = rl.value;
  for (let i = 0; i < result.ips.length; i++) {
    const want = result.ips[i].address;
    if (!hasAddr(a.value, want)) return fail<Unit>(internalError("failed to match addr " + want.toString() + " on " + ifname));
    if (!hasRoute(routes, want.masked(), null)) {
      return fail<Unit>(internalError("expected route not found in routing table: " + want.masked().toString()));
    }
  }
  for (let i = 0; i < result.routes.length; i++) {
    const r = result.routes[i];
    if (!hasRoute(routes, r.dst.masked(), r.gw)) {
      const gw = r.gw;
      const via = gw != null ? " via " + gw.toString() : "";
      return fail<Unit>(internalError("expected route not found in routing table: " + r.dst.toString() + via));
    }
  }
  return done();
}

function hasAddr(list: addr.AddrInfo[], want: IPNet): bool {
  for (let i = 0; i < list.length; i++) {
    const n = IPNet.parse(list[i].cidr);
    if (n != null && n.equals(want)) return true;
  }
  return false;
}

function hasRoute(list: route.RouteInfo[], dst: IPNet, gw: IP | null): bool {
  for (let i = 0; i < list.length; i++) {
    const n = IPNet.parse(list[i].dst);
    if (n == null || !n.equals(dst)) continue;
    if (gw == null) return true;
    const have = list[i].gw;
    if (have != null) {
      const g = IP.parse(have);
      if (g != null && g.equals(gw)) return true;
    }
  }
  return false;
}
