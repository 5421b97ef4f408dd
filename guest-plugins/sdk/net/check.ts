// CHECK helpers: what ADD made, read back from the kernel and compared with the prevResult,
// like the Go plugins' validateCniContainerInterface, ip.ValidateExpectedInterfaceIPs and
// ip.ValidateExpectedRoute.
import { link, addr, route, NetnsId, CniError, Family } from "../bindings/index";
import { Result, ok, err } from "../abi/index";
import { CniResult, Interface, internalError } from "../cni/index";
import { IP, IPNet } from "../ip/index";
import { hostErrorToCni } from "./host-error";
import {
  E_ADDR_MISSING, E_LINK_MISSING, E_LIST_ROUTES, E_MAC_MISMATCH, E_NOT_KIND, E_ON, E_ROUTE_MISSING, E_VIA,
} from "./errors";

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
  if (r.isErr) return err<link.LinkInfo, CniError>(hostErrorToCni(r.error, E_LINK_MISSING + iface.name));
  const l = r.value;
  if (kind.length > 0 && l.kind != kind) {
    return err<link.LinkInfo, CniError>(internalError(iface.name + E_NOT_KIND + kind));
  }
  if (iface.mac.length > 0 && iface.mac.toLowerCase() != l.mac) {
    return err<link.LinkInfo, CniError>(internalError(iface.name + E_MAC_MISMATCH + iface.mac + " != " + l.mac));
  }
  return ok<link.LinkInfo, CniError>(l);
}

/**
 * Every address of `result` is on `ifname` with a route to its prefix, and every route of
 * `result` is in a routing table (matched by dst, and by gw when the route names one).
 */
export function checkIfaceConfig(ns: NetnsId, ifname: string, result: CniResult): CniError | null {
  const a = addr.list(ns, ifname, Family.ALL);
  if (a.isErr) return hostErrorToCni(a.error, E_LINK_MISSING + ifname);
  const rl = route.list(ns, Family.ALL, true);
  if (rl.isErr) return hostErrorToCni(rl.error, E_LIST_ROUTES);
  const routes = rl.value;
  for (let i = 0; i < result.ips.length; i++) {
    const want = result.ips[i].address;
    if (!hasAddr(a.value, want)) return internalError(E_ADDR_MISSING + want.toString() + E_ON + ifname);
    if (!hasRoute(routes, want.masked(), null)) return internalError(E_ROUTE_MISSING + want.masked().toString());
  }
  for (let i = 0; i < result.routes.length; i++) {
    const r = result.routes[i];
    if (!hasRoute(routes, r.dst.masked(), r.gw)) {
      const gw = r.gw;
      return internalError(E_ROUTE_MISSING + r.dst.toString() + (gw != null ? E_VIA + gw.toString() : ""));
    }
  }
  return null;
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
