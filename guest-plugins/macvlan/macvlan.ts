// macvlan: the container gets a macvlan device on a host link (`master`), as
// containernetworking/plugins' plugins/main/macvlan does: its own MAC on the master's wire,
// made as CNI_IFNAME directly in the container netns. Addresses come from the IPAM plugin
// (run in process); without one the link is only brought up (layer 2).
// Capabilities: netns (with the host netns, where the master is), link, addr, route, sysctl, ipam.
import {
  register, link, Request, Result, Unit, CniError, err, okUnit, some, containerNetns, findParent, createLink, attachLink, detachLink,
  checkAttachedLink, attachedStatus, attachedGc,
} from "@wasm-cni/sdk";
import { loadConfig } from "./config";
export * from "@wasm-cni/sdk/exports";

function cmdAdd(req: Request): Result<string, CniError> {
  const c = loadConfig(req);
  if (c.isErr) return err<string, CniError>(c.error);
  const conf = c.value;
  const cns = containerNetns(req);
  if (cns.isErr) return err<string, CniError>(cns.error);
  const parent = findParent(cns.value, conf.master, conf.linkInContainer, conf.mtu);
  if (parent.isErr) return err<string, CniError>(parent.error);
  const attrs = new link.MacvlanAttrs();
  attrs.parent = parent.value.name;
  attrs.parentNs = parent.value.ns;
  attrs.mode = conf.mode;
  attrs.bcQueueLen = conf.bcQueueLen > 0 ? some<u32>(conf.bcQueueLen) : null;
  const made = createLink(cns.value, req.ifname, conf.mtu, conf.mac, link.LinkKind.macvlan(attrs), "macvlan");
  if (made.isErr) return err<string, CniError>(made.error);
  return attachLink(conf.net, req, cns.value, made.value, true);
}

function cmdDel(req: Request): Result<Unit, CniError> {
  const c = loadConfig(req, false);
  if (c.isErr) return err<Unit, CniError>(c.error);
  const e = detachLink(c.value.net, req);
  return e != null ? err<Unit, CniError>(e) : okUnit<CniError>();
}

/** The master still exists, then what every attached link checks (SDK checkAttachedLink). */
function cmdCheck(req: Request): Result<Unit, CniError> {
  const c = loadConfig(req);
  if (c.isErr) return err<Unit, CniError>(c.error);
  const cns = containerNetns(req);
  if (cns.isErr) return err<Unit, CniError>(cns.error);
  const parent = findParent(cns.value, c.value.master, c.value.linkInContainer, 0);
  if (parent.isErr) return err<Unit, CniError>(parent.error);
  const e = checkAttachedLink(c.value.net, req, cns.value, "macvlan");
  return e != null ? err<Unit, CniError>(e) : okUnit<CniError>();
}

function cmdStatus(req: Request): Result<Unit, CniError> {
  const c = loadConfig(req, false);
  if (c.isErr) return err<Unit, CniError>(c.error);
  const e = attachedStatus(c.value.net);
  return e != null ? err<Unit, CniError>(e) : okUnit<CniError>();
}

/** No state of its own: the IPAM plugin's GC. */
function cmdGc(req: Request): Result<Unit, CniError> {
  const c = loadConfig(req, false);
  if (c.isErr) return err<Unit, CniError>(c.error);
  const e = attachedGc(c.value.net);
  return e != null ? err<Unit, CniError>(e) : okUnit<CniError>();
}

register(cmdAdd, cmdDel, cmdCheck, cmdStatus, cmdGc);
