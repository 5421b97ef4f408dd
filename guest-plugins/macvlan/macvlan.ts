// macvlan: the container gets a macvlan device on a host link (`master`), as
// containernetworking/plugins' plugins/main/macvlan does: its own MAC on the master's wire,
// made as CNI_IFNAME directly in the container netns. Addresses come from the IPAM plugin
// (run in process); without one the link is only brought up (layer 2).
// Capabilities: netns (with the host netns, where the master is), link, addr, route, sysctl, ipam.
import {
  register, link, Request, Result, Unit, CniError, NetnsId, ok, err, okUnit, some, containerNetns, hostNetns, defaultRouteLink,
  lookupParent, createLink, attachLink, ipamDel, ipamCheck, delContainerLink, findInterface, checkLink, checkIfaceConfig,
  internalError, hostErrorToCni,
} from "@wasm-cni/sdk";
import { MacvlanConf, loadConfig } from "./config";
export * from "@wasm-cni/sdk/exports";

// @ts-ignore: decorator
@lazy @inline const E_SANDBOX = "sandbox in prevResult doesn't match configured netns: ";
// @ts-ignore: decorator
@lazy @inline const E_LOOKUP_MASTER = "failed to lookup master ";

/** Where the master is: the host netns, or the container's with linkInContainer. */
function masterNetns(conf: MacvlanConf, cns: NetnsId): Result<NetnsId, CniError> {
  return conf.linkInContainer ? ok<NetnsId, CniError>(cns) : hostNetns();
}

/** The master of the config, or the link of the default route where the master is. */
function masterName(conf: MacvlanConf, ns: NetnsId): Result<string, CniError> {
  return conf.master.length > 0 ? ok<string, CniError>(conf.master) : defaultRouteLink(ns);
}

function cmdAdd(req: Request): Result<string, CniError> {
  const c = loadConfig(req);
  if (c.isErr) return err<string, CniError>(c.error);
  const conf = c.value;
  const cns = containerNetns(req);
  if (cns.isErr) return err<string, CniError>(cns.error);
  const mns = masterNetns(conf, cns.value);
  if (mns.isErr) return err<string, CniError>(mns.error);
  const master = masterName(conf, mns.value);
  if (master.isErr) return err<string, CniError>(master.error);
  const parent = lookupParent(mns.value, master.value, conf.mtu);
  if (parent.isErr) return err<string, CniError>(parent.error);
  const attrs = new link.MacvlanAttrs();
  attrs.parent = master.value;
  attrs.parentNs = mns.value;
  attrs.mode = conf.mode;
  attrs.bcQueueLen = conf.bcQueueLen > 0 ? some<u32>(conf.bcQueueLen) : null;
  const made = createLink(cns.value, req.ifname, conf.mtu, conf.mac, link.LinkKind.macvlan(attrs), "macvlan");
  if (made.isErr) return err<string, CniError>(made.error);
  return attachLink(conf.net, req, cns.value, made.value, true);
}

function cmdDel(req: Request): Result<Unit, CniError> {
  const c = loadConfig(req, false);
  if (c.isErr) return err<Unit, CniError>(c.error);
  if (c.value.net.ipamType.length > 0) {
    const released = ipamDel(c.value.net);
    if (released != null) return err<Unit, CniError>(released);
  }
  const e = delContainerLink(req);
  return e != null ? err<Unit, CniError>(e) : okUnit<CniError>();
}

function cmdCheck(req: Request): Result<Unit, CniError> {
  const c = loadConfig(req);
  if (c.isErr) return err<Unit, CniError>(c.error);
  const conf = c.value;
  const cns = containerNetns(req);
  if (cns.isErr) return err<Unit, CniError>(cns.error);
  if (conf.net.ipamType.length > 0) {
    const e = ipamCheck(conf.net);
    if (e != null) return err<Unit, CniError>(e);
  }
  const p = conf.net.parsePrevResult();
  if (!p.ok) return err<Unit, CniError>(p.error!);
  const prev = p.result!;
  const ci = findInterface(prev, req.ifname, req.netns);
  if (ci < 0) return err<Unit, CniError>(internalError(E_SANDBOX + req.netns));
  const mns = masterNetns(conf, cns.value);
  if (mns.isErr) return err<Unit, CniError>(mns.error);
  const master = masterName(conf, mns.value);
  if (master.isErr) return err<Unit, CniError>(master.error);
  const m = link.get(mns.value, master.value);
  if (m.isErr) return err<Unit, CniError>(hostErrorToCni(m.error, E_LOOKUP_MASTER + "\"" + master.value + "\""));
  const l = checkLink(cns.value, prev.interfaces[ci], "macvlan");
  if (l.isErr) return err<Unit, CniError>(l.error);
  const bad = checkIfaceConfig(cns.value, req.ifname, prev);
  return bad != null ? err<Unit, CniError>(bad) : okUnit<CniError>();
}

/** Ready when the config reads; the IPAM plugin's STATUS is not reachable (README). */
function cmdStatus(req: Request): Result<Unit, CniError> {
  const c = loadConfig(req, false);
  return c.isErr ? err<Unit, CniError>(c.error) : okUnit<CniError>();
}

function cmdGc(req: Request): Result<Unit, CniError> {
  return okUnit<CniError>(); // as Go's macvlan: no GC of its own
}

register(cmdAdd, cmdDel, cmdCheck, cmdStatus, cmdGc);
