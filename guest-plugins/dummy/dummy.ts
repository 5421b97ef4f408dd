// dummy: the container gets a dummy device (a link with no wire) holding the IPAM addresses,
// as containernetworking/plugins' plugins/main/dummy does. The link is made as CNI_IFNAME in
// the container netns; nothing is made in the host netns.
// Capabilities: netns (container only), link, addr, route, sysctl, ipam.
import {
  register, link, Request, Result, Unit, CniError, CniResult, NetConf, NetnsId, Done, done, ok, parseNetConf, containerNetns, createLink,
  attachLink, detachLink, checkAttachedLink, checkVerb, statusVerb, gcVerb,
} from "@wasm-cni/sdk";
export * from "@wasm-cni/sdk/exports";

/** Only the common keys. */
class DummyConf {
  constructor(public net: NetConf) {}
}

/** The common keys and `ipam.type`, which dummy requires (its link has no other use). */
function loadConfig(req: Request): Result<DummyConf, CniError> {
  const p = parseNetConf(req.config);
  if (p.isErr) return p.pass<DummyConf>();
  const conf = p.value;
  const ipam = conf.reader.object("ipam");
  if (ipam != null) ipam.string("type");
  const bad = conf.check();
  return bad.isErr ? bad.pass<DummyConf>() : ok<DummyConf, CniError>(new DummyConf(conf));
}

function cmdAdd(req: Request): Result<string, CniError> {
  const c = loadConfig(req);
  if (c.isErr) return c.pass<string>();
  const cns = containerNetns(req);
  if (cns.isErr) return cns.pass<string>();
  const made = createLink(cns.value, req.ifname, 0, "", link.LinkKind.dummy(), "dummy");
  if (made.isErr) return made.pass<string>();
  return attachLink(c.value.net, req, cns.value, made.value, false);
}

function cmdDel(req: Request): Done {
  const c = loadConfig(req);
  if (c.isErr) return c.pass<Unit>();
  return detachLink(c.value.net, req);
}

/** The link is a dummy with its MAC; its addresses and routes. */
function check(req: Request, conf: DummyConf, cns: NetnsId, prev: CniResult): Done {
  const l = checkAttachedLink(req, cns, prev, "dummy");
  return l.isErr ? l.pass<Unit>() : done();
}

// STATUS and GC: dummy keeps no state and needs nothing in the host; only IPAM can be not ready.
function cmdCheck(req: Request): Done { return checkVerb<DummyConf>(req, loadConfig, check); }
function cmdStatus(req: Request): Done { return statusVerb<DummyConf>(req, loadConfig, null); }
function cmdGc(req: Request): Done { return gcVerb<DummyConf>(req, loadConfig); }

register(cmdAdd, cmdDel, cmdCheck, cmdStatus, cmdGc);
