// host-device: an existing link of the host moves into the container as CNI_IFNAME, as
// containernetworking/plugins' plugins/main/host-device does. Its host name is kept in the
// link's alias, so DEL can rename it back and return it to the host netns. Addresses come
// from the IPAM plugin (in process) when the config names one. When ADD fails after the move,
// the host's journal moves the link back under its old name (link.set), so nothing here undoes it.
// Capabilities: netns (with the host netns, where the device is), link, addr, route, sysctl, ipam.
import {
  register, link, NetnsId, Request, Result, Unit, CniError, CniResult, CURRENT_VERSION, ok, err, okUnit, some, containerNetns,
  hostNetns, hostErrorToCni, isGone, internalError, notAvailableError, ipamAdd, ipamDel, configureIface, checkAttachedLink, checkVerb, statusVerb,
  gcVerb, netns,
} from "@wasm-cni/sdk";
import { loadConfig, loadLax, loadForStatus, HostDeviceConf } from "./config";
import { findHostDevice } from "./find-device";
export * from "@wasm-cni/sdk/exports";

// @ts-ignore: decorator
@lazy @inline const E_OPEN_NETNS = "failed to open netns ";
// @ts-ignore: decorator
@lazy @inline const E_MOVE = "failed to move link ";
// @ts-ignore: decorator
@lazy @inline const E_NO_ALIAS = " (alias is not set)";
// @ts-ignore: decorator
@lazy @inline const E_ORIGINAL_NAME = "failed to find original ifname for ";

function cmdAdd(req: Request): Result<string, CniError> {
  const c = loadConfig(req);
  if (c.isErr) return err<string, CniError>(c.error);
  const conf = c.value;
  const cns = containerNetns(req);
  if (cns.isErr) return err<string, CniError>(cns.error);
  const hns = hostNetns();
  if (hns.isErr) return err<string, CniError>(hns.error);
  const dev = findHostDevice(hns.value, conf);
  if (dev.isErr) return err<string, CniError>(dev.error);
  const moved = moveIn(hns.value, cns.value, dev.value.name, req.ifname);
  if (moved.isErr) return err<string, CniError>(moved.error);
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
  return r.isOk ? ok<link.LinkInfo, CniError>(r.value) : err<link.LinkInfo, CniError>(hostErrorToCni(r.error, E_MOVE + dev));
}

/** IPAM on the moved link, as Go's cmdAdd: every address on interface 0; no IPAM, the link alone. */
function attach(conf: HostDeviceConf, req: Request, cns: NetnsId, made: link.LinkInfo): Result<string, CniError> {
  let result = new CniResult();
  if (conf.net.ipamType.length > 0) {
    const r = ipamAdd(conf.net);
    if (r.isErr) return err<string, CniError>(r.error);
    result = r.value;
  }
  result.cniVersion = CURRENT_VERSION;
  result.interfaces = [];
  const iface = result.addInterface(req.ifname, made.mac, req.netns);
  for (let i = 0; i < result.ips.length; i++) result.ips[i].interfaceIndex = iface;
  if (result.ips.length > 0) {
    const e = configureIface(cns, req.ifname, result);
    if (e != null) {
      ipamDel(conf.net);
      return err<string, CniError>(e);
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
function cmdDel(req: Request): Result<Unit, CniError> {
  const c = loadLax(req);
  if (c.isErr) return err<Unit, CniError>(c.error);
  // Addresses are released even when the netns is gone (Go fails to open it first and keeps them).
  if (c.value.net.ipamType.length > 0) {
    const e = ipamDel(c.value.net);
    if (e != null) return err<Unit, CniError>(e);
  }
  if (req.netns.length == 0) return okUnit<CniError>();
  const cns = netns.container();
  if (cns.isErr) return isGone(cns.error) ? okUnit<CniError>() : err<Unit, CniError>(hostErrorToCni(cns.error, E_OPEN_NETNS + req.netns));
  const l = link.get(cns.value, req.ifname);
  if (l.isErr) return isGone(l.error) ? okUnit<CniError>() : err<Unit, CniError>(hostErrorToCni(l.error, E_MOVE + req.ifname));
  const name = l.value.alias;
  if (name.length == 0) return err<Unit, CniError>(internalError(E_ORIGINAL_NAME + "\"" + req.ifname + "\"" + E_NO_ALIAS));
  const hns = hostNetns();
  if (hns.isErr) return err<Unit, CniError>(hns.error);
  const change = new link.LinkChange();
  change.netns = some<NetnsId>(hns.value);
  change.name = name;
  change.alias = "";
  const r = link.set(cns.value, req.ifname, change);
  return r.isOk ? okUnit<CniError>() : err<Unit, CniError>(hostErrorToCni(r.error, E_MOVE + req.ifname + " to the host as " + name));
}

/** The prevResult's interface (any kind: a moved device keeps its own), addresses and routes. */
function check(req: Request, conf: HostDeviceConf, cns: NetnsId, prev: CniResult): CniError | null {
  const l = checkAttachedLink(req, cns, prev, "");
  return l.isErr ? l.error : null;
}

/**
 * The device is in the host netns, so ADD can take it (50 otherwise: once a container has it,
 * this network cannot serve another ADD); skipped without the host-netns grant, or when only
 * the runtime names the device (runtimeConfig.deviceID, at ADD).
 */
function ready(conf: HostDeviceConf): CniError | null {
  if (conf.key.length == 0) return null;
  const h = netns.host();
  if (h.isErr) return h.error.isDenied ? null : notAvailableError(hostErrorToCni(h.error, E_OPEN_NETNS + "host").msg);
  const d = findHostDevice(h.value, conf);
  return d.isErr ? notAvailableError(d.error.msg) : null;
}

function cmdCheck(req: Request): Result<Unit, CniError> { return checkVerb<HostDeviceConf>(req, loadConfig, check); }
function cmdStatus(req: Request): Result<Unit, CniError> { return statusVerb<HostDeviceConf>(req, loadForStatus, ready); }
function cmdGc(req: Request): Result<Unit, CniError> { return gcVerb<HostDeviceConf>(req, loadLax); }

register(cmdAdd, cmdDel, cmdCheck, cmdStatus, cmdGc);
