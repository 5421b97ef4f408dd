// routed: Calico's pod network without its BGP daemon. Each pod gets a veth whose container
// end holds its addresses as /32 (/128) and routes everything via a fixed link-local gateway
// (169.254.1.1 onlink; fe80::1 onlink) that no host holds: the host end answers ARP for it by
// proxy ARP and holds fe80::1 itself for NDP. The node routes each pod address to its host
// end (a /32, /128 host route); a controller (routed-controller) routes the other nodes' pod
// subnets via their underlay addresses. Capabilities: netns (with the host netns), link,
// addr, route, neigh (the pod's gateway entry), sysctl, log, ipam.
import {
  register, addr, link, neigh, route, sysctl, Request, Result, Unit, CniError, CniResult, NetnsId, IPNet, Family,
  Done, done, fail, ok, some, containerNetns, hostNetns, hostVethName, setupVeth,
  addIfaceAddrs, routeVia, addRoute, enableForwarding, ipamAdd, ipamDel, checkVerb, statusVerb, gcVerb, undoAdd, delContainerLink,
  delLinkIgnoringGone, findInterface, checkLink, checkIfaceConfig, hostErrorToCni, internalError,
} from "@wasm-cni/sdk";
export * from "@wasm-cni/sdk/exports";
import { RoutedConf, loadConfig, gatewayOf, routedResult } from "./config";

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
  const result = routedResult(r.value);
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
  e = setupContainer(cont, req.ifname, result, veth.value.host.mac);
  if (e.isOk) e = setupHost(host, hostName, result);
  if (e.isErr) {
    undoAdd(conf.net, cont, req.ifname, true);
    return e.pass<string>();
  }
  if (!conf.net.dns.isEmpty()) result.dns = conf.net.dns;
  return ok<string, CniError>(result.toJson());
}

/**
 * The /32 (/128) addresses, the link up, the IPv4 gateway as a permanent neighbour (the host
 * end's MAC: so the pod needs no ARP answer, and the node no route to 169.254.1.1 for proxy
 * ARP to give one), and every route of the result via the gateway onlink (no prefix of the
 * pod's covers it).
 * Equivalent to: `ip addr add $ip/32 dev $if; ip link set $if up;
 * ip neigh replace 169.254.1.1 lladdr $hostmac dev $if nud permanent;
 * ip route add default via 169.254.1.1 dev $if onlink; ip -6 route add default via fe80::1 dev $if onlink`
 */
function setupContainer(ns: NetnsId, ifname: string, result: CniResult, hostMac: string): Done {
  const e = addIfaceAddrs(ns, ifname, result);
  if (e.isErr) return e;
  for (let i = 0; i < result.ips.length; i++) {
    if (!result.ips[i].address.is4) continue;
    const gw = gatewayOf(true).toString();
    const n = neigh.set(ns, ifname, gw, hostMac);
    if (n.isErr) return fail<Unit>(hostErrorToCni(n.error, "failed to set neighbour " + gw + " lladdr " + hostMac + " on " + ifname));
    break;
  }
  for (let i = 0; i < result.routes.length; i++) {
    const r = result.routes[i];
    const info = routeVia(r.dst, r.gw, ifname);
    info.onlink = true;
    if (r.priority > 0) info.metric = some<u32>(r.priority);
    if (r.mtu > 0) info.mtu = some<u32>(r.mtu);
    if (r.advmss > 0) info.advmss = some<u32>(r.advmss);
    const a = addRoute(ns, info);
    if (a.isErr) return a;
  }
  return done();
}

/**
 * The host end answers ARP for 169.254.1.1 (proxy ARP) and holds fe80::1 (without DAD, so NDP
 * answers at once); each pod address is routed to it.
 * Equivalent to: `sysctl -w net.ipv4.conf.$veth.proxy_arp=1; ip addr add fe80::1/64 dev $veth nodad;
 * ip route add $ip/32 dev $veth scope link`
 */
