// bridge: attaches the container to a Linux bridge in the host netns through a veth pair, as
// containernetworking/plugins' plugins/main/bridge does; addresses come from the IPAM plugin
// named in `ipam.type`, which the host runs in process. Capabilities: netns (with the host
// netns), link, addr, route, sysctl, log, ipam, firewall (ipMasq, macspoofchk).
import {
  register, link, sysctl, Request, Result, Unit, CniError, CniResult, NetnsId, Done, done, fail, ok, some,
  containerNetns, hostNetns, hostVethName, setupVeth, configureIface, enableForwarding, ipamAdd, ipamDel,
  checkVerb, statusVerb, gcVerb, linkReady, undoAdd, delContainerLink, findInterface, checkLink, checkIfaceConfig,
  hostErrorToCni, internalError, setupIPMasq, setupSpoofCheck, teardownFirewall, checkFirewall, gcFirewall,
} from "@wasm-cni/sdk";
import { BridgeConf, loadConfig, loadLax } from "./config";
import { ensureBridge, calcGateways, ensureGatewayAddr, ensureVlanGateway } from "./host-side";
import { setupPortVlans, checkPortVlans } from "./port-vlans";
export * from "@wasm-cni/sdk/exports";

function cmdAdd(req: Request): Result<string, CniError> {
  const c = loadConfig(req);
  if (c.isErr) return c.pass<string>();
  const conf = c.value;
  const hns = hostNetns();
  if (hns.isErr) return hns.pass<string>();
  const cns = containerNetns(req);
  if (cns.isErr) return cns.pass<string>();
  const host = hns.value, cont = cns.value;
  // IPAM before the bridge (Go does it the other way round): a config the IPAM plugin
  // refuses then changes nothing on the node.
  let ipamResult: CniResult | null = null;
  if (conf.layer3) {
    const r = ipamAdd(conf.net);
    if (r.isErr) return r.pass<string>();
    ipamResult = r.value;
  }
  const br = ensureBridge(host, conf);
  if (br.isErr) {
    undoAdd(conf.net, cont, req.ifname, false);
    return br.pass<string>();
  }
  const hostName = hostVethName(req.containerId, req.ifname);
  const veth = setupVeth(host, cont, req.ifname, hostName, conf.mtu, conf.mac, conf.bridge);
  if (veth.isErr) {
    undoAdd(conf.net, cont, req.ifname, false);
    return veth.pass<string>();
  }

  // Read the bridge again: a bridge without ports has the MAC 00:00:00:00:00:00 and takes its
  // first port's, so only now does it have the MAC it will keep (and that we pin).
  const brNow = link.get(host, conf.bridge);
  const brMac = brNow.isOk ? brNow.value.mac : br.value.mac;
  const result = new CniResult();
  result.addInterface(conf.bridge, brMac);
  result.addInterface(hostName, veth.value.host.mac);
  const iface = result.addInterface(req.ifname, veth.value.container.mac, req.netns);
  const e = attach(req, conf, host, cont, result, iface, ipamResult, brMac);
  if (e.isErr) {
    undoAdd(conf.net, cont, req.ifname, true);
    return e.pass<string>();
  }
  return ok<string, CniError>(result.toJson());
}

/** Everything after the veth pair: port flags, addresses, routes, gateway, forwarding. */
function attach(
  req: Request, conf: BridgeConf, host: NetnsId, cont: NetnsId, result: CniResult, iface: i32,
  ipamResult: CniResult | null, brMac: string,
): Done {
  const hostName = result.interfaces[1].name;
  if (conf.hairpinMode || conf.portIsolation) {
    const port = new link.PortChange();
    if (conf.hairpinMode) port.hairpin = some<bool>(true);
    if (conf.portIsolation) port.isolated = some<bool>(true);
    const p = link.setPort(host, hostName, port);
    if (p.isErr) return fail<Unit>(hostErrorToCni(p.error, "failed to set bridge port flags of " + hostName));
  }
  const v = setupPortVlans(host, hostName, conf);
  if (v.isErr) return v;
  if (conf.macSpoofChk) {
    const sc = setupSpoofCheck(host, hostName, result.interfaces[iface].mac);
    if (sc.isErr) return sc;
  }
  if (ipamResult == null) {
    if (conf.disableContainerInterface) return done();
    const up = new link.LinkChange();
    up.up = some<bool>(true);
    const u = link.set(cont, req.ifname, up);
    return u.isErr ? fail<Unit>(hostErrorToCni(u.error, "failed to set up " + req.ifname)) : done();
  }
  result.ips = ipamResult.ips;
  result.routes = ipamResult.routes;
  result.dns = conf.net.dns.isEmpty() ? ipamResult.dns : conf.net.dns;
  const gws = calcGateways(result, conf, iface);
  // As Go, best effort: no DAD on the link at all unless enabledad (so its link-local address
  // is not tentative either; with it, enhanced DAD tells a looped-back probe from a duplicate),
  // and a gratuitous ARP for the new address. configureIface then waits for DAD to settle.
  if (conf.enableDad) sysctl.set(cont, "net.ipv6.conf." + req.ifname + ".enhanced_dad", "1");
  sysctl.set(cont, "net.ipv6.conf." + req.ifname + ".accept_dad", conf.enableDad ? "1" : "0");
  sysctl.set(cont, "net.ipv4.conf." + req.ifname + ".arp_notify", "1");
  let e = configureIface(cont, req.ifname, result, conf.enableDad);
  if (e.isErr) return e;
  // On a VLAN the gateway lives on `<bridge>.<vlan>` (its MAC is its own: nothing to pin), as Go.
  let gwLink = conf.bridge, gwMac = brMac, gwWhat = "failed to set bridge addr";
  if (conf.vlan != 0 && gws.length > 0) {
    const v = ensureVlanGateway(host, conf);
    if (v.isErr) return v.pass<Unit>();
    result.addInterface(v.value.name, v.value.mac);
    gwLink = v.value.name;
    gwMac = "";
    gwWhat = "failed to set vlan interface for bridge with addr";
  }
  for (let i = 0; i < gws.length; i++) {
    e = ensureGatewayAddr(host, conf, gws[i], gwMac, gwLink, gwWhat);
    if (e.isErr) return e;
  }
  if (gws.length > 0) {
    e = enableForwarding(host, result.ips);
    if (e.isErr) return e;
  }
  if (conf.ipMasq) {
    e = setupIPMasq(host, result);
    if (e.isErr) return e;
  }
  // The bridge's MAC as it is now: it follows its ports unless a gateway address pinned it.
  const br = link.get(host, conf.bridge);
  if (br.isOk) result.interfaces[0].mac = br.value.mac;
  return done();
}

