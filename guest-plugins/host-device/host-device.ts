// host-device: an existing link of the host moves into the container as CNI_IFNAME, as
// containernetworking/plugins' plugins/main/host-device does. Its host name is kept in the
// link's alias, so DEL can rename it back and return it to the host netns. Addresses come
// from the IPAM plugin (in process) when the config names one. When ADD fails after the move,
// the host's journal moves the link back under its old name (link.set), so nothing here undoes it.
// Capabilities: netns (with the host netns, where the device is), link, addr, route, sysctl, ipam.
import {
  register, link, NetnsId, Request, Result, Unit, CniError, CniResult, CURRENT_VERSION, Done, done, fail, ok, some, containerNetns,
  hostNetns, hostErrorToCni, isGone, internalError, notAvailableError, ipamAdd, ipamDel, configureIface, checkAttachedLink, checkVerb,
  statusVerb, gcVerb, netns,
} from "@wasm-cni/sdk";
import { loadConfig, loadLax, loadForStatus, HostDeviceConf } from "./config";
import { findHostDevice } from "./find-device";
export * from "@wasm-cni/sdk/exports";

function cmdAdd(req: Request): Result<string, CniError> {
  const c = loadConfig(req);
  if (c.isErr) return c.pass<string>();
  const conf = c.value;
  const cns = containerNetns(req);
  if (cns.isErr) return cns.pass<string>();
  const hns = hostNetns();
  if (hns.isErr) return hns.pass<string>();
  const dev = findHostDevice(hns.value, conf);
  if (dev.isErr) return dev.pass<string>();
  const moved = moveIn(hns.value, cns.value, dev.value.name, req.ifname);
  if (moved.isErr) return moved.pass<string>();
  return attach(conf, req, cns.value, moved.value);
}

/**
 * The device into the container under `ifname`, its host name in the alias, up.
 * Equivalent to: `ip link set $dev netns $c name $ifname alias $dev up`
 */
function moveIn(hns: NetnsId, cns: NetnsId, dev: string, ifname: string): Result<link.LinkInfo, CniError> {
  const change = new link.LinkChange();
  change.netns = some<NetnsId>(cns);
  change.name = ifname;
  change.alias = dev;
  change.up = some<bool>(true);
  const r = link.set(hns, dev, change);
  return r.isOk ? ok<link.LinkInfo, CniError>(r.value) : fail<link.LinkInfo>(hostErrorToCni(r.error, "failed to move link " + dev));
}

/** IPAM on the moved link, as Go's cmdAdd: every address on interface 0; no IPAM, the link alone. */
function attach(conf: HostDeviceConf, req: Request, cns: NetnsId, made: link.LinkInfo): Result<string, CniError> {
  let result = new CniResult();
  if (conf.net.ipamType.length > 0) {
    const r = ipamAdd(conf.net);
    if (r.isErr) return r.pass<string>();
    result = r.value;
  }
  result.cniVersion = CURRENT_VERSION;
  result.interfaces = [];
  const iface = result.addInterface(req.ifname, made.mac, req.netns);
  for (let i = 0; i < result.ips.length; i++) result.ips[i].interfaceIndex = iface;
  if (result.ips.length > 0) {
    const e = configureIface(cns, req.ifname, result);
    if (e.isErr) {
      ipamDel(conf.net);
      return e.pass<string>();
    }
  }
  if (!conf.net.dns.isEmpty()) result.dns = conf.net.dns;
  return ok<string, CniError>(result.toJson());
}

/**
 * IPAM DEL, then the link back to the host under the name in its alias (left down, as Go
 * does: its state before ADD is not known). No CNI_NETNS, a netns or link already gone: success.
 * Equivalent to: `ip -n $c link set $ifname netns $host name $alias alias ""`
 */
function cmdDel(req: Request): Done {
  const c = loadLax(req);
  if (c.isErr) return c.pass<Unit>();
  // Addresses are released even when the netns is gone (Go fails to open it first and keeps them).
  if (c.value.net.ipamType.length > 0) {
    const e = ipamDel(c.value.net);
    if (e.isErr) return e;
  }
  if (req.netns.length == 0) return done();
  const cns = netns.container();
  if (cns.isErr) return isGone(cns.error) ? done() : fail<Unit>(hostErrorToCni(cns.error, "failed to open netns " + req.netns));
  const l = link.get(cns.value, req.ifname);
  if (l.isErr) return isGone(l.error) ? done() : fail<Unit>(hostErrorToCni(l.error, "failed to move link " + req.ifname));
  const name = l.value.alias;
  if (name.length == 0) return fail<Unit>(internalError("failed to find original ifname for \"" + req.ifname + "\" (alias is not set)"));
  const hns = hostNetns();
  if (hns.isErr) return hns.pass<Unit>();
  const change = new link.LinkChange();
  change.netns = some<NetnsId>(hns.value);
  change.name = name;
  change.alias = "";
  const r = link.set(cns.value, req.ifname, change);
  return r.isOk ? done() : fail<Unit>(hostErrorToCni(r.error, "failed to move link " + req.ifname + " to the host as " + name));
}

/** The prevResult's interface (any kind: a moved device keeps its own), addresses and routes. */
function check(req: Request, conf: HostDeviceConf, cns: NetnsId, prev: CniResult): Done {
  const l = checkAttachedLink(req, cns, prev, "");
  return l.isErr ? l.pass<Unit>() : done();
}

/**
 * The device is in the host netns, so ADD can take it (50 otherwise: once a container has it,
 * this network cannot serve another ADD); skipped without the host-netns grant, or when only
 * the runtime names the device (runtimeConfig.deviceID, at ADD).
 */
function ready(conf: HostDeviceConf): Done {
  if (conf.key.length == 0) return done();
  const h = netns.host();
  if (h.isErr) return h.error.isDenied ? done() : fail<Unit>(notAvailableError(hostErrorToCni(h.error, "failed to open netns host").msg));
  const d = findHostDevice(h.value, conf);
  return d.isErr ? fail<Unit>(notAvailableError(d.error.msg)) : done();
}

function cmdCheck(req: Request): Done { return checkVerb<HostDeviceConf>(req, loadConfig, check); }
function cmdStatus(req: Request): Done { return statusVerb<HostDeviceConf>(req, loadForStatus, ready); }
function cmdGc(req: Request): Done { return gcVerb<HostDeviceConf>(req, loadLax); }

register(cmdAdd, cmdDel, cmdCheck, cmdStatus, cmdGc);
