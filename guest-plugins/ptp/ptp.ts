// ptp: a point-to-point veth link between the container and the host, routed rather than
// bridged, as containernetworking/plugins' plugins/main/ptp does. The container's address
// keeps the IPAM prefix but its subnet is reached through the host end, which holds the
// gateway address (a /32 or /128); the host reaches the container through a host route.
// Capabilities: netns (with the host netns), link, addr, route, sysctl, log, ipam, firewall (ipMasq).
import {
  register, addr, route, log, Request, Result, Unit, CniError, CniResult, NetConf, NetnsId, IPNet, ok, err,
  okUnit, some, parseNetConf, describeRoute, CURRENT_VERSION, containerNetns, hostNetns, hostVethName, setupVeth, addIfaceAddrs, addIfaceRoutes,
  routeVia, addRoute, enableForwarding, ipamAdd, ipamDel, checkVerb, statusVerb, gcVerb, undoAdd, delContainerLink, findInterface,
  checkLink, checkIfaceConfig, hostErrorToCni, internalError, isGone, setupIPMasq, teardownFirewall, checkFirewall,
} from "@wasm-cni/sdk";
import { gcFirewall } from "@wasm-cni/sdk";
export * from "@wasm-cni/sdk/exports";

// @ts-ignore: decorator
@lazy @inline const E_MASQ_BACKEND = "must be \"iptables\" or \"nftables\"";
// @ts-ignore: decorator
@lazy @inline const E_NO_GATEWAY = "ptp: IPAM returned no gateway for ";
// @ts-ignore: decorator
@lazy @inline const E_DEL_ROUTE = "failed to delete route ";
// @ts-ignore: decorator
@lazy @inline const E_HOST_ADDR = "failed to add IP addr to the host veth: ";
// @ts-ignore: decorator
@lazy @inline const E_HOST_ROUTE = "failed to add route on host: ";
// @ts-ignore: decorator
@lazy @inline const E_NO_CONTAINER_IF = "ptp: Sandbox in prevResult doesn't match configured netns for ";

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
  if (!p.ok) return err<PtpConf, CniError>(p.error!);
  const c = new PtpConf(p.conf!);
  const r = c.net.reader;
  c.ipMasq = r.optBool("ipMasq");
  // Both backends give the same masquerading; ours is always nftables (README, "Differences").
  const backend = r.optString("ipMasqBackend");
  if (strict && backend.length > 0 && backend != "iptables" && backend != "nftables") r.fail("ipMasqBackend", E_MASQ_BACKEND);
  c.mtu = r.optU32("mtu");
  const ipam = r.object("ipam");
  if (ipam != null) ipam.string("type");
  const bad = c.net.check();
  return bad != null ? err<PtpConf, CniError>(bad) : ok<PtpConf, CniError>(c);
}

