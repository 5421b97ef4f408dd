// sbr: source-based routing for an interface a previous plugin made, as containernetworking/
// plugins' plugins/meta/sbr does: for each address of CNI_IFNAME in the prevResult, a routing
// table of its own (the first free id from 100), a rule `from <address> lookup <table>`, the
// default route via its gateway there, and the interface's routes of main copied into it; then
// those routes leave main, so that traffic from each address leaves by its own table. With
// `table`, only the rules, into that table. DEL removes the rules from the interface's
// addresses and the routes of their tables on it. Capabilities: netns (container only), link,
// addr, route, rule.
import {
  register, Request, Result, Unit, CniError, IPConfig, IP, IPNet, NetnsId, Family, Done, done, fail, ok, netns, link, addr, route, rule,
  some, containerNetns, hostErrorToCni, isGone, internalError,
} from "@wasm-cni/sdk";
import { SbrConf, loadConfig, loadLax, addressesOf } from "./config";
export * from "@wasm-cni/sdk/exports";

/** Go's firstTableID. */
const FIRST_TABLE: u32 = 100;
/** main, local, default: never picked, never emptied. */
function isSystemTable(t: u32): bool {
  return t == 253 || t == 254 || t == 255;
}

/** `from <address> lookup <table>`: the address as a host prefix (/32, /128), as Go restricts it. */
function sourceRule(ip: IP, table: u32): rule.RuleInfo {
  const r = new rule.RuleInfo();
  r.family = ip.is4 ? Family.V4 : Family.V6;
  r.src = IPNet.host(ip).toString();
  r.table = some<u32>(table);
  r.action = rule.RuleAction.TO_TABLE;
  return r;
}

/** The first table from `from` up that no rule and no route uses (Go's getNextTableID). */
function nextFreeTable(from: u32, rules: rule.RuleInfo[], routes: route.RouteInfo[]): u32 {
  let t = from;
  while (tableUsed(t, rules, routes)) t++;
  return t;
}

function tableUsed(t: u32, rules: rule.RuleInfo[], routes: route.RouteInfo[]): bool {
  if (isSystemTable(t)) return true;
  for (let i = 0; i < rules.length; i++) if (rules[i].table != null && rules[i].table!.value == t) return true;
  for (let i = 0; i < routes.length; i++) if (routes[i].table != null && routes[i].table!.value == t) return true;
  return false;
}

/** Go's test for a route that belongs with address `c`: its source or gateway in c's prefix, or neither given. */
function routeBelongs(c: IPConfig, r: route.RouteInfo): bool {
  const src = r.src != null ? IP.parse(r.src!) : null;
  const gw = r.gw != null ? IP.parse(r.gw!) : null;
  return (src != null && c.address.contains(src)) || (gw != null && c.address.contains(gw)) || (src == null && gw == null);
}

/** A listed route placed in `table`; onlink reset as Go resets the flags (a copied kernel route would be refused with them). */
function copyTo(r: route.RouteInfo, table: u32): route.RouteInfo {
  const c = new route.RouteInfo();
  c.dst = r.dst; c.gw = r.gw; c.dev = r.dev; c.src = r.src; c.scope = r.scope; c.metric = r.metric;
  c.mtu = r.mtu; c.advmss = r.advmss; c.protocol = r.protocol;
  c.table = some<u32>(table);
  return c;
}

function defaultRoute(gw: IP, dev: string, table: u32): route.RouteInfo {
  const r = new route.RouteInfo();
  r.dst = gw.is4 ? "0.0.0.0/0" : "::/0";
  r.gw = gw.toString();
  r.dev = dev;
  r.table = some<u32>(table);
  return r;
}

function describeRoute(r: route.RouteInfo): string {
  return r.dst + (r.gw != null ? " via " + r.gw! : "") + (r.dev != null ? " dev " + r.dev! : "") + (r.table != null ? " table " + r.table!.value.toString() : "");
}

/** With `table`: a rule from each address into it, nothing else (Go's doRoutesWithTable). */
function rulesInto(ns: NetnsId, ips: IPConfig[], table: u32): Done {
  for (let i = 0; i < ips.length; i++) {
    const a = rule.add(ns, sourceRule(ips[i].address.ip, table));
    if (a.isErr) return fail<Unit>(hostErrorToCni(a.error, "failed to add rule from " + ips[i].address.ip.toString() + " lookup " + table.toString()));
  }
  return done();
}

