// macvlan: the container gets a macvlan device on a host link (`master`), as
// containernetworking/plugins' plugins/main/macvlan does: its own MAC on the master's wire,
// made as CNI_IFNAME directly in the container netns. Addresses come from the IPAM plugin
// (run in process); without one the link is only brought up (layer 2).
// Capabilities: netns (with the host netns, where the master is), link, addr, route, sysctl, ipam.
import {
  register, link, Request, Result, Unit, CniError, CniResult, NetnsId, Done, done, fail, some, containerNetns, findParent,
  createLink, attachLink, detachLink, checkAttachedLink, checkVerb, statusVerb, gcVerb, parentReady, internalError,
} from "@wasm-cni/sdk";
import { MacvlanConf, loadConfig, loadLax, modeName } from "./config";
export * from "@wasm-cni/sdk/exports";

function cmdAdd(req: Request): Result<string, CniError> {
  const c = loadConfig(req);
  if (c.isErr) return c.pass<string>();
  const conf = c.value;
  const cns = containerNetns(req);
  if (cns.isErr) return cns.pass<string>();
  const parent = findParent(cns.value, conf.master, conf.linkInContainer, conf.mtu);
  if (parent.isErr) return parent.pass<string>();
  const attrs = new link.MacvlanAttrs();
  attrs.parent = parent.value.name;
  attrs.parentNs = parent.value.ns;
  attrs.mode = conf.mode;
  attrs.bcQueueLen = conf.bcQueueLen > 0 ? some<u32>(conf.bcQueueLen) : null;
  const made = createLink(cns.value, req.ifname, conf.mtu, conf.mac, link.LinkKind.macvlan(attrs), "macvlan");
  if (made.isErr) return made.pass<string>();
  return attachLink(conf.net, req, cns.value, made.value, true);
}

function cmdDel(req: Request): Done {
  const c = loadLax(req);
  if (c.isErr) return c.pass<Unit>();
  return detachLink(c.value.net, req);
}

/** The master still exists; the link, its addresses and routes; its mode is the config's (Go's validateCniContainerInterface). */
function check(req: Request, conf: MacvlanConf, cns: NetnsId, prev: CniResult): Done {
  const parent = findParent(cns, conf.master, conf.linkInContainer, 0);
  if (parent.isErr) return parent.pass<Unit>();
  const l = checkAttachedLink(req, cns, prev, "macvlan");
  if (l.isErr) return l.pass<Unit>();
  const mode = l.value.macvlanMode;
  if (mode == null || mode.value != conf.mode) {
    const have = mode != null ? modeName(mode.value) : "unknown";
    return fail<Unit>(internalError("Container macvlan mode " + have + " does not match expected value: " + modeName(conf.mode)));
  }
  return done();
}

/** The master (or the default route's link) exists and takes the MTU; then IPAM. */
function ready(conf: MacvlanConf): Done {
  return parentReady(conf.master, conf.linkInContainer, conf.mtu);
}

function cmdCheck(req: Request): Done { return checkVerb<MacvlanConf>(req, loadConfig, check); }
function cmdStatus(req: Request): Done { return statusVerb<MacvlanConf>(req, loadLax, ready); }
function cmdGc(req: Request): Done { return gcVerb<MacvlanConf>(req, loadLax); }

register(cmdAdd, cmdDel, cmdCheck, cmdStatus, cmdGc);
