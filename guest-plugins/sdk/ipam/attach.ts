// The second half of ADD for a plugin whose one container link is made (macvlan, ipvlan, vlan,
// dummy), as their Go cmdAdd functions end: IPAM ADD, the link as interface 0 of the result,
// the addresses and routes on it (ipam.ConfigureIface), the config's DNS. With no IPAM plugin
// the link is only brought up (layer 2). On failure the reservation is released and the link
// deleted, as Go's deferred ipam.ExecDel and ip.DelLinkByName do.
import { link, sysctl, NetnsId, CniError, Request } from "../bindings/index";
import { Result, Unit, ok, some } from "../abi/index";
import { CniResult, NetConf, CURRENT_VERSION, Done, done, fail, internalError, hostErrorToCni } from "../types/index";
import { findInterface, checkLink, checkIfaceConfig, delContainerLink, delLinkIgnoringGone } from "../ip/index";
import { configureIface } from "./configure";
import { ipamAdd, ipamDel, undoAdd } from "./delegate";

/**
 * Addresses from IPAM (or `prev`, a result whose addresses the plugin takes over, when not
 * null) on the new link `made` in `ns`; returns the result JSON. `notify`: announce the new
 * addresses (arp_notify), as macvlan and ipvlan do.
 */
export function attachLink(conf: NetConf, req: Request, ns: NetnsId, made: link.LinkInfo, notify: bool, prev: CniResult | null = null): Result<string, CniError> {
  let result: CniResult;
  if (prev != null) {
    result = prev;
  } else if (conf.ipamType.length > 0) {
    const r = ipamAdd(conf);
    if (r.isErr) {
      delLinkIgnoringGone(ns, req.ifname); // nothing was reserved
      return r.pass<string>();
    }
    result = r.value;
  } else {
    result = new CniResult();
  }
  result.cniVersion = CURRENT_VERSION;
  result.interfaces = [];
  const iface = result.addInterface(req.ifname, made.mac, req.netns);
  for (let i = 0; i < result.ips.length; i++) result.ips[i].interfaceIndex = iface;
  // Best effort, as in Go: neighbours learn the address (the link's MAC may be new to them).
  if (notify) sysctl.set(ns, "net.ipv4.conf." + req.ifname + ".arp_notify", "1");
  const e = result.ips.length > 0 ? configureIface(ns, req.ifname, result) : setUp(ns, req.ifname);
  if (e.isErr) {
    undoAdd(conf, ns, req.ifname, true); // with `prev` there is no IPAM plugin to release
    return e.pass<string>();
  }
  if (!conf.dns.isEmpty()) result.dns = conf.dns;
  return ok<string, CniError>(result.toJson());
}

function setUp(ns: NetnsId, ifname: string): Done {
  const up = new link.LinkChange();
  up.up = some<bool>(true);
  const r = link.set(ns, ifname, up);
  return r.isErr ? fail<Unit>(hostErrorToCni(r.error, "failed to set up " + ifname)) : done();
}

/** DEL of a link made by attachLink: IPAM DEL (when the config names a plugin), then the container link. */
export function detachLink(conf: NetConf, req: Request): Done {
  if (conf.ipamType.length > 0) {
    const released = ipamDel(conf);
    if (released.isErr) return released;
  }
  return delContainerLink(req);
}

/**
 * CHECK of a link made by attachLink, after checkVerb's IPAM CHECK: the prevResult's interface
 * named CNI_IFNAME in CNI_NETNS is a link of `kind` ("" for any) in `ns` with its MAC, and its
 * addresses and routes are there. Returns the link, for the kind's own attributes.
 */
export function checkAttachedLink(req: Request, ns: NetnsId, prev: CniResult, kind: string): Result<link.LinkInfo, CniError> {
  const i = findInterface(prev, req.ifname, req.netns);
  if (i < 0) return fail<link.LinkInfo>(internalError("sandbox in prevResult doesn't match configured netns: " + req.netns));
  const l = checkLink(ns, prev.interfaces[i], kind);
  if (l.isErr) return l;
  const e = checkIfaceConfig(ns, req.ifname, prev);
  return e.isErr ? e.pass<link.LinkInfo>() : l;
}