/** Without `table`: Go's doRoutes, a table per address. */
function tablePerAddress(ns: NetnsId, conf: SbrConf, ips: IPConfig[], ifname: string): Done {
  const rules = rule.list(ns, Family.ALL);
  if (rules.isErr) return fail<Unit>(hostErrorToCni(rules.error, "failed to list all rules"));
  const all = route.list(ns, Family.ALL, true);
  if (all.isErr) return fail<Unit>(hostErrorToCni(all.error, "failed to list all routes"));
  const l = link.get(ns, ifname);
  if (l.isErr) return fail<Unit>(hostErrorToCni(l.error, "cannot find network interface " + ifname));
  const main = route.list(ns, Family.ALL, false);
  if (main.isErr) return fail<Unit>(hostErrorToCni(main.error, "unable to list routes of " + ifname));
  const linkRoutes: route.RouteInfo[] = [];
  for (let i = 0; i < main.value.length; i++) {
    const r = main.value[i];
    if (r.dev != null && r.dev! == ifname) linkRoutes.push(r);
  }
  let table = nextFreeTable(FIRST_TABLE, rules.value, all.value);
  for (let i = 0; i < ips.length; i++) {
    const c = ips[i];
    const a = rule.add(ns, sourceRule(c.address.ip, table));
    if (a.isErr) return fail<Unit>(hostErrorToCni(a.error, "failed to add rule from " + c.address.ip.toString() + " lookup " + table.toString()));
    const gw = conf.gatewayFor(c);
    if (gw != null) {
      const d = route.add(ns, defaultRoute(gw, ifname, table));
      if (d.isErr) return fail<Unit>(hostErrorToCni(d.error, "failed to add default route via " + gw.toString() + " in table " + table.toString()));
    }
    for (let j = 0; j < linkRoutes.length; j++) {
      if (!routeBelongs(c, linkRoutes[j])) continue;
      // Replace: the default route just added may be among them.
      const copy = copyTo(linkRoutes[j], table);
      const p = route.replace(ns, copy);
      if (p.isErr) return fail<Unit>(hostErrorToCni(p.error, "failed to copy route " + describeRoute(copy)));
    }
    table = nextFreeTable(table + 1, rules.value, all.value);
  }
  if (conf.addSourceHints) return sourceHints(ns, ips, linkRoutes, ifname);
  // Deleted only now: two addresses of one subnet both need the routes copied (Go's comment).
  for (let j = 0; j < linkRoutes.length; j++) {
    const d = route.del(ns, linkRoutes[j]);
    if (d.isErr) return fail<Unit>(hostErrorToCni(d.error, "failed to delete route " + describeRoute(linkRoutes[j]) + " from main"));
  }
  return done();
}

/**
 * `addSourceHints`: each address's subnet route stays in main with the address as its source
 * (scope link), so that traffic without a chosen source still finds its way by destination;
 * the other routes of the interface (gateway routes) leave main. As Go, a failed hint is no failure.
 */
function sourceHints(ns: NetnsId, ips: IPConfig[], linkRoutes: route.RouteInfo[], ifname: string): Done {
  for (let i = 0; i < ips.length; i++) {
    const a = ips[i].address;
    const r = new route.RouteInfo();
    r.dst = new IPNet(a.network(), a.prefix).toString();
    r.src = a.ip.toString();
    r.dev = ifname;
    r.scope = some<route.RouteScope>(route.RouteScope.LINK);
    route.replace(ns, r);
  }
  for (let j = 0; j < linkRoutes.length; j++) {
    const r = linkRoutes[j];
    if (r.scope != null && r.scope!.value == route.RouteScope.LINK) continue;
    route.del(ns, r);
  }
  return done();
}

function cmdAdd(req: Request): Result<string, CniError> {
  const c = loadConfig(req);
  if (c.isErr) return c.pass<string>();
  const conf = c.value;
  const prev = conf.prev!;
  const ips = addressesOf(prev, req.ifname);
  if (ips.isErr) return ips.pass<string>();
  const ns = containerNetns(req);
  if (ns.isErr) return ns.pass<string>();
  const r = conf.table != 0 ? rulesInto(ns.value, ips.value, conf.table) : tablePerAddress(ns.value, conf, ips.value, req.ifname);
  if (r.isErr) return r.pass<string>();
  prev.cniVersion = conf.net.cniVersion;
  return ok<string, CniError>(prev.toJson());
}

/** The addresses whose rules DEL removes: those on the interface, and prevResult's (the interface may be gone already). */
function delAddresses(ns: NetnsId, conf: SbrConf, ifname: string): Result<IP[], CniError> {
  const out: IP[] = [];
  const l = addr.list(ns, ifname, Family.ALL);
  if (l.isErr && !isGone(l.error)) return fail<IP[]>(hostErrorToCni(l.error, "failed to list the addresses of " + ifname));
  if (l.isOk) {
    for (let i = 0; i < l.value.length; i++) {
      const n = IPNet.parse(l.value[i].cidr);
      if (n != null) out.push(n.ip);
    }
  }
  const prev = conf.prev;
  if (prev != null) {
    const mine = addressesOf(prev, ifname);
    if (mine.isOk) for (let i = 0; i < mine.value.length; i++) out.push(mine.value[i].address.ip);
  }
  return ok<IP[], CniError>(out);
}

