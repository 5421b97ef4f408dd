// An IPAM result applied to the container interface, like pkg/ipam's ConfigureIface: the
// addresses whose `interface` names the link, the link up, then the routes, each through the
// gateway of its family when it names none. Addresses are added without DAD (IFA_F_NODAD), so
// an IPv6 address is usable when ADD returns; with `dad` (bridge's enabledad) they go through
// DAD and, as Go's ConfigureIface, the host waits up to 5 s for it to settle (addr.settle).
import { link, addr, route, sysctl, NetnsId } from "../bindings/index";
import { Box, Unit, some } from "../abi/index";
import { CniResult, IPConfig, Route, Done, done, fail, internalError, hostErrorToCni } from "../types/index";
import { IP } from "../netip/index";
import { routeVia, describeRoute } from "../ip/index";

/** How long configureIface waits for DAD, as Go's dadSettleTimeout. */
const DAD_SETTLE_TIMEOUT_MS: u32 = 5000;

/** The addresses of `result` on the interface named `ifname` (through their interface index). */
export function ipsOf(result: CniResult, ifname: string): IPConfig[] {
  const out: IPConfig[] = [];
  for (let i = 0; i < result.ips.length; i++) {
    const ip = result.ips[i];
    const k = ip.interfaceIndex;
    if (k >= 0 && k < result.interfaces.length && result.interfaces[k].name == ifname) out.push(ip);
  }
  return out;
}

/**
 * Addresses, link up, DAD settled (with `dad` and an IPv6 address), routes.
 * Equivalent to: `ip addr add ... [nodad]; ip link set up; ip route add ...`
 */
export function configureIface(ns: NetnsId, ifname: string, result: CniResult, dad: bool = false): Done {
  const a = addIfaceAddrs(ns, ifname, result, dad);
  if (a.isErr) return a;
  if (dad && hasIPv6(ipsOf(result, ifname))) {
    const s = settleAddrs(ns, ifname, DAD_SETTLE_TIMEOUT_MS);
    if (s.isErr) return s;
  }
  return addIfaceRoutes(ns, ifname, result);
}

/**
 * Waits (in the host) until no IPv6 address of `ifname` is tentative, as Go's ip.SettleAddresses;
 * fails when DAD found a duplicate or `timeoutMs` ran out.
 */
export function settleAddrs(ns: NetnsId, ifname: string, timeoutMs: u32): Done {
  const r = addr.settle(ns, ifname, timeoutMs);
  return r.isErr ? fail<Unit>(hostErrorToCni(r.error, "failed to settle addresses for \"" + ifname + "\"")) : done();
}

function hasIPv6(ips: IPConfig[]): bool {
  for (let i = 0; i < ips.length; i++) if (!ips[i].address.is4) return true;
  return false;
}

/** The addresses of `ifname` from `result`, then the link up. */
export function addIfaceAddrs(ns: NetnsId, ifname: string, result: CniResult, dad: bool = false): Done {
  const ips = ipsOf(result, ifname);
  if (hasIPv6(ips)) {
    const e = enableIPv6(ns, ifname);
    if (e.isErr) return e;
  }
  const opts = new addr.AddrOptions();
  opts.dad = dad;
  for (let i = 0; i < ips.length; i++) {
    const cidr = ips[i].address.toString();
    const r = addr.add(ns, ifname, cidr, opts);
    if (r.isErr) return fail<Unit>(hostErrorToCni(r.error, "failed to add IP addr " + cidr + " to " + ifname));
  }
  const up = new link.LinkChange();
  up.up = some<bool>(true);
  const r = link.set(ns, ifname, up);
  return r.isErr ? fail<Unit>(hostErrorToCni(r.error, "failed to set up " + ifname)) : done();
}

/** The routes of `result` through `ifname`; a route without `gw` goes through its family's gateway. */
export function addIfaceRoutes(ns: NetnsId, ifname: string, result: CniResult): Done {
  const ips = ipsOf(result, ifname);
  const gw4 = firstGateway(ips, true), gw6 = firstGateway(ips, false);
  for (let i = 0; i < result.routes.length; i++) {
    const r = result.routes[i];
    const info = routeVia(r.dst, r.gw != null ? r.gw : r.dst.is4 ? gw4 : gw6, ifname);
    const e = applyRouteFields(info, r);
    if (e.isErr) return e;
    // A route the container already has stays (the first one wins), as ConfigureIface does.
    const added = route.add(ns, info);
    if (added.isErr && !added.error.isExists) return fail<Unit>(hostErrorToCni(added.error, "failed to add route " + describeRoute(info)));
  }
  return done();
}

/** The first gateway of the family among `ips`, as ConfigureIface picks the default one. */
function firstGateway(ips: IPConfig[], is4: bool): IP | null {
  for (let i = 0; i < ips.length; i++) {
    const gw = ips[i].gateway;
    if (gw != null && gw.is4 == is4) return gw;
  }
  return null;
}

/** Copies priority, table, mtu, advmss and scope of a CNI route (Go drops mtu and advmss). */
function applyRouteFields(info: route.RouteInfo, r: Route): Done {
  if (r.priority > 0) info.metric = some<u32>(r.priority);
  if (r.table >= 0) info.table = some<u32>(<u32>r.table);
  if (r.mtu > 0) info.mtu = some<u32>(r.mtu);
  if (r.advmss > 0) info.advmss = some<u32>(r.advmss);
  if (r.scope < 0) return done();
  const s = routeScope(r.scope);
  if (s == null) return fail<Unit>(internalError("route scope must be 0, 200, 253 or 254: " + r.scope.toString()));
  info.scope = s;
  return done();
}

/** RT_SCOPE_* number → the WIT scope; null for one WIT has no case for. */
function routeScope(n: i32): Box<route.RouteScope> | null {
  if (n == 0) return some<route.RouteScope>(route.RouteScope.UNIVERSE);
  if (n == 200) return some<route.RouteScope>(route.RouteScope.SITE);
  if (n == 253) return some<route.RouteScope>(route.RouteScope.LINK);
  if (n == 254) return some<route.RouteScope>(route.RouteScope.HOST);
  return null;
}

/**
 * As ConfigureIface before the first IPv6 address: IPv6 on for lo and the link when a sysctl
 * disabled it (a read failure is skipped, as in Go), and keep_addr_on_down so that the
 * address survives the link going down.
 */
function enableIPv6(ns: NetnsId, ifname: string): Done {
  const names = ["lo", ifname];
  for (let i = 0; i < names.length; i++) {
    const key = "net.ipv6.conf." + names[i] + ".disable_ipv6";
    const v = sysctl.get(ns, key);
    if (v.isErr || v.value == "0") continue;
    const w = sysctl.set(ns, key, "0");
    if (w.isErr) return fail<Unit>(hostErrorToCni(w.error, "failed to enable IPv6 for " + names[i]));
  }
  const key = "net.ipv6.conf." + ifname + ".keep_addr_on_down";
  const w = sysctl.set(ns, key, "1");
  return w.isErr ? fail<Unit>(hostErrorToCni(w.error, "failed to enable keep_addr_on_down for " + ifname)) : done();
}
