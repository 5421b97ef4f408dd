// macvlan: the container gets a macvlan device on a host link (`master`), as
// containernetworking/plugins' plugins/main/macvlan does: its own MAC on the master's wire,
// made as CNI_IFNAME directly in the container netns. Addresses come from the IPAM plugin
// (run in process); without one the link is only brought up (layer 2).
// Capabilities: netns (with the host netns, where the master is), link, addr, route, sysctl, ipam.
import {
  register, link, Request, Result, Unit, CniError, CniResult, NetnsId, err, okUnit, some, containerNetns, findParent, createLink,
  attachLink, detachLink, checkAttachedLink, checkVerb, statusVerb, gcVerb, parentReady, internalError,
} from "@wasm-cni/sdk";
import { MacvlanConf, loadConfig, loadLax, modeName } from "./config";
export * from "@wasm-cni/sdk/exports";

// @ts-ignore: decorator
@lazy @inline const E_MODE = "Container macvlan mode ";
// @ts-ignore: decorator
@lazy @inline const E_NOT_EXPECTED = " does not match expected value: ";

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
  const c = loadLax(req);
  if (c.isErr) return err<Unit, CniError>(c.error);
  const e = detachLink(c.value.net, req);
  return e != null ? err<Unit, CniError>(e) : okUnit<CniError>();
}

/** The master still exists; the link, its addresses and routes; its mode is the config's (Go's validateCniContainerInterface). */
function check(req: Request, conf: MacvlanConf, cns: NetnsId, prev: CniResult): CniError | null {
  const parent = findParent(cns, conf.master, conf.linkInContainer, 0);
  if (parent.isErr) return parent.error;
  const l = checkAttachedLink(req, cns, prev, "macvlan");
  if (l.isErr) return l.error;
  const mode = l.value.macvlanMode;
  if (mode == null || mode.value != conf.mode) {
    return internalError(E_MODE + (mode != null ? modeName(mode.value) : "unknown") + E_NOT_EXPECTED + modeName(conf.mode));
  }
  return null;
}

/** The master (or the default route's link) exists and takes the MTU; then IPAM. */
function ready(conf: MacvlanConf): CniError | null {
  return parentReady(conf.master, conf.linkInContainer, conf.mtu);
}

function cmdCheck(req: Request): Result<Unit, CniError> { return checkVerb<MacvlanConf>(req, loadConfig, check); }
function cmdStatus(req: Request): Result<Unit, CniError> { return statusVerb<MacvlanConf>(req, loadLax, ready); }
function cmdGc(req: Request): Result<Unit, CniError> { return gcVerb<MacvlanConf>(req, loadLax); }

register(cmdAdd, cmdDel, cmdCheck, cmdStatus, cmdGc);