function cmdDel(req: Request): Result<Unit, CniError> {
  const c = loadLax(req);
  if (c.isErr) return c.pass<Unit>();
  const conf = c.value;
  if (req.netns.length == 0) return done(); // nothing was made without a netns
  const ns = netns.container();
  if (ns.isErr) return isGone(ns.error) ? done() : fail<Unit>(hostErrorToCni(ns.error, "failed to open netns " + req.netns));
  const ips = delAddresses(ns.value, conf, req.ifname);
  if (ips.isErr) return ips.pass<Unit>();
  const rules = rule.list(ns.value, Family.ALL);
  if (rules.isErr) return isGone(rules.error) ? done() : fail<Unit>(hostErrorToCni(rules.error, "failed to list all rules to tidy"));
  const tables: u32[] = [];
  for (let i = 0; i < rules.value.length; i++) {
    const r = rules.value[i];
    if (r.src == null || r.table == null) continue;
    if (conf.table != 0 && r.table!.value != conf.table) continue;
    const src = IPNet.parse(r.src!);
    if (src == null || !hasIp(ips.value, src.ip)) continue;
    const d = rule.del(ns.value, r);
    if (d.isErr && !isGone(d.error)) return fail<Unit>(hostErrorToCni(d.error, "failed to delete rule from " + r.src! + " lookup " + r.table!.value.toString()));
    if (!tables.includes(r.table!.value)) tables.push(r.table!.value);
  }
  // The tables sbr picked itself: their routes on the interface go with the rules. A `table`
  // of the config is the operator's: its routes stay, as in Go.
  if (conf.table != 0) return done();
  return removeTableRoutes(ns.value, tables, req.ifname);
}

function hasIp(list: IP[], ip: IP): bool {
  for (let i = 0; i < list.length; i++) if (list[i].equals(ip)) return true;
  return false;
}

function removeTableRoutes(ns: NetnsId, tables: u32[], ifname: string): Done {
  if (tables.length == 0) return done();
  const all = route.list(ns, Family.ALL, true);
  if (all.isErr) return isGone(all.error) ? done() : fail<Unit>(hostErrorToCni(all.error, "failed to list the routes of tables to tidy"));
  for (let i = 0; i < all.value.length; i++) {
    const r = all.value[i];
    if (r.table == null || isSystemTable(r.table!.value) || !tables.includes(r.table!.value)) continue;
    if (r.dev == null || r.dev! != ifname) continue;
    const d = route.del(ns, r);
    if (d.isErr && !isGone(d.error)) return fail<Unit>(hostErrorToCni(d.error, "failed to delete route " + describeRoute(r)));
  }
  return done();
}

/** CHECK (Go checks nothing): each address of the interface still has its rule. */
function cmdCheck(req: Request): Result<Unit, CniError> {
  const c = loadConfig(req);
  if (c.isErr) return c.pass<Unit>();
  const conf = c.value;
  const ips = addressesOf(conf.prev!, req.ifname);
  if (ips.isErr) return ips.pass<Unit>();
  const ns = containerNetns(req);
  if (ns.isErr) return ns.pass<Unit>();
  const rules = rule.list(ns.value, Family.ALL);
  if (rules.isErr) return fail<Unit>(hostErrorToCni(rules.error, "failed to list all rules"));
  for (let i = 0; i < ips.value.length; i++) {
    const ip = ips.value[i].address.ip;
    let found = false;
    for (let j = 0; j < rules.value.length && !found; j++) {
      const r = rules.value[j];
      const src = r.src != null ? IPNet.parse(r.src!) : null;
      found = src != null && src.ip.equals(ip) && src.prefix == ip.bits && r.table != null && (conf.table == 0 || r.table!.value == conf.table);
    }
    if (!found) return fail<Unit>(internalError("no rule from " + ip.toString() + (conf.table != 0 ? " lookup " + conf.table.toString() : "") + " for " + req.ifname));
  }
  return done();
}

function cmdStatus(req: Request): Result<Unit, CniError> {
  const c = loadLax(req);
  return c.isErr ? c.pass<Unit>() : done();
}

function cmdGc(req: Request): Result<Unit, CniError> {
  const c = loadLax(req);
  return c.isErr ? c.pass<Unit>() : done();
}

register(cmdAdd, cmdDel, cmdCheck, cmdStatus, cmdGc);
