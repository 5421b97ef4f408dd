// route-override: a chained CNI plugin that rewrites the routes the previous plugin set up in the
// container, as the reference route-override meta plugin does. In order: `flushroutes` deletes
// the interface's gateway and default routes (link routes stay), `delroutes` deletes the routes
// listed, `addroutes` adds the routes listed, `flushgateway` deletes the default routes and the
// gateways of the result's addresses. ADD returns the prevResult with its routes updated; DEL has
// nothing to undo (the routes go with the container's netns); CHECK finds the result's routes
// in the container and the deleted ones gone, unless `skipcheck`.
// Its imports are its capabilities: netns (the container's only) and route, as manifest.json states.
import {
  register, route, Request, Result, Done, done, fail, ok, Unit, CniError, CniResult, Route, NetConf, NetnsId, IP, IPNet,
  ArrayReader, Family, parseNetConf, readCidr, optIP, containerNetns, routeVia, describeRoute, hostErrorToCni,
  internalError, isGone, some, CURRENT_VERSION,
} from "@wasm-cni/sdk";
export * from "@wasm-cni/sdk/exports"; // the CNI verbs and the panic record: keep this line

class Conf {
  flushRoutes: bool = false;
  flushGateway: bool = false;
  delRoutes: Route[] = [];
  addRoutes: Route[] = [];
  skipCheck: bool = false;
  constructor(public net: NetConf) {}
}

/** Each `{"dst": CIDR, "gw"?: IP}` of an optional list; bad entries are recorded by the reader. */
function readRoutes(list: ArrayReader | null): Route[] {
  const out: Route[] = [];
  if (list == null) return out;
  for (let i = 0; i < list.length; i++) {
    const o = list.objectAt(i);
    if (o == null) continue;
    const dst = readCidr(o, "dst");
    const gw = optIP(o, "gw");
    if (dst != null) out.push(new Route(dst, gw));
  }
  return out;
}

/** The config, every bad field listed at once (code 7); a prevResult is required. */
function loadConf(req: Request): Result<Conf, CniError> {
  const p = parseNetConf(req.config);
  if (p.isErr) return p.pass<Conf>();
  const c = new Conf(p.value);
  const r = c.net.reader;
  c.flushRoutes = r.optBool("flushroutes");
  c.flushGateway = r.optBool("flushgateway");
  c.delRoutes = readRoutes(r.optArray("delroutes"));
  c.addRoutes = readRoutes(r.optArray("addroutes"));
  c.skipCheck = r.optBool("skipcheck");
  const bad = c.net.check();
  return bad.isErr ? bad.pass<Conf>() : ok<Conf, CniError>(c);
}

const isDefault = (dst: IPNet): bool => dst.prefix == 0;

/** The container's routes of the main table through `ifname`. */
function routesOn(ns: NetnsId, ifname: string): Result<route.RouteInfo[], CniError> {
  const l = route.list(ns, Family.ALL, false);
  if (l.isErr) return fail<route.RouteInfo[]>(hostErrorToCni(l.error, "failed to list routes"));
  const out: route.RouteInfo[] = [];
  for (let i = 0; i < l.value.length; i++) {
    const dev = l.value[i].dev;
    if (dev != null && dev == ifname) out.push(l.value[i]);
  }
  return ok<route.RouteInfo[], CniError>(out);
}

/** Deletes each route of the container's `ifname` that `pick` selects; one already gone is fine. */
function deleteWhere(ns: NetnsId, ifname: string, pick: (r: route.RouteInfo, dst: IPNet) => bool): Done {
  const l = routesOn(ns, ifname);
  if (l.isErr) return l.pass<Unit>();
  for (let i = 0; i < l.value.length; i++) {
    const r = l.value[i];
    const dst = IPNet.parse(r.dst);
    if (dst == null || !pick(r, dst)) continue;
    const d = route.del(ns, r);
    if (d.isErr && !isGone(d.error)) return fail<Unit>(hostErrorToCni(d.error, "failed to delete route " + describeRoute(r)));
  }
  return done();
}

/** The result's routes without those `drop` selects. */
function without(routes: Route[], drop: (r: Route) => bool): Route[] {
  const out: Route[] = [];
  for (let i = 0; i < routes.length; i++) if (!drop(routes[i])) out.push(routes[i]);
  return out;
}

/** The result's routes without those matching `gone` (AS has no closures, hence not `without`). */
function withoutRoute(routes: Route[], gone: Route): Route[] {
  const out: Route[] = [];
  for (let i = 0; i < routes.length; i++) if (!sameRoute(routes[i], gone)) out.push(routes[i]);
  return out;
}