function cmdDel(req: Request): Done {
  const c = loadLax(req);
  if (c.isErr) return c.pass<Unit>();
  if (c.value.layer3) {
    const e = ipamDel(c.value.net);
    if (e.isErr) return e;
  }
  if (c.value.ipMasq || c.value.macSpoofChk) {
    const hns = hostNetns();
    if (hns.isErr) return hns.pass<Unit>();
    const f = teardownFirewall(hns.value);
    if (f.isErr) return f;
  }
  // The pair goes with the container end; the bridge stays for the network's other containers.
  return delContainerLink(req);
}

/** The bridge, the container end and the host end on the bridge, then addresses and routes. */
function check(req: Request, conf: BridgeConf, cont: NetnsId, prev: CniResult): Done {
  const hns = hostNetns();
  if (hns.isErr) return hns.pass<Unit>();
  const host = hns.value;
  const bi = findInterface(prev, conf.bridge, "");
  if (bi < 0) return fail<Unit>(internalError("CNI created bridge in host namespace was not found: " + conf.bridge));
  const br = checkLink(host, prev.interfaces[bi], "bridge");
  if (br.isErr) return br.pass<Unit>();
  if (br.value.promisc != conf.promiscMode) return fail<Unit>(internalError(conf.bridge + " promiscuous mode doesn't match the config"));
  const ci = findInterface(prev, req.ifname, req.netns);
  if (ci < 0) return fail<Unit>(internalError("Sandbox in prevResult doesn't match configured netns for " + req.ifname));
  const ce = checkLink(cont, prev.interfaces[ci], "veth");
  if (ce.isErr) return ce.pass<Unit>();
  let port = "";
  for (let i = 0; i < prev.interfaces.length && port.length == 0; i++) {
    const it = prev.interfaces[i];
    if (i == bi || i == ci || it.sandbox.length > 0) continue;
    const he = checkLink(host, it, "veth");
    if (he.isErr) return he.pass<Unit>();
    const peerOk = ce.value.peerIndex == 0 || ce.value.peerIndex == he.value.index;
    if (peerOk && he.value.master == br.value.index) port = it.name;
  }
  if (port.length == 0) return fail<Unit>(internalError("CNI veth created for bridge was not found: " + conf.bridge));
  const v = checkPortVlans(host, port, conf);
  if (v.isErr) return v;
  if (conf.ipMasq || conf.macSpoofChk) {
    const mac = conf.macSpoofChk ? prev.interfaces[ci].mac : "";
    const f = checkFirewall(host, prev, conf.ipMasq, hostVethName(req.containerId, req.ifname), mac);
    if (f.isErr) return f;
  }
  return checkIfaceConfig(cont, req.ifname, prev);
}

/** ADD makes the bridge when absent: a link of its name of another kind is what stops it. */
function ready(conf: BridgeConf): Done {
  return linkReady(conf.bridge, "bridge");
}

// STATUS and GC then go on to the IPAM plugin (SPEC.md); GC first removes the firewall rules of stale attachments.
function cmdCheck(req: Request): Done { return checkVerb<BridgeConf>(req, loadConfig, check); }
function cmdStatus(req: Request): Done { return statusVerb<BridgeConf>(req, loadConfig, ready); }
function cmdGc(req: Request): Done { return gcVerb<BridgeConf>(req, loadLax, gcRules); }

/**
 * GC's own part: the firewall rules of attachments the runtime no longer lists (as Go GCs its
 * ipmasq chains), whatever ipMasq/macspoofchk say now: rules of an earlier config are stale too.
 */
function gcRules(conf: BridgeConf): Done {
  return gcFirewall();
}

register(cmdAdd, cmdDel, cmdCheck, cmdStatus, cmdGc);