function setupHost(ns: NetnsId, hostName: string, result: CniResult): Done {
  let v4 = false, v6 = false;
  for (let i = 0; i < result.ips.length; i++) {
    if (result.ips[i].address.is4) v4 = true;
    else v6 = true;
  }
  if (v4) {
    const key = "net.ipv4.conf." + hostName + ".proxy_arp";
    const s = sysctl.set(ns, key, "1");
    if (s.isErr) return fail<Unit>(hostErrorToCni(s.error, "failed to enable proxy ARP on " + hostName + ": " + key));
  }
  if (v6) {
    const gw = gatewayOf(false).toString() + "/64";
    const a = addr.add(ns, hostName, gw, new addr.AddrOptions());
    if (a.isErr) return fail<Unit>(hostErrorToCni(a.error, "failed to add " + gw + " to the host veth " + hostName));
  }
  for (let i = 0; i < result.ips.length; i++) {
    const toPod = routeVia(result.ips[i].address, null, hostName);
    toPod.scope = some<route.RouteScope>(route.RouteScope.LINK);
    const r = addRoute(ns, toPod);
    if (r.isErr) return r;
  }
  return done();
}

/**
 * IPAM DEL, then the pair: through the container end, and by its derived name in the host
 * netns when CNI_NETNS is absent (the host end's address and routes go with it).
 */
function cmdDel(req: Request): Done {
  const c = loadConfig(req);
  if (c.isErr) return c.pass<Unit>();
  const released = ipamDel(c.value.net);
  if (released.isErr) return released;
  const d = delContainerLink(req);
  if (d.isErr) return d;
  const hns = hostNetns();
  if (hns.isErr) return hns.pass<Unit>();
  return delLinkIgnoringGone(hns.value, hostVethName(req.containerId, req.ifname));
}

/** The container end with its addresses and routes; the host end with proxy ARP and a route to each address. */
function check(req: Request, conf: RoutedConf, cns: NetnsId, prev: CniResult): Done {
  const ci = findInterface(prev, req.ifname, req.netns);
  if (ci < 0) return fail<Unit>(internalError("routed: Sandbox in prevResult doesn't match configured netns for " + req.ifname));
  const l = checkLink(cns, prev.interfaces[ci], "veth");
  if (l.isErr) return l.pass<Unit>();
  const e = checkIfaceConfig(cns, req.ifname, prev);
  if (e.isErr) return e;
  const hns = hostNetns();
  if (hns.isErr) return hns.pass<Unit>();
  return checkHost(hns.value, hostVethName(req.containerId, req.ifname), prev);
}

function checkHost(ns: NetnsId, hostName: string, prev: CniResult): Done {
  const h = link.get(ns, hostName);
  if (h.isErr) return fail<Unit>(hostErrorToCni(h.error, "host veth not found: " + hostName));
  const rl = route.list(ns, Family.ALL, false);
  if (rl.isErr) return fail<Unit>(hostErrorToCni(rl.error, "failed to list the host's routes"));
  let v4 = false;
  for (let i = 0; i < prev.ips.length; i++) {
    const want = IPNet.host(prev.ips[i].address.ip);
    if (want.is4) v4 = true;
    if (!hasRouteOn(rl.value, want, hostName)) {
      return fail<Unit>(internalError("expected host route not found: " + want.toString() + " dev " + hostName));
    }
  }
  if (!v4) return done();
  const key = "net.ipv4.conf." + hostName + ".proxy_arp";
  const v = sysctl.get(ns, key);
  if (v.isErr) return fail<Unit>(hostErrorToCni(v.error, "failed to read " + key));
  return v.value.trim() == "1" ? done() : fail<Unit>(internalError("proxy ARP is off on " + hostName + ": " + key + " = " + v.value.trim()));
}

function hasRouteOn(list: route.RouteInfo[], dst: IPNet, dev: string): bool {
  for (let i = 0; i < list.length; i++) {
    const n = IPNet.parse(list[i].dst);
    const d = list[i].dev;
    if (n != null && n.equals(dst) && d != null && d == dev) return true;
  }
  return false;
}

// STATUS and GC: only its IPAM plugin can be not ready or hold stale state.
function cmdCheck(req: Request): Done { return checkVerb<RoutedConf>(req, loadConfig, check); }
function cmdStatus(req: Request): Done { return statusVerb<RoutedConf>(req, loadConfig, null); }
function cmdGc(req: Request): Done { return gcVerb<RoutedConf>(req, loadConfig, null); }

register(cmdAdd, cmdDel, cmdCheck, cmdStatus, cmdGc);