/** `ip route` form of a configured route through `ifname`: via its gw, else a link route. */
function routeInfo(r: Route, ifname: string): route.RouteInfo {
  const info = routeVia(r.dst, r.gw, ifname);
  if (r.gw == null) info.scope = some<route.RouteScope>(route.RouteScope.LINK);
  return info;
}

function sameRoute(a: Route, b: Route): bool {
  if (!a.dst.masked().equals(b.dst.masked())) return false;
  const ga = a.gw, gb = b.gw;
  return ga == null || gb == null || ga.equals(gb); // a route without gw matches any gw, as in delroutes
}

function applyOverrides(conf: Conf, ns: NetnsId, ifname: string, res: CniResult): Done {
  if (conf.flushRoutes) {
    // Routes via a gateway and default routes; the kernel's link routes (and IPv6 link-local) stay.
    const e = deleteWhere(ns, ifname, (r: route.RouteInfo, dst: IPNet): bool => isDefault(dst) || (r.gw != null && !dst.ip.isLinkLocalUnicast()));
    if (e.isErr) return e;
    res.routes = [];
  }
  for (let i = 0; i < conf.delRoutes.length; i++) {
    const want = conf.delRoutes[i];
    const info = routeVia(want.dst, want.gw, ifname);
    const d = route.del(ns, info);
    if (d.isErr && !isGone(d.error)) return fail<Unit>(hostErrorToCni(d.error, "failed to delete route " + describeRoute(info)));
    res.routes = withoutRoute(res.routes, want);
  }
  for (let i = 0; i < conf.addRoutes.length; i++) {
    const info = routeInfo(conf.addRoutes[i], ifname);
    const a = route.add(ns, info);
    if (a.isErr && !a.error.isExists) return fail<Unit>(hostErrorToCni(a.error, "failed to add route " + describeRoute(info)));
    res.routes.push(conf.addRoutes[i]);
  }
  if (conf.flushGateway) {
    const e = deleteWhere(ns, ifname, (r: route.RouteInfo, dst: IPNet): bool => isDefault(dst));
    if (e.isErr) return e;
    res.routes = without(res.routes, (r: Route): bool => isDefault(r.dst));
    for (let i = 0; i < res.ips.length; i++) res.ips[i].gateway = null;
  }
  return done();
}

function cmdAdd(req: Request): Result<string, CniError> {
  const c = loadConf(req);
  if (c.isErr) return c.pass<string>();
  const prev = c.value.net.parsePrevResult();
  if (prev.isErr) return prev.pass<string>();
  const cns = containerNetns(req);
  if (cns.isErr) return cns.pass<string>();
  const res = prev.value;
  const e = applyOverrides(c.value, cns.value, req.ifname, res);
  if (e.isErr) return e.pass<string>();
  res.cniVersion = CURRENT_VERSION;
  return ok<string, CniError>(res.toJson());
}

function cmdDel(req: Request): Done {
  return done(); // the routes go with the container's netns
}

/** The result's routes are in the container, and none of `delroutes` (nor a default after `flushgateway`). */
function cmdCheck(req: Request): Done {
  const c = loadConf(req);
  if (c.isErr) return c.pass<Unit>();
  const conf = c.value;
  if (conf.skipCheck) return done();
  const prev = conf.net.parsePrevResult();
  if (prev.isErr) return prev.pass<Unit>();
  const cns = containerNetns(req);
  if (cns.isErr) return cns.pass<Unit>();
  const l = routesOn(cns.value, req.ifname);
  if (l.isErr) return l.pass<Unit>();
  const have: Route[] = [];
  for (let i = 0; i < l.value.length; i++) {
    const dst = IPNet.parse(l.value[i].dst);
    const gw = l.value[i].gw;
    if (dst != null) have.push(new Route(dst, gw != null ? IP.parse(gw) : null));
  }
  const routes = prev.value.routes;
  for (let i = 0; i < routes.length; i++) {
    if (!contains(have, routes[i])) return fail<Unit>(internalError("expected route not found in routing table: " + routes[i].dst.toString()));
  }
  for (let i = 0; i < conf.delRoutes.length; i++) {
    if (contains(have, conf.delRoutes[i])) return fail<Unit>(internalError("route in delroutes still in routing table: " + conf.delRoutes[i].dst.toString()));
  }
  if (conf.flushGateway) {
    for (let i = 0; i < have.length; i++) {
      if (isDefault(have[i].dst)) return fail<Unit>(internalError("default route still in routing table after flushgateway: " + have[i].dst.toString()));
    }
  }
  return done();
}

function contains(list: Route[], want: Route): bool {
  for (let i = 0; i < list.length; i++) if (sameRoute(list[i], want)) return true;
  return false;
}

function cmdStatus(req: Request): Done {
  return done();
}

function cmdGc(req: Request): Done {
  return done(); // holds no state
}

register(cmdAdd, cmdDel, cmdCheck, cmdStatus, cmdGc);
