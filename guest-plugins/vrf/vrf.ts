// vrf: puts an interface that an earlier plugin of the chain made into a VRF (a `vrf` link of
// the container netns, made on first use with the config's table or the first free one), as
// containernetworking/plugins' plugins/meta/vrf does: the interface is enslaved, its global
// IPv6 addresses are put back when the kernel dropped them, and its routes (other than the
// connected and local ones the kernel moves itself) are placed in the VRF's table. DEL frees the
// interface and deletes the VRF when no interface is left in it. Capabilities: netns (the
// container's only), link (kind vrf), addr, route.
import {
  register, Request, Result, Unit, CniError, CniResult, NetnsId, Family, Done, done, fail, ok, netns, link, addr, route,
  some, containerNetns, hostErrorToCni, isGone, internalError, invalidConfigError, parseNetConf, NetConf,
} from "@wasm-cni/sdk";
export * from "@wasm-cni/sdk/exports";

class VrfConf {
  vrfName: string = "";
  /** 0: the VRF's table when it exists, else the first free one. */
  table: u32 = 0;
  prev: CniResult | null = null;
  constructor(public net: NetConf) {}
}

/** Go's keys: `vrfname` (required), `table`; ADD and CHECK need a prevResult, DEL does not. */
function loadConfig(req: Request, needPrev: bool): Result<VrfConf, CniError> {
  const p = parseNetConf(req.config);
  if (p.isErr) return p.pass<VrfConf>();
  const c = new VrfConf(p.value);
  const r = c.net.reader;
  c.vrfName = r.string("vrfname");
  c.table = r.optU32("table");
  if (c.table == 254 || c.table == 255) r.fail("table", "is " + c.table.toString() + ", the main or local table; a VRF needs a table of its own");
  const bad = c.net.check();
  if (bad.isErr) return bad.pass<VrfConf>();
  if (c.net.prevResult == null && needPrev) return fail<VrfConf>(invalidConfigError("missing prevResult from earlier plugin: vrf works in a chain after the plugin that made " + req.ifname));
  if (c.net.prevResult != null) {
    const prev = c.net.parsePrevResult();
    if (prev.isErr) return prev.pass<VrfConf>();
    c.prev = prev.value;
  }
  return ok<VrfConf, CniError>(c);
}

/** The first table from 1 that no VRF of the netns uses (Go's findFreeRoutingTableID); main and local never. */
function freeTable(links: link.LinkInfo[]): u32 {
  let t: u32 = 1;
  while (t == 254 || t == 255 || tableTaken(links, t)) t++;
  return t;
}

function tableTaken(links: link.LinkInfo[], t: u32): bool {
  for (let i = 0; i < links.length; i++) {
    const v = links[i].vrfTable;
    if (links[i].kind == "vrf" && v != null && v.value == t) return true;
  }
  return false;
}

/** The VRF `name`, made (and up) when it does not exist; one of another table is an error, as in Go. */
function ensureVrf(ns: NetnsId, conf: VrfConf): Result<link.LinkInfo, CniError> {
  const found = link.get(ns, conf.vrfName);
  if (found.isOk) {
    const v = found.value;
    if (v.kind != "vrf") return fail<link.LinkInfo>(internalError("link " + conf.vrfName + " is not a VRF (kind " + (v.kind.length > 0 ? v.kind : "none") + ")"));
    const t = v.vrfTable != null ? v.vrfTable!.value : 0;
    if (conf.table != 0 && t != conf.table) return fail<link.LinkInfo>(internalError("VRF " + conf.vrfName + " already exists with routing table " + t.toString() + ", not " + conf.table.toString()));
    return ok<link.LinkInfo, CniError>(v);
  }
  if (!found.error.isNotFound) return fail<link.LinkInfo>(hostErrorToCni(found.error, "failed to look up VRF " + conf.vrfName));
  let table = conf.table;
  if (table == 0) {
    const all = link.list(ns);
    if (all.isErr) return fail<link.LinkInfo>(hostErrorToCni(all.error, "failed to list links for a free VRF table"));
    table = freeTable(all.value);
  }
  const spec = new link.LinkSpec();
  spec.name = conf.vrfName;
  const attrs = new link.VrfAttrs();
  attrs.table = table;
  spec.kind = link.LinkKind.vrf(attrs);
  const made = link.create(ns, spec);
  if (made.isErr) return fail<link.LinkInfo>(hostErrorToCni(made.error, "could not add VRF " + conf.vrfName + " with table " + table.toString()));
  const up = new link.LinkChange();
  up.up = some<bool>(true);
  const set = link.set(ns, conf.vrfName, up);
  if (set.isErr) return fail<link.LinkInfo>(hostErrorToCni(set.error, "could not set VRF " + conf.vrfName + " up"));
  return ok<link.LinkInfo, CniError>(set.value);
}

/** Global IPv6 addresses of a link (the ones a master change may drop without keep_addr_on_down). */
function globalV6(ns: NetnsId, name: string): Result<string[], CniError> {
  const l = addr.list(ns, name, Family.V6);
  if (l.isErr) return fail<string[]>(hostErrorToCni(l.error, "failed getting the IPv6 addresses of " + name));
  const out: string[] = [];
  for (let i = 0; i < l.value.length; i++) if (l.value[i].scope == 0) out.push(l.value[i].cidr);
  return ok<string[], CniError>(out);
}