function cmdAdd(req: Request): Result<string, CniError> {
  const c = loadConfig(req);
  if (c.isErr) return err<string, CniError>(c.error);
  const conf = c.value;
  const hns = hostNetns();
  if (hns.isErr) return err<string, CniError>(hns.error);
  const cns = containerNetns(req);
  if (cns.isErr) return err<string, CniError>(cns.error);
  const host = hns.value, cont = cns.value;
  const r = ipamAdd(conf.net);
  if (r.isErr) return err<string, CniError>(r.error);
  const result = r.value;
  result.cniVersion = CURRENT_VERSION; // ours, whatever IPAM answered in
  let e = enableForwarding(host, result.ips);
  const hostName = hostVethName(req.containerId, req.ifname);
  const veth = setupVeth(host, cont, req.ifname, hostName, conf.mtu, "", "");
  if (e == null && veth.isErr) e = veth.error;
  if (e != null) {
    undoAdd(conf.net, cont, req.ifname, veth.isOk);
    return err<string, CniError>(e);
  }
  result.interfaces = [];
  result.addInterface(hostName, veth.value.host.mac);
  const iface = result.addInterface(req.ifname, veth.value.container.mac, req.netns);
  for (let i = 0; i < result.ips.length; i++) result.ips[i].interfaceIndex = iface;
  e = setupContainer(cont, req.ifname, result);
  if (e == null) e = setupHost(host, hostName, result);
  if (e == null && conf.ipMasq) e = setupIPMasq(host, result);
  if (e != null) {
    undoAdd(conf.net, cont, req.ifname, true);
    return err<string, CniError>(e);
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
function setupContainer(ns: NetnsId, ifname: string, result: CniResult): CniError | null {
  const e = addIfaceAddrs(ns, ifname, result);
  if (e != null) return e;
  for (let i = 0; i < result.ips.length; i++) {
    const ip = result.ips[i];
    const gw = ip.gateway;
    if (gw == null) return internalError(E_NO_GATEWAY + ip.address.toString());
    const subnet = ip.address.masked();
    const prefix = routeVia(subnet, null, ifname);
    const d = route.del(ns, prefix);
    if (d.isErr && !isGone(d.error)) return hostErrorToCni(d.error, E_DEL_ROUTE + subnet.toString());
    const toGw = routeVia(IPNet.host(gw), null, ifname);
    toGw.scope = some<route.RouteScope>(route.RouteScope.LINK);
    toGw.src = ip.address.ip.toString();
    let a = addRoute(ns, toGw);
    if (a != null) return a;
    const viaGw = routeVia(subnet, gw, ifname);
    viaGw.src = ip.address.ip.toString();
    a = addRoute(ns, viaGw);
    if (a != null) return a;
  }
  return addIfaceRoutes(ns, ifname, result);
}

/**
 * The host end holds each gateway as a /32 (/128) and routes each container address to it.
 * Equivalent to: `ip addr add $gw/32 dev $veth; ip route add $ip/32 dev $veth scope host`
 */
function setupHost(ns: NetnsId, hostName: string, result: CniResult): CniError | null {
  const opts = new addr.AddrOptions();
  for (let i = 0; i < result.ips.length; i++) {
    const ip = result.ips[i];
    const gw = IPNet.host(ip.gateway!);
    const a = addr.add(ns, hostName, gw.toString(), opts);
    if (a.isErr) return hostErrorToCni(a.error, E_HOST_ADDR + gw.toString());
    const toContainer = routeVia(IPNet.host(ip.address.ip), null, hostName);
    toContainer.scope = some<route.RouteScope>(route.RouteScope.HOST);
    const r = route.add(ns, toContainer);
    if (r.isErr && !r.error.isExists) return hostErrorToCni(r.error, E_HOST_ROUTE + describeRoute(toContainer));
  }
  return null;
}

function cmdDel(req: Request): Result<Unit, CniError> {
  const c = loadLax(req);
  if (c.isErr) return err<Unit, CniError>(c.error);
  const released = ipamDel(c.value.net);
  if (released != null) return err<Unit, CniError>(released);
  if (c.value.ipMasq) {
    const hns = hostNetns();
    if (hns.isErr) return err<Unit, CniError>(hns.error);
    const f = teardownFirewall(hns.value);
    if (f != null) return err<Unit, CniError>(f);
  }
  // The pair goes with the container end, and the host's address and route with the host end.
  const e = delContainerLink(req);
  return e != null ? err<Unit, CniError>(e) : okUnit<CniError>();
}

/** The container end of the pair, its addresses and routes. */
function check(req: Request, conf: PtpConf, cns: NetnsId, prev: CniResult): CniError | null {
  const ci = findInterface(prev, req.ifname, req.netns);
  if (ci < 0) return internalError(E_NO_CONTAINER_IF + req.ifname);
  const l = checkLink(cns, prev.interfaces[ci], "veth");
  if (l.isErr) return l.error;
  if (conf.ipMasq) {
    const hns = hostNetns();
    if (hns.isErr) return hns.error;
    const f = checkFirewall(hns.value, prev, true, "", "");
    if (f != null) return f;
  }
  return checkIfaceConfig(cns, req.ifname, prev);
}

// STATUS and GC: only its IPAM plugin can be not ready; GC first removes the masquerade rules of stale attachments.
function cmdCheck(req: Request): Result<Unit, CniError> { return checkVerb<PtpConf>(req, loadConfig, check); }
function cmdStatus(req: Request): Result<Unit, CniError> { return statusVerb<PtpConf>(req, loadConfig, null); }
function cmdGc(req: Request): Result<Unit, CniError> { return gcVerb<PtpConf>(req, loadLax, gcRules); }

/**
 * GC's own part: the firewall rules of attachments the runtime no longer lists (as Go GCs its
 * ipmasq chains), whatever ipMasq says now: rules of an earlier config are stale too.
 */
function gcRules(conf: PtpConf): CniError | null {
  return gcFirewall();
}

register(cmdAdd, cmdDel, cmdCheck, cmdStatus, cmdGc);
