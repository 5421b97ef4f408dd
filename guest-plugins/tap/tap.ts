// tap: the container gets a persistent tap device as CNI_IFNAME, for a VM or a userspace
// network stack inside it, as containernetworking/plugins' plugins/main/tap does: optionally a
// port of a bridge in the container netns, with addresses from the IPAM plugin (in process);
// without one the link is only brought up (layer 2). The host makes the tap through
// /dev/net/tun directly in the container netns under its final name (Go makes it under a
// random name there and renames it).
// Capabilities: netns (container only), link, addr, route, sysctl, ipam.
import {
  register, link, Request, Result, Unit, CniError, CniResult, NetnsId, err, okUnit, some, containerNetns, createLink, attachLink,
  detachLink, checkAttachedLink, checkVerb, statusVerb, gcVerb, delLinkIgnoringGone, hostErrorToCni,
} from "@wasm-cni/sdk";
import { TapConf, loadConfig, loadLax } from "./config";
export * from "@wasm-cni/sdk/exports";

// @ts-ignore: decorator
@lazy @inline const E_PORT = "failed to set tap ";
// @ts-ignore: decorator
@lazy @inline const E_OF_BRIDGE = " as a port of bridge ";

function cmdAdd(req: Request): Result<string, CniError> {
  const c = loadConfig(req);
  if (c.isErr) return err<string, CniError>(c.error);
  const conf = c.value;
  const cns = containerNetns(req);
  if (cns.isErr) return err<string, CniError>(cns.error);
  const attrs = new link.TapAttrs();
  attrs.multiQueue = conf.multiQueue;
  attrs.vnetHdr = conf.vnetHdr;
  attrs.owner = conf.owner >= 0 ? some<u32>(<u32>conf.owner) : null;
  attrs.group = conf.group >= 0 ? some<u32>(<u32>conf.group) : null;
  const made = createLink(cns.value, req.ifname, conf.mtu, conf.mac, link.LinkKind.tap(attrs), "tap");
  if (made.isErr) return err<string, CniError>(made.error);
  if (conf.bridge.length > 0) {
    // The bridge is looked up in the container netns, as Go does.
    const port = new link.LinkChange();
    port.master = conf.bridge;
    const r = link.set(cns.value, req.ifname, port);
    if (r.isErr) {
      delLinkIgnoringGone(cns.value, req.ifname);
      return err<string, CniError>(hostErrorToCni(r.error, E_PORT + req.ifname + E_OF_BRIDGE + conf.bridge));
    }
  }
  return attachLink(conf.net, req, cns.value, made.value, true);
}

/** IPAM DEL (when configured), then the tap. No CNI_NETNS, a netns or link already gone: success. */
function cmdDel(req: Request): Result<Unit, CniError> {
  const c = loadLax(req);
  if (c.isErr) return err<Unit, CniError>(c.error);
  const e = detachLink(c.value.net, req);
  return e != null ? err<Unit, CniError>(e) : okUnit<CniError>();
}

/** The prevResult's interface is a tap ("tun" kind) with its MAC; addresses and routes. */
function check(req: Request, conf: TapConf, cns: NetnsId, prev: CniResult): CniError | null {
  const l = checkAttachedLink(req, cns, prev, "tun");
  return l.isErr ? l.error : null;
}

// STATUS: only IPAM. The optional bridge is in the container netns, which STATUS has none of.
function cmdCheck(req: Request): Result<Unit, CniError> { return checkVerb<TapConf>(req, loadConfig, check); }
function cmdStatus(req: Request): Result<Unit, CniError> { return statusVerb<TapConf>(req, loadLax, null); }
function cmdGc(req: Request): Result<Unit, CniError> { return gcVerb<TapConf>(req, loadLax); }

register(cmdAdd, cmdDel, cmdCheck, cmdStatus, cmdGc);