/** Go's addInterface: enslave, put back dropped IPv6 addresses, move the link's routes into the VRF's table. */
function addInterface(ns: NetnsId, vrf: link.LinkInfo, ifname: string): Done {
  const l = link.get(ns, ifname);
  if (l.isErr) return fail<Unit>(hostErrorToCni(l.error, "could not get link " + ifname));
  if (l.value.master != 0) return fail<Unit>(internalError("interface " + ifname + " has already a master set (ifindex " + l.value.master.toString() + ")"));
  const before = globalV6(ns, ifname);
  if (before.isErr) return before.pass<Unit>();
  // Routes that are neither connected nor local (scope universe): the kernel drops them with the move.
  const listed = route.list(ns, Family.ALL, false);
  if (listed.isErr) return fail<Unit>(hostErrorToCni(listed.error, "failed getting the routes of " + ifname));
  const routes: route.RouteInfo[] = [];
  for (let i = 0; i < listed.value.length; i++) {
    const r = listed.value[i];
    if (r.dev != null && r.dev! == ifname && (r.scope == null || r.scope!.value == route.RouteScope.UNIVERSE)) routes.push(r);
  }
  const enslave = new link.LinkChange();
  enslave.master = vrf.name;
  const set = link.set(ns, ifname, enslave);
  if (set.isErr) return fail<Unit>(hostErrorToCni(set.error, "could not set VRF " + vrf.name + " as master of " + ifname));
  const after = globalV6(ns, ifname);
  if (after.isErr) return after.pass<Unit>();
  for (let i = 0; i < before.value.length; i++) {
    if (after.value.includes(before.value[i])) continue;
    const o = new addr.AddrOptions();
    o.dad = false;
    const a = addr.add(ns, ifname, before.value[i], o);
    if (a.isErr) return fail<Unit>(hostErrorToCni(a.error, "could not restore address " + before.value[i] + " to " + ifname + " in VRF " + vrf.name));
  }
  const table = vrf.vrfTable != null ? vrf.vrfTable!.value : 0;
  for (let i = 0; i < routes.length; i++) {
    const r = routes[i];
    r.table = some<u32>(table);
    const p = route.replace(ns, r);
    if (p.isErr) return fail<Unit>(hostErrorToCni(p.error, "could not add route " + r.dst + " to table " + table.toString() + " of VRF " + vrf.name));
  }
  return done();
}

function cmdAdd(req: Request): Result<string, CniError> {
  const c = loadConfig(req, true);
  if (c.isErr) return c.pass<string>();
  const conf = c.value;
  const ns = containerNetns(req);
  if (ns.isErr) return ns.pass<string>();
  const vrf = ensureVrf(ns.value, conf);
  if (vrf.isErr) return vrf.pass<string>();
  const a = addInterface(ns.value, vrf.value, req.ifname);
  if (a.isErr) return a.pass<string>();
  const prev = conf.prev!;
  prev.cniVersion = conf.net.cniVersion;
  return ok<string, CniError>(prev.toJson());
}

/** Frees the interface; deletes the VRF once no link is enslaved to it. Anything gone counts as done. */
function cmdDel(req: Request): Result<Unit, CniError> {
  const c = loadConfig(req, false);
  if (c.isErr) return c.pass<Unit>();
  const conf = c.value;
  if (req.netns.length == 0) return done();
  const ns = netns.container();
  if (ns.isErr) return isGone(ns.error) ? done() : fail<Unit>(hostErrorToCni(ns.error, "failed to open netns " + req.netns));
  const vrf = link.get(ns.value, conf.vrfName);
  if (vrf.isErr) return isGone(vrf.error) ? done() : fail<Unit>(hostErrorToCni(vrf.error, "failed to look up VRF " + conf.vrfName));
  if (vrf.value.kind != "vrf") return done(); // not ours to touch
  const free = new link.LinkChange();
  free.master = "";
  const set = link.set(ns.value, req.ifname, free);
  if (set.isErr && !isGone(set.error)) return fail<Unit>(hostErrorToCni(set.error, "could not free " + req.ifname + " from VRF " + conf.vrfName));
  const all = link.list(ns.value);
  if (all.isErr) return fail<Unit>(hostErrorToCni(all.error, "failed to list the links of VRF " + conf.vrfName));
  for (let i = 0; i < all.value.length; i++) if (all.value[i].master == vrf.value.index) return done();
  const d = link.del(ns.value, conf.vrfName);
  return d.isErr && !isGone(d.error) ? fail<Unit>(hostErrorToCni(d.error, "could not delete VRF " + conf.vrfName)) : done();
}

/** The VRF exists and holds the interface (Go computes this, then returns success whatever it found). */
function cmdCheck(req: Request): Result<Unit, CniError> {
  const c = loadConfig(req, true);
  if (c.isErr) return c.pass<Unit>();
  const conf = c.value;
  const ns = containerNetns(req);
  if (ns.isErr) return ns.pass<Unit>();
  const vrf = link.get(ns.value, conf.vrfName);
  if (vrf.isErr) return fail<Unit>(hostErrorToCni(vrf.error, "failed to find VRF " + conf.vrfName));
  const l = link.get(ns.value, req.ifname);
  if (l.isErr) return fail<Unit>(hostErrorToCni(l.error, "failed to find " + req.ifname));
  if (vrf.value.kind != "vrf" || l.value.master != vrf.value.index) return fail<Unit>(internalError("failed to find " + req.ifname + " associated to vrf " + conf.vrfName));
  return done();
}

function cmdStatus(req: Request): Result<Unit, CniError> {
  const c = loadConfig(req, false);
  return c.isErr ? c.pass<Unit>() : done();
}

function cmdGc(req: Request): Result<Unit, CniError> {
  const c = loadConfig(req, false);
  return c.isErr ? c.pass<Unit>() : done();
}

register(cmdAdd, cmdDel, cmdCheck, cmdStatus, cmdGc);
