// tap: the container gets a persistent tap device as CNI_IFNAME, for a VM or a userspace
// network stack inside it, as containernetworking/plugins' plugins/main/tap does: optionally a
// port of a bridge in the container netns, with addresses from the IPAM plugin (in process);
// without one the link is only brought up (layer 2). The host makes the tap through
// /dev/net/tun directly in the container netns under its final name (Go makes it under a
// random name there and renames it).
// Capabilities: netns (container only), link, addr, route, sysctl, ipam.
import {
  register, link, Request, Result, Unit, CniError, CniResult, NetnsId, Done, done, fail, some, containerNetns, createLink, attachLink,
  detachLink, checkAttachedLink, checkVerb, statusVerb, gcVerb, delLinkIgnoringGone, hostErrorToCni,
} from "@wasm-cni/sdk";
import { TapConf, loadConfig, loadLax } from "./config";
export * from "@wasm-cni/sdk/exports";

function cmdAdd(req: Request): Result<string, CniError> {
  const c = loadConfig(req);
  if (c.isErr) return c.pass<string>();
  const conf = c.value;
  const cns = containerNetns(req);
  if (cns.isErr) return cns.pass<string>();
  const attrs = new link.TapAttrs();
  attrs.multiQueue = conf.multiQueue;
  attrs.vnetHdr = conf.vnetHdr;
  attrs.owner = conf.owner >= 0 ? some<u32>(<u32>conf.owner) : null;
  attrs.group = conf.group >= 0 ? some<u32>(<u32>conf.group) : null;
  const made = createLink(cns.value, req.ifname, conf.mtu, conf.mac, link.LinkKind.tap(attrs), "tap");
  if (made.isErr) return made.pass<string>();
  if (conf.bridge.length > 0) {
    // The bridge is looked up in the container netns, as Go does.
    const port = new link.LinkChange();
    port.master = conf.bridge;
    const r = link.set(cns.value, req.ifname, port);
    if (r.isErr) {
      delLinkIgnoringGone(cns.value, req.ifname);
      return fail<string>(hostErrorToCni(r.error, "failed to set tap " + req.ifname + " as a port of bridge " + conf.bridge));
    }
  }
  return attachLink(conf.net, req, cns.value, made.value, true);
}

/** IPAM DEL (when configured), then the tap. No CNI_NETNS, a netns or link already gone: success. */
function cmdDel(req: Request): Done {
  const c = loadLax(req);
  if (c.isErr) return c.pass<Unit>();
  return detachLink(c.value.net, req);
}

/** The prevResult's interface is a tap ("tun" kind) with its MAC; addresses and routes. */
function check(req: Request, conf: TapConf, cns: NetnsId, prev: CniResult): Done {
  const l = checkAttachedLink(req, cns, prev, "tun");
  return l.isErr ? l.pass<Unit>() : done();
}

// STATUS: only IPAM. The optional bridge is in the container netns, which STATUS has none of.
function cmdCheck(req: Request): Done { return checkVerb<TapConf>(req, loadConfig, check); }
function cmdStatus(req: Request): Done { return statusVerb<TapConf>(req, loadLax, null); }
function cmdGc(req: Request): Done { return gcVerb<TapConf>(req, loadLax); }

register(cmdAdd, cmdDel, cmdCheck, cmdStatus, cmdGc);
