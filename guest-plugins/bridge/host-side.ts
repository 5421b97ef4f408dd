// The bridge's side in the host netns, like the Go plugin's ensureBridge, calcGateways,
// ensureVlanInterface and ensureAddr: the bridge made once and shared by every container of the
// network, and the gateway addresses that make it (or, on a VLAN, its `<bridge>.<vlan>` veth)
// the containers' router when isGateway is set.
import {
  link, addr, sysctl, NetnsId, CniError, CniResult, IPNet, Family, Result, Unit, Done, done, fail, ok, some,
  hostErrorToCni, internalError, setupVeth, hostVethName,
} from "@wasm-cni/sdk";
import { BridgeConf, vlanGatewayName } from "./config";
import { setupPortVlans } from "./port-vlans";

/**
 * The bridge, created when missing (with the config's MTU), then up and, if asked, promiscuous.
 * Equivalent to: `ip link add $br mtu $mtu type bridge; ip link set $br promisc on up`
 */
export function ensureBridge(ns: NetnsId, conf: BridgeConf): Result<link.LinkInfo, CniError> {
  const spec = new link.LinkSpec();
  spec.name = conf.bridge;
  spec.mtu = conf.mtu > 0 ? some<u32>(conf.mtu) : null;
  const attrs = new link.BridgeAttrs();
  // As Go: asked for only when the config has VLANs, and only of a bridge this call makes.
  if (conf.vlanFiltering) attrs.vlanFiltering = some<bool>(true);
  spec.kind = link.LinkKind.bridge(attrs);
  const ctx = "could not add " + conf.bridge;
  const c = link.create(ns, spec);
  if (c.isErr) {
    if (!c.error.isExists) return fail<link.LinkInfo>(hostErrorToCni(c.error, ctx));
    // Made by an earlier ADD (or a concurrent one): use it, if it is a bridge.
    const g = link.get(ns, conf.bridge);
    if (g.isErr) return fail<link.LinkInfo>(hostErrorToCni(g.error, ctx));
    if (g.value.kind != "bridge") return fail<link.LinkInfo>(internalError("\"" + conf.bridge + "\" already exists but is not a bridge"));
  }
  // The bridge routes for its containers; it never takes router advertisements. Best effort, as in Go.
  sysctl.set(ns, "net.ipv6.conf." + conf.bridge + ".accept_ra", "0");
  const change = new link.LinkChange();
  change.up = some<bool>(true);
  if (conf.promiscMode) change.promisc = some<bool>(true);
  const s = link.set(ns, conf.bridge, change);
  return s.isOk ? ok<link.LinkInfo, CniError>(s.value) : fail<link.LinkInfo>(hostErrorToCni(s.error, ctx));
}

/**
 * Points every address of `result` at interface `iface` and fills in what isGateway implies:
 * a gateway (the subnet's first address) where IPAM gave none, a default route per family for
 * isDefaultGateway. Returns the gateway addresses (with the subnet's prefix) for the bridge.
 */
export function calcGateways(result: CniResult, conf: BridgeConf, iface: i32): IPNet[] {
  const gws: IPNet[] = [];
  // Go counts only a default route with a gw; one without gets the gateway too, so any counts here.
  let default4 = hasDefaultRoute(result, true), default6 = hasDefaultRoute(result, false);
  for (let i = 0; i < result.ips.length; i++) {
    const ip = result.ips[i];
    ip.interfaceIndex = iface;
    if (ip.gateway == null && conf.isGateway) ip.gateway = ip.address.gateway();
    const gw = ip.gateway;
    const is4 = ip.address.is4;
    if (conf.isDefaultGateway && !(is4 ? default4 : default6)) {
      result.addRoute(IPNet.parse(is4 ? "0.0.0.0/0" : "::/0")!, gw);
      if (is4) default4 = true;
      else default6 = true;
    }
    if (conf.isGateway && gw != null) gws.push(new IPNet(gw, ip.address.prefix));
  }
  return gws;
}

