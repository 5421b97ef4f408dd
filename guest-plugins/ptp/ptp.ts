// ptp: a point-to-point veth link between the container and the host, routed rather than
// bridged, as containernetworking/plugins' plugins/main/ptp does. The container's address
// keeps the IPAM prefix but its subnet is reached through the host end, which holds the
// gateway address (a /32 or /128); the host reaches the container through a host route.
// Capabilities: netns (with the host netns), link, addr, route, sysctl, log, ipam, firewall (ipMasq).
import {
  register, addr, route, Request, Result, Unit, CniError, CniResult, NetConf, NetnsId, IPNet, Done, done, fail, ok,
  some, parseNetConf, describeRoute, CURRENT_VERSION, containerNetns, hostNetns, hostVethName, setupVeth, addIfaceAddrs, addIfaceRoutes,
  routeVia, addRoute, enableForwarding, ipamAdd, ipamDel, checkVerb, statusVerb, gcVerb, undoAdd, delContainerLink, findInterface,
  checkLink, checkIfaceConfig, hostErrorToCni, internalError, isGone, setupIPMasq, teardownFirewall, checkFirewall, gcFirewall,
} from "@wasm-cni/sdk";
export * from "@wasm-cni/sdk/exports";

class PtpConf {
  ipMasq: bool = false;
  mtu: u32 = 0;
  constructor(public net: NetConf) {}
}

/**
 * The Go plugin's keys; ipam.type is required (ptp is layer 3 only). Not `strict` (DEL, GC): the
 * masquerade backend, which only ADD uses, is not checked, so a config ADD refused still deletes.
 */
function loadConfig(req: Request): Result<PtpConf, CniError> { return readConfig(req, true); }
function loadLax(req: Request): Result<PtpConf, CniError> { return readConfig(req, false); }

function readConfig(req: Request, strict: bool): Result<PtpConf, CniError> {
  const p = parseNetConf(req.config);
  if (p.isErr) return p.pass<PtpConf>();
  const c = new PtpConf(p.value);
  const r = c.net.reader;
  c.ipMasq = r.optBool("ipMasq");
  // Both backends give the same masquerading; ours is always nftables (README, "Differences").
  const backend = r.optString("ipMasqBackend");
  if (strict && backend.length > 0 && backend != "iptables" && backend != "nftables") r.fail("ipMasqBackend", "must be \"iptables\" or \"nftables\"");
  c.mtu = r.optU32("mtu");
  const ipam = r.object("ipam");
  if (ipam != null) ipam.string("type");
  const bad = c.net.check();
  return bad.isErr ? bad.pass<PtpConf>() : ok<PtpConf, CniError>(c);
}

function cmdAdd(req: Request): Result<string, CniError> {
  const c = loadConfig(req);
  if (c.isErr) return c.pass<string>();
  const conf = c.value;
  const hns = hostNetns();
  if (hns.isErr) return hns.pass<string>();
  const cns = containerNetns(req);
  if (cns.isErr) return cns.pass<string>();
  const host = hns.value, cont = cns.value;
  const r = ipamAdd(conf.net);
  if (r.isErr) return r.pass<string>();
  const result = r.value;
  result.cniVersion = CURRENT_VERSION; // ours, whatever IPAM answered in
  let e = enableForwarding(host, result.ips);
  const hostName = hostVethName(req.containerId, req.ifname);
  const veth = setupVeth(host, cont, req.ifname, hostName, conf.mtu, "", "");
  if (e.isOk && veth.isErr) e = veth.pass<Unit>();
  if (e.isErr) {
    undoAdd(conf.net, cont, req.ifname, veth.isOk);
    return e.pass<string>();
  }
  result.interfaces = [];
  result.addInterface(hostName, veth.value.host.mac);
  const iface = result.addInterface(req.ifname, veth.value.container.mac, req.netns);
  for (let i = 0; i < result.ips.length; i++) result.ips[i].interfaceIndex = iface;
  e = setupContainer(cont, req.ifname, result);
  if (e.isOk) e = setupHost(host, hostName, result);
  if (e.isOk && conf.ipMasq) e = setupIPMasq(host, result);
  if (e.isErr) {
    undoAdd(conf.net, cont, req.ifname, true);
    return e.pass<string>();
  }
  if (!conf.net.dns.isEmpty()) result.dns = conf.net.dns;
  return ok<string, CniError>(result.toJson());
}

/**
 * Addresses with their IPAM prefix, but the subnet through the gateway: the kernel's prefix
 * route goes, the gateway gets a link route and the subnet a route via it (both with the
 * container's address as source), then the IPAM routes.
 * Equivalent to: `ip route del $subnet dev $if; ip route add $gw/32 dev $if scope link src $ip;
 * ip route add $subnet via $gw dev $if src $ip`
 */