function hasDefaultRoute(result: CniResult, is4: bool): bool {
  for (let i = 0; i < result.routes.length; i++) {
    const dst = result.routes[i].dst;
    if (dst.is4 == is4 && dst.prefix == 0) return true;
  }
  return false;
}

/**
 * The gateway interface of a VLAN network, as Go's ensureVlanInterface: a veth pair in the host
 * netns, `<bridge>.<vlan>` holding the gateway addresses and its peer a port of the bridge with
 * the VLAN as PVID (untagged), VLAN 1 removed unless preserveDefaultVlan; made by the first
 * ADD, then shared by the network's containers (DEL leaves it, as the bridge).
 * Equivalent to: `ip link add $br.$vlan type veth peer name $peer; ip link set $peer master $br up;
 * bridge vlan add dev $peer vid $vlan pvid untagged; ip link set $br.$vlan up`
 */
export function ensureVlanGateway(ns: NetnsId, conf: BridgeConf): Result<link.LinkInfo, CniError> {
  const name = vlanGatewayName(conf);
  const have = link.get(ns, name);
  if (have.isOk) return ok<link.LinkInfo, CniError>(have.value);
  if (!have.error.isNotFound) return fail<link.LinkInfo>(hostErrorToCni(have.error, "failed to create vlan interface: " + name));
  // The peer's name is derived, as a container's host end is (Go's is random).
  const peer = hostVethName(conf.bridge, name);
  const v = setupVeth(ns, ns, name, peer, conf.mtu, "", conf.bridge);
  if (v.isErr) return v.pass<link.LinkInfo>();
  const e = setupPortVlans(ns, peer, conf, false); // the VLAN only, not the containers' trunk, as Go
  if (e.isErr) return e.pass<link.LinkInfo>();
  const up = new link.LinkChange();
  up.up = some<bool>(true);
  const u = link.set(ns, name, up);
  return u.isOk ? ok<link.LinkInfo, CniError>(u.value) : fail<link.LinkInfo>(hostErrorToCni(u.error, "failed to set up " + name));
}

/**
 * Puts gateway `gw` on the bridge (or the VLAN's gateway interface), named `br`. Another IPv4 address, or an IPv6 one of an overlapping
 * prefix, is an error unless forceAddress, which removes it. The bridge's MAC is then pinned
 * (set to `mac`, its own), so that it no longer follows the lowest MAC of its ports.
 * `what` is the context of the messages ("failed to set bridge addr").
 * Equivalent to: `ip addr add $gw dev $br; ip link set $br address $mac`
 */
export function ensureGatewayAddr(ns: NetnsId, conf: BridgeConf, gw: IPNet, mac: string, br: string, what: string): Done {
  const ctx = what + ": " + gw.toString();
  const list = addr.list(ns, br, gw.is4 ? Family.V4 : Family.V6);
  if (list.isErr) return fail<Unit>(hostErrorToCni(list.error, ctx));
  for (let i = 0; i < list.value.length; i++) {
    const have = IPNet.parse(list.value[i].cidr);
    if (have == null) continue;
    if (have.equals(gw)) return done();
    if (gw.is4 || have.contains(gw.ip) || gw.contains(have.ip)) {
      if (!conf.forceAddress) {
        return fail<Unit>(internalError(what + ": \"" + br + "\" already has an IP address different from " + gw.toString()));
      }
      const d = addr.del(ns, br, list.value[i].cidr);
      if (d.isErr) return fail<Unit>(hostErrorToCni(d.error, ctx));
    }
  }
  const opts = new addr.AddrOptions(); // dad false: the gateway is usable at once
  const a = addr.add(ns, br, gw.toString(), opts);
  if (a.isErr && !a.error.isExists) return fail<Unit>(hostErrorToCni(a.error, ctx));
  if (mac.length == 0 || mac == "00:00:00:00:00:00") return done(); // nothing worth pinning
  const pin = new link.LinkChange();
  pin.mac = mac;
  const s = link.set(ns, br, pin);
  return s.isErr ? fail<Unit>(hostErrorToCni(s.error, ctx)) : done();
}