function setupContainer(ns: NetnsId, ifname: string, result: CniResult): Done {
  const e = addIfaceAddrs(ns, ifname, result);
  if (e.isErr) return e;
  for (let i = 0; i < result.ips.length; i++) {
    const ip = result.ips[i];
    const gw = ip.gateway;
    if (gw == null) return fail<Unit>(internalError("ptp: IPAM returned no gateway for " + ip.address.toString()));
    const subnet = ip.address.masked();
    const prefix = routeVia(subnet, null, ifname);
    const d = route.del(ns, prefix);
    if (d.isErr && !isGone(d.error)) return fail<Unit>(hostErrorToCni(d.error, "failed to delete route " + subnet.toString()));
    const toGw = routeVia(IPNet.host(gw), null, ifname);
    toGw.scope = some<route.RouteScope>(route.RouteScope.LINK);
    toGw.src = ip.address.ip.toString();
    const a = addRoute(ns, toGw);
    if (a.isErr) return a;
    const viaGw = routeVia(subnet, gw, ifname);
    viaGw.src = ip.address.ip.toString();
    const b = addRoute(ns, viaGw);
    if (b.isErr) return b;
  }
  return addIfaceRoutes(ns, ifname, result);
}

/**
 * The host end holds each gateway as a /32 (/128) and routes each container address to it.
 * Equivalent to: `ip addr add $gw/32 dev $veth; ip route add $ip/32 dev $veth scope host`
 */
function setupHost(ns: NetnsId, hostName: string, result: CniResult): Done {
  const opts = new addr.AddrOptions();
  for (let i = 0; i < result.ips.length; i++) {
    const ip = result.ips[i];
    const gw = IPNet.host(ip.gateway!);
    const a = addr.add(ns, hostName, gw.toString(), opts);
    if (a.isErr) return fail<Unit>(hostErrorToCni(a.error, "failed to add IP addr to the host veth: " + gw.toString()));
    const toContainer = routeVia(IPNet.host(ip.address.ip), null, hostName);
    toContainer.scope = some<route.RouteScope>(route.RouteScope.HOST);
    const r = route.add(ns, toContainer);
    if (r.isErr && !r.error.isExists) {
      return fail<Unit>(hostErrorToCni(r.error, "failed to add route on host: " + describeRoute(toContainer)));
    }
  }
  return done();
}

function cmdDel(req: Request): Done {
  const c = loadLax(req);
  if (c.isErr) return c.pass<Unit>();
  const released = ipamDel(c.value.net);
  if (released.isErr) return released;
  if (c.value.ipMasq) {
    const hns = hostNetns();
    if (hns.isErr) return hns.pass<Unit>();
    const f = teardownFirewall(hns.value);
    if (f.isErr) return f;
  }
  // The pair goes with the container end, and the host's address and route with the host end.
  return delContainerLink(req);
}

/** The container end of the pair, its addresses and routes. */
function check(req: Request, conf: PtpConf, cns: NetnsId, prev: CniResult): Done {
  const ci = findInterface(prev, req.ifname, req.netns);
  if (ci < 0) return fail<Unit>(internalError("ptp: Sandbox in prevResult doesn't match configured netns for " + req.ifname));
  const l = checkLink(cns, prev.interfaces[ci], "veth");
  if (l.isErr) return l.pass<Unit>();
  if (conf.ipMasq) {
    const hns = hostNetns();
    if (hns.isErr) return hns.pass<Unit>();
    const f = checkFirewall(hns.value, prev, true, "", "");
    if (f.isErr) return f;
  }
  return checkIfaceConfig(cns, req.ifname, prev);
}

// STATUS and GC: only its IPAM plugin can be not ready; GC first removes the masquerade rules of stale attachments.
function cmdCheck(req: Request): Done { return checkVerb<PtpConf>(req, loadConfig, check); }
function cmdStatus(req: Request): Done { return statusVerb<PtpConf>(req, loadConfig, null); }
function cmdGc(req: Request): Done { return gcVerb<PtpConf>(req, loadLax, gcRules); }

/**
 * GC's own part: the firewall rules of attachments the runtime no longer lists (as Go GCs its
 * ipmasq chains), whatever ipMasq says now: rules of an earlier config are stale too.
 */
function gcRules(conf: PtpConf): Done {
  return gcFirewall();
}

register(cmdAdd, cmdDel, cmdCheck, cmdStatus, cmdGc);
